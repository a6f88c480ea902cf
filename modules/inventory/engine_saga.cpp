// The checkout saga's commands (HoldSeats, ConfirmSeats, ReleaseSeats, ReturnSeats), applied by
// the engine inside the inbox's transaction, exactly like the events module's messages: memory
// changes go through the batch's journal (undone if the transaction rolls back), snapshots are
// published after the commit, and each command's reply is published in the same transaction.
//
// A refusal is an answer, not an error: the refused part rolls back to a savepoint (database and
// memory) and a SeatsNotHeld / SeatsNotConfirmed with the problem's slug is published. Only a
// fault throws, and the bus retries the command. Every command is idempotent (the saga may send
// it again after a crash, and delivery is at least once):
// - HoldSeats by order id: holds already placed for the order answer SeatsHeld again (or, if they
//   have ended, why not); a refusal is stored and repeated.
// - ConfirmSeats by order id: its first answer is stored and repeated, so a confirmation that
//   failed (and whose payment the saga then refunded) never sells on a retry.
// - ReleaseSeats: releases what the order still holds, which after the first time is nothing.
// - ReturnSeats by return id: its first answer is stored and repeated.
#include <algorithm>
#include <boost/json.hpp>
#include <iterator>
#include <stdexcept>

#include "boxoffice/kernel/json.hpp"
#include "boxoffice/kernel/message_json.hpp"
#include "boxoffice/kernel/time.hpp"
#include "engine.hpp"
#include "engine_batch.hpp"
#include "problems.hpp"
#include "rules.hpp"
#include "store.hpp"

namespace boxoffice::inventory {

namespace {

namespace m = messages;

// A refusal the saga's code decides itself (the HTTP paths' Problems are refusals too).
class SagaRefusal : public std::runtime_error {
 public:
  SagaRefusal(std::string reason, const std::string& detail) : std::runtime_error(detail), reason_(std::move(reason)) {}
  const std::string& reason() const { return reason_; }

