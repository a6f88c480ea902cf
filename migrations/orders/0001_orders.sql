-- Orders and the checkout saga (issue 9). Times are Unix milliseconds (BIGINT), money integer
-- minor units plus an ISO 4217 currency.
CREATE TABLE orders (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  event_id TEXT NOT NULL,               -- every order names its event (POST /api/v1/orders requires eventId)
  status TEXT NOT NULL CHECK (status IN ('Pending', 'Reserved', 'Paid', 'Completed', 'Cancelled', 'Failed',
                                         'Refunded', 'PartiallyRefunded')),
  currency TEXT,                        -- NULL until the seats are held and priced
  total_amount BIGINT NOT NULL DEFAULT 0,
  refunded_amount BIGINT NOT NULL DEFAULT 0,
  adopt_reservation_id TEXT,            -- {reservationId}: the buyer's own hold to buy
  payment_method TEXT,                  -- PaymentMethod JSON: method, brand, last4, expiry, fingerprint, holder
                                        -- name, and the vault token until ChargePayment is sent; never the
                                        -- card number or CVC
  payment_id TEXT,
  ip_address TEXT NOT NULL DEFAULT '',
  user_agent TEXT NOT NULL DEFAULT '',
  correlation_id TEXT NOT NULL,
  failure_reason TEXT,
  failure_detail TEXT,
  cancel_reason TEXT,                   -- set when a cancellation is decided (pending while its refund runs)
  cancel_refund_id TEXT,
  held_again INTEGER NOT NULL DEFAULT 0,
  expires_at BIGINT,                    -- the holds' earliest expiry
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX orders_by_user ON orders(user_id, created_at);
CREATE INDEX orders_by_event ON orders(event_id, created_at);
CREATE INDEX orders_by_status ON orders(status, created_at);

CREATE TABLE order_items (
  order_id TEXT NOT NULL REFERENCES orders(id),
  position INTEGER NOT NULL,
  category_id TEXT NOT NULL,
  ticket_count INTEGER NOT NULL CHECK (ticket_count > 0),
  unit_price BIGINT,                    -- NULL until held
  sold_count INTEGER NOT NULL DEFAULT 0,
  returned_count INTEGER NOT NULL DEFAULT 0 CHECK (returned_count <= sold_count),
  PRIMARY KEY (order_id, position)
);

-- The holds of an order as inventory reported them (SeatsHeld, then SeatsConfirmed).
CREATE TABLE order_holds (
  order_id TEXT NOT NULL REFERENCES orders(id),
  reservation_id TEXT NOT NULL,
  category_id TEXT NOT NULL,
  ticket_count INTEGER NOT NULL,
  amount BIGINT NOT NULL,
  currency TEXT NOT NULL,
  status TEXT NOT NULL,                 -- Held | Sold | Expired | Released
  PRIMARY KEY (order_id, reservation_id)
);
CREATE INDEX order_holds_by_reservation ON order_holds(reservation_id);

CREATE TABLE order_status_history (
  order_id TEXT NOT NULL REFERENCES orders(id),
  seq INTEGER NOT NULL,
  status TEXT NOT NULL,
  reason TEXT,
  detail TEXT,
  at BIGINT NOT NULL,
  PRIMARY KEY (order_id, seq)
);

-- Refunds of the order's payment (PaymentRefunded), once each.
CREATE TABLE order_refunds (
  order_id TEXT NOT NULL REFERENCES orders(id),
  refund_id TEXT NOT NULL,
  amount BIGINT NOT NULL,
  currency TEXT NOT NULL,
  full_refund INTEGER NOT NULL,
  reason TEXT NOT NULL,
  seats TEXT NOT NULL,                  -- JSON [{categoryId, ticketCount}]
  at BIGINT NOT NULL,
  deferred INTEGER NOT NULL DEFAULT 0,  -- 1: landed while Paid, applied once the order leaves Paid
  PRIMARY KEY (order_id, refund_id)
);

-- Seats that came back on sale (SeatsReturned), once per return id.
CREATE TABLE order_returns (
  order_id TEXT NOT NULL REFERENCES orders(id),
  return_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  items TEXT NOT NULL,                  -- JSON [{categoryId, ticketCount}]
  ticket_count INTEGER NOT NULL,
  at BIGINT NOT NULL,
  PRIMARY KEY (order_id, return_id)
);

-- Seed 000's PaymentSagaState, one per order.
CREATE TABLE sagas (
  order_id TEXT PRIMARY KEY REFERENCES orders(id),
  state TEXT NOT NULL CHECK (state IN ('Started', 'InProgress', 'Completed', 'Failed', 'Compensating')),
  current_step TEXT NOT NULL CHECK (current_step IN ('ValidateInventory', 'ProcessPayment', 'ConfirmInventory',
                                                     'Complete')),
  attempts INTEGER NOT NULL,
  awaiting_payment INTEGER NOT NULL DEFAULT 0,
  charge_sent INTEGER NOT NULL DEFAULT 0,
  paid INTEGER NOT NULL DEFAULT 0,
  seats_sold INTEGER NOT NULL DEFAULT 0,
  await_release INTEGER NOT NULL DEFAULT 0,
  await_void INTEGER NOT NULL DEFAULT 0,
  release_reason TEXT NOT NULL DEFAULT '', -- of the ReleaseSeats awaited (re-sent by the sweeper)
  void_reason TEXT NOT NULL DEFAULT '',    -- of the VoidPayment or cancellation's RefundPayment awaited
  compensation_sent_at BIGINT,          -- when the awaited compensations were last sent
  compensation_attempts INTEGER NOT NULL DEFAULT 0,
  step_started_at BIGINT NOT NULL,
  started_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  completed_at BIGINT
);
-- The sweeper's queries: running sagas by the age of their step, compensating ones by the age of
-- their last compensation.
CREATE INDEX sagas_running ON sagas(state, step_started_at);
CREATE INDEX sagas_compensating ON sagas(state, compensation_sent_at);

CREATE TABLE saga_steps (
  order_id TEXT NOT NULL REFERENCES sagas(order_id),
  seq INTEGER NOT NULL,
  step TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  result TEXT NOT NULL,                 -- the fact and what it did: "SeatsHeld: reserved", "duplicate", ...
  detail TEXT,
  at BIGINT NOT NULL,
  PRIMARY KEY (order_id, seq)
);

CREATE TABLE saga_compensations (
  order_id TEXT NOT NULL REFERENCES sagas(order_id),
  seq INTEGER NOT NULL,
  action TEXT NOT NULL,                 -- ReleaseSeats | VoidPayment | ReturnSeats | RefundPayment
  reason TEXT NOT NULL,
  at BIGINT NOT NULL,
  PRIMARY KEY (order_id, seq)
);
