-- Capacity has one owner: the events module's rules (the venue's maxCapacity over all price
-- categories). PUT /inventory/{eventId}/capacity enforces the same rule, so inventory keeps the
-- event's maxCapacity from EventState messages. 0: not heard since this migration (an event not
-- changed since); the capacity route then refuses until the event's next message.
ALTER TABLE inventories ADD COLUMN max_capacity INTEGER NOT NULL DEFAULT 0;