 private:
  std::string reason_;
};

SagaRefusal reservationNotFound(const std::string& reservationId) {
  return {"reservation-not-found", "No reservation " + reservationId + " of this buyer exists for this event."};
}

// Why a hold that is no longer active cannot be used (adopted or confirmed).
SagaRefusal finishedHold(const Reservation& hold) {
  switch (hold.status) {
    case ReservationStatus::Expired:
      return {"reservation-expired", problems::reservationExpired(hold.reservationId).detail()};
    case ReservationStatus::Cancelled:
      return {"reservation-released", problems::reservationReleased(hold.reservationId).detail()};
    case ReservationStatus::Confirmed:
    case ReservationStatus::Returned:
      return {"reservation-confirmed", problems::reservationConfirmed(hold.reservationId).detail()};
    case ReservationStatus::Reserved:
      break;
  }
  return reservationNotFound(hold.reservationId);
}

void requireField(const std::string& value, const char* name, std::string_view command) {
  // A command without its key cannot be answered or made idempotent: a fault (dead letter), not a refusal.
  if (value.empty()) throw std::invalid_argument(std::string(command) + " has no " + name);
}

m::OrderHold orderHold(const Reservation& hold) {
  return {hold.reservationId, hold.categoryId, hold.ticketCount, {hold.amount, hold.currency}};
}

bool live(const Reservation& hold) {
  return hold.status == ReservationStatus::Reserved || hold.status == ReservationStatus::Confirmed ||
         hold.status == ReservationStatus::Returned;
}

m::SeatsHeld seatsHeld(const std::string& orderId, const std::vector<Reservation>& holds) {
  m::SeatsHeld reply;
  reply.orderId = orderId;
  reply.eventId = holds.front().eventId;
  reply.userId = holds.front().userId;
  reply.total.currency = holds.front().currency;
  std::int64_t earliest = holds.front().expiresAtMs;
  for (const auto& hold : holds) {
    reply.holds.push_back(orderHold(hold));
    reply.total.amount += hold.amount;
    earliest = std::min(earliest, hold.expiresAtMs);
  }
  reply.expiresAt = formatRfc3339(fromUnixMillis(earliest));
  return reply;
}

// Publishes `reply` and, if `command` is given, keeps it as the command's answer for repeats.
template <class Reply>
void answer(Tx& tx, const Reply& reply, const std::string& correlationId, std::string_view command = {},
            const std::string& key = {}, const std::string& orderId = {}, std::int64_t nowMs = 0) {
  auto payload = publishKeepingPayload(tx, reply, correlationId);
  if (!command.empty()) {
    store::insertSagaReply(tx, command, key, orderId, {std::string(Reply::type), boost::json::serialize(payload)},
                           nowMs);
  }
}

// A stored answer, published again.
void answerAgain(Tx& tx, const SagaReply& stored, const std::string& correlationId) {
  // Every reply travels on "tickets" at version 1 (messages.hpp).
  static_assert(m::SeatsConfirmed::messageVersion == 1 && m::SeatsNotConfirmed::messageVersion == 1 &&
                m::SeatsNotHeld::messageVersion == 1 && m::SeatsReturned::messageVersion == 1);
  tx.publish(m::SeatsConfirmed::topic, stored.type, boost::json::parse(stored.payload).as_object(), correlationId, {},
             1);
}

}  // namespace

template <class Body>
std::optional<std::pair<std::string, std::string>> Engine::refusable(Batch& batch, Tx& tx, Body&& body) {
  // The kernel's savepoint rolls the database back (and any hooks registered inside); the
  // journal puts memory back.
  auto mark = batch.journal.mark();
  std::optional<std::pair<std::string, std::string>> refused;
  try {
    tx.savepoint([&](Tx&) { body(); });
    return std::nullopt;
  } catch (const SagaRefusal& refusal) {
    refused.emplace(refusal.reason(), refusal.what());
  } catch (const Problem& problem) {
    refused.emplace(problem.slug(), problem.detail());
  }
  batch.journal.undoTo(mark);
  return refused;
}

template <class Body>
void Engine::countedCommand(Tx& tx, std::string_view command, Body&& body) {
  std::string name(command);
  try {
    std::string result = body();
    tx.afterCommit([this, name, result] {
      metrics_.increment("inventory_saga_commands_total", {{"command", name}, {"result", result}});
    });
  } catch (...) {
    metrics_.increment("inventory_saga_commands_total", {{"command", name}, {"result", "error"}});
    throw;
  }
}

// ---- HoldSeats ----

void Engine::applyCommand(Tx& tx, const m::HoldSeats& command, const std::string& correlationId) {
  countedCommand(tx, m::HoldSeats::type, [&]() -> std::string {
    requireField(command.orderId, "orderId", m::HoldSeats::type);
    auto batch = beginInTx(tx);
    if (auto stored = store::findSagaReply(tx.sql(), m::HoldSeats::type, command.orderId)) {
      answerAgain(tx, *stored, correlationId);
      return "repeated";
    }
    if (auto holds = store::findOrderReservations(tx.sql(), command.orderId); !holds.empty()) {
      // Placed before: nothing changes. Still held or sold: the same SeatsHeld; ended: why not.
      std::vector<Reservation> current;
      std::copy_if(holds.begin(), holds.end(), std::back_inserter(current), live);
      if (!current.empty()) {
        answer(tx, seatsHeld(command.orderId, current), correlationId);
      } else {
        auto why = finishedHold(holds.back());
        answer(tx, m::SeatsNotHeld{command.orderId, command.eventId, command.userId, why.reason(), why.what()},
               correlationId);
      }
      return "repeated";
    }
    auto refused = refusable(*batch, tx, [&] {
      if (command.reservationId) {
        adoptForOrder(*batch, tx, command, correlationId);
      } else {
        holdForOrder(*batch, tx, command, correlationId);
      }
    });
    saveTouchedHeaders(*batch, tx);
    if (!refused) return "held";
    answer(tx, m::SeatsNotHeld{command.orderId, command.eventId, command.userId, refused->first, refused->second},
           correlationId, m::HoldSeats::type, command.orderId, command.orderId, batch->now);
    return "refused";
  });
}

void Engine::holdForOrder(Batch& batch, Tx& tx, const m::HoldSeats& command, const std::string& correlationId) {
  auto* event = findEvent(command.eventId);
  // The buyer sees what GET shows them: a Draft of someone else is no event at all.
  if (!event || !visibleTo(event->status, inventory::managedBy(event->organizerId, command.userId, false))) {
    throw SagaRefusal("event-not-found", problems::eventNotFound(command.eventId).detail());
  }
  json::Validation validation;
  if (command.userId.empty()) validation.add("userId", "is required");
  if (command.items.empty()) validation.add("items", "must name at least one price category");
  for (std::size_t i = 0; i < command.items.size(); ++i) {
    if (command.items[i].ticketCount < 1)
      validation.add("items[" + std::to_string(i) + "].ticketCount", "must be at least 1");
  }
  validation.throwIfAny();

  // All or nothing: a later item's refusal rolls back the earlier ones (refusable's savepoint).
  // Each item sees the seats and the buyer's count as the earlier items left them.
  std::vector<Reservation> holds;
  for (const auto& item : command.items) {
    int userTickets = event->ticketsByUser.contains(command.userId) ? event->ticketsByUser[command.userId] : 0;
    if (auto refusal = checkReserve(*event, item.categoryId, item.ticketCount, userTickets, batch.now,
                                    settings_.holdTimeoutOverrideMs)) {
      const auto* category = event->category(item.categoryId);
      throw problems::refusal(*refusal, category ? category->available : 0, event->rules.maxTicketsPerUser,
                              userTickets);
    }
    auto& category = *event->category(item.categoryId);
    Reservation hold;
    hold.userId = command.userId;
    hold.ticketCount = item.ticketCount;
    hold.amount = category.priceAmount * item.ticketCount;
    hold.expiresAtMs = *holdExpiry(event->rules, batch.now, event->startsAtMs, settings_.holdTimeoutOverrideMs);
    hold.orderId = command.orderId;
    auto payload = placeHold(batch, tx, *event, category, std::move(hold), "system", correlationId);
    holds.push_back(activeHolds_.at(std::string(payload.at("reservationId").as_string())));
  }
  answer(tx, seatsHeld(command.orderId, holds), correlationId);
}

void Engine::adoptForOrder(Batch& batch, Tx& tx, const m::HoldSeats& command, const std::string& correlationId) {
  const std::string& id = *command.reservationId;
  auto it = activeHolds_.find(id);
  if (it == activeHolds_.end() || it->second.eventId != command.eventId || it->second.userId != command.userId) {
    auto stored = store::findReservation(tx.sql(), id);
    // Someone else's hold, or one of another event, looks like no hold at all.
    if (!stored || stored->eventId != command.eventId || stored->userId != command.userId) {
      throw reservationNotFound(id);
    }
    if (stored->orderId && *stored->orderId != command.orderId) throw problems::reservationInOrder(id);
    throw finishedHold(*stored);
  }
  auto* event = findEvent(command.eventId);
  if (!event) throw SagaRefusal("event-not-found", problems::eventNotFound(command.eventId).detail());
  if (it->second.orderId && *it->second.orderId != command.orderId) throw problems::reservationInOrder(id);
  // Its time is up (the sweeper has not reached it yet): refused; the sweeper expires it.
  if (batch.now >= it->second.expiresAtMs)
    throw SagaRefusal("reservation-expired", problems::reservationExpired(id).detail());

  // By id, not by reference: an undo must find the hold wherever the map keeps it then.
  batch.journal.onUndo([this, id, previous = it->second.orderId] {
    if (auto found = activeHolds_.find(id); found != activeHolds_.end()) found->second.orderId = previous;
  });
  it->second.orderId = command.orderId;
  store::setReservationOrder(tx, id, command.orderId, batch.now);
  store::insertAudit(
      tx, {event->eventId, "HoldAdopted", "system", id, it->second.categoryId, it->second.ticketCount, correlationId},
      *event, batch.nowText);
  answer(tx, seatsHeld(command.orderId, {it->second}), correlationId);
}

// ---- ConfirmSeats ----

void Engine::applyCommand(Tx& tx, const m::ConfirmSeats& command, const std::string& correlationId) {
  countedCommand(tx, m::ConfirmSeats::type, [&]() -> std::string {
    requireField(command.orderId, "orderId", m::ConfirmSeats::type);
    auto batch = beginInTx(tx);
    if (auto stored = store::findSagaReply(tx.sql(), m::ConfirmSeats::type, command.orderId)) {
      answerAgain(tx, *stored, correlationId);
      return "repeated";
    }
    auto holds = store::findOrderReservations(tx.sql(), command.orderId);
    std::string userId = holds.empty() ? std::string() : holds.front().userId;
    bool heldAgain = false;
    std::vector<Reservation> sold;
    auto refused =
        refusable(*batch, tx, [&] { sold = confirmOrder(*batch, tx, command, holds, correlationId, heldAgain); });
    std::string result = "confirmed";
    if (refused) {
      // Nothing of the order stays held: what confirmOrder rolled back is held again, release it.
      releaseOrderHolds(*batch, tx, holds, "notConfirmed", correlationId);
      answer(tx, m::SeatsNotConfirmed{command.orderId, command.eventId, userId, refused->first, refused->second},
             correlationId, m::ConfirmSeats::type, command.orderId, command.orderId, batch->now);
      result = "refused";
    } else {
      m::SeatsConfirmed reply{command.orderId, command.eventId, userId, {}, heldAgain};
      for (const auto& hold : sold) reply.holds.push_back(orderHold(hold));
      answer(tx, reply, correlationId, m::ConfirmSeats::type, command.orderId, command.orderId, batch->now);
    }
    saveTouchedHeaders(*batch, tx);
    return result;
  });
}

std::vector<Reservation> Engine::confirmOrder(Batch& batch, Tx& tx, const m::ConfirmSeats& command,
                                              const std::vector<Reservation>& holds, const std::string& correlationId,
                                              bool& heldAgain) {
  if (holds.empty()) throw SagaRefusal("reservation-not-found", "Order " + command.orderId + " holds no seats.");
  auto* event = findEvent(holds.front().eventId);
  if (!event) throw SagaRefusal("event-not-found", problems::eventNotFound(holds.front().eventId).detail());
  if (event->status == SaleStatus::Cancelled) throw problems::refusal(Refusal::NotOnSale, 0, 0, 0);
  std::vector<Reservation> sold;
  for (const auto& hold : holds) {
    switch (hold.status) {
      case ReservationStatus::Cancelled:
        // Released (by the buyer, an Admin or the event's cancellation): the order gave it up.
        throw finishedHold(hold);
      case ReservationStatus::Confirmed:
      case ReservationStatus::Returned:
        throw std::logic_error("order " + command.orderId + " has sold seats but no stored confirmation");
      case ReservationStatus::Expired:
        sold.push_back(holdAgain(batch, tx, *event, hold, correlationId));
        heldAgain = true;
        break;
      case ReservationStatus::Reserved: {
        auto it = activeHolds_.find(hold.reservationId);
        if (it == activeHolds_.end())
          throw std::logic_error("hold " + hold.reservationId + " is stored but not active");
        if (batch.now >= it->second.expiresAtMs) {
          // Its time is up, the sweeper has not reached it: it expires now and is held again.
          endHold(batch, tx, *event, hold.reservationId, ReservationStatus::Expired, "expired", "system",
                  expiryCorrelation(it->second));
          sold.push_back(holdAgain(batch, tx, *event, hold, correlationId));
          heldAgain = true;
        } else {
          sold.push_back(sellHold(batch, tx, *event, hold.reservationId, "system", correlationId));
        }
        break;
      }
    }
  }
  return sold;
}

// The buyer paid for this hold; it expired while the payment ran. Same category, count and
// amount, if the seats are there. The buyer passed the per-buyer limit and the last-minute rules
// when the hold was placed; the event must still be on sale.
Reservation Engine::holdAgain(Batch& batch, Tx& tx, EventInventory& event, const Reservation& expired,
                              const std::string& correlationId) {
  if (event.status != SaleStatus::Published) throw problems::refusal(Refusal::NotOnSale, 0, 0, 0);
  auto* category = event.category(expired.categoryId);
  if (!category || category->available < expired.ticketCount) {
    throw problems::refusal(Refusal::NotEnoughSeats, category ? category->available : 0, 0, 0);
  }
  Reservation hold;
  hold.userId = expired.userId;
  hold.sessionId = expired.sessionId;
  hold.ticketCount = expired.ticketCount;
  hold.amount = expired.amount;  // what the buyer paid, whatever the price is now
  hold.expiresAtMs = batch.now;  // sold in this transaction: it is never active after the commit
  hold.currency = expired.currency;
  hold.orderId = expired.orderId;
  auto payload = placeHold(batch, tx, event, *category, std::move(hold), "system", correlationId);
  return sellHold(batch, tx, event, std::string(payload.at("reservationId").as_string()), "system", correlationId);
}

// ---- ReleaseSeats ----

int Engine::releaseOrderHolds(Batch& batch, Tx& tx, const std::vector<Reservation>& holds, const std::string& reason,
                              const std::string& correlationId) {
  int released = 0;
  for (const auto& hold : holds) {
    auto it = activeHolds_.find(hold.reservationId);
    if (it == activeHolds_.end()) continue;
    auto eventIt = events_.find(it->second.eventId);
    if (eventIt == events_.end()) continue;
    released += it->second.ticketCount;
    endHold(batch, tx, eventIt->second, hold.reservationId, ReservationStatus::Cancelled, reason, "system",
            correlationId);
  }
  return released;
}

void Engine::applyCommand(Tx& tx, const m::ReleaseSeats& command, const std::string& correlationId) {
  countedCommand(tx, m::ReleaseSeats::type, [&]() -> std::string {
    requireField(command.orderId, "orderId", m::ReleaseSeats::type);
    auto batch = beginInTx(tx);
    auto holds = store::findOrderReservations(tx.sql(), command.orderId);
    int released =
        releaseOrderHolds(*batch, tx, holds, command.reason.empty() ? "released" : command.reason, correlationId);
    saveTouchedHeaders(*batch, tx);
    answer(tx, m::SeatsReleased{command.orderId, command.eventId, released}, correlationId);
    return released > 0 ? "released" : "nothingHeld";
  });
}

// ---- ReturnSeats ----

void Engine::applyCommand(Tx& tx, const m::ReturnSeats& command, const std::string& correlationId) {
  countedCommand(tx, m::ReturnSeats::type, [&]() -> std::string {
    requireField(command.orderId, "orderId", m::ReturnSeats::type);
    requireField(command.returnId, "returnId", m::ReturnSeats::type);
    auto batch = beginInTx(tx);
    if (auto stored = store::findSagaReply(tx.sql(), m::ReturnSeats::type, command.returnId)) {
      answerAgain(tx, *stored, correlationId);
      return "repeated";
    }
    auto holds = store::findOrderReservations(tx.sql(), command.orderId);
    std::erase_if(holds, [](const Reservation& hold) { return hold.status != ReservationStatus::Confirmed; });

    // What is asked, per category in the order asked; nothing asked: every seat not yet returned.
    std::vector<m::SeatCount> asked;
    auto add = [&asked](const std::string& categoryId, int count) {
      if (count <= 0) return;
      auto found = std::find_if(asked.begin(), asked.end(), [&](const auto& a) { return a.categoryId == categoryId; });
      if (found == asked.end()) {
        asked.push_back({categoryId, count});
      } else {
        found->ticketCount += count;
      }
    };
    if (command.items.empty()) {
      for (const auto& hold : holds) add(hold.categoryId, hold.ticketCount - hold.returnedCount);
    } else {
      for (const auto& item : command.items) add(item.categoryId, item.ticketCount);
    }

    m::SeatsReturned reply{command.orderId,
                           command.eventId,
                           holds.empty() ? std::string() : holds.front().userId,
                           command.returnId,
                           command.reason,
                           {},
                           0};
    // A cancelled or deleted event takes its seats back too: they are the buyer's money.
    auto eventIt = holds.empty() ? events_.end() : events_.find(holds.front().eventId);
    if (!holds.empty() && eventIt == events_.end()) {
      throw std::logic_error("order " + command.orderId + " has sold seats of an event inventory does not know");
    }
    for (const auto& want : asked) {
      int left = want.ticketCount;  // never more than sold and not yet returned
      int returned = 0;
      for (auto& hold : holds) {
        if (left == 0) break;
        if (hold.categoryId != want.categoryId) continue;
        int take = std::min(left, hold.ticketCount - hold.returnedCount);
        if (take <= 0) continue;
        auto& event = eventIt->second;
        auto* category = event.category(hold.categoryId);
        if (!category) throw std::logic_error("sold seats of category " + hold.categoryId + " that does not exist");
        batch->journal.set(category->sold, category->sold - take);
        batch->journal.set(category->available, category->available + take);
        int userTickets = event.ticketsByUser.contains(hold.userId) ? event.ticketsByUser[hold.userId] : 0;
        batch->journal.set(event.ticketsByUser[hold.userId], std::max(0, userTickets - take));
        hold.returnedCount += take;
        if (hold.returnedCount == hold.ticketCount) hold.status = ReservationStatus::Returned;
        store::updateReturned(tx, hold, batch->now);
        store::saveCategory(tx, event.eventId, *category);
        store::insertAudit(tx,
                           {event.eventId, std::string(m::SeatsReturned::type), "system", hold.reservationId,
                            hold.categoryId, take, correlationId},
                           event, batch->nowText);
        left -= take;
        returned += take;
      }
      if (returned > 0) {
        reply.items.push_back({want.categoryId, returned});
        reply.ticketCount += returned;
      }
    }
    if (reply.ticketCount > 0) afterChange(*batch, tx, eventIt->second, correlationId);
    saveTouchedHeaders(*batch, tx);
    answer(tx, reply, correlationId, m::ReturnSeats::type, command.returnId, command.orderId, batch->now);
    return reply.ticketCount > 0 ? "returned" : "nothingToReturn";
  });
}

}  // namespace boxoffice::inventory
