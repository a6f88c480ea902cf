#pragma once
// The inventory module's problem types; each 409 has its own `type` so clients can tell
// "sold out" from "you hit your limit" without parsing prose (catalogue: docs/problems.md).
#include <string>

#include "boxoffice/kernel/problem.hpp"
#include "rules.hpp"

namespace boxoffice::inventory::problems {

Problem refusal(Refusal refusal, int available, int limit, int userTickets);
Problem eventNotFound(const std::string& eventId);
Problem reservationNotFound(const std::string& reservationId);
Problem reservationExpired(const std::string& reservationId);
Problem reservationReleased(const std::string& reservationId);
Problem reservationConfirmed(const std::string& reservationId);
// The hold belongs to an order: its checkout saga confirms it (or another order wants to adopt it).
Problem reservationInOrder(const std::string& reservationId);
Problem capacityBelowCommitted(const std::string& categoryId, int committed);
// The venue's maxCapacity has not reached inventory yet (an event unchanged since the upgrade).
Problem capacityUnknown(const std::string& eventId);
Problem notOwner();
// More than one instance: the instance that owns the seats did not answer a forwarded command
// (none owns them right now, it is unreachable or too busy, or it did not answer in time).
Problem ownerUnavailable();

}  // namespace boxoffice::inventory::problems
