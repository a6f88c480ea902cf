#include "engine.hpp"

#include <boost/json.hpp>
#include <utility>

#include "boxoffice/inventory/messages.hpp"
#include "boxoffice/kernel/error_text.hpp"
#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/json.hpp"
#include "boxoffice/kernel/message_json.hpp"
#include "boxoffice/kernel/time.hpp"
#include "engine_batch.hpp"
#include "problems.hpp"
#include "rules.hpp"

namespace boxoffice::inventory {

std::int64_t Engine::nowMs() const { return clock_.nowMillis(); }

Engine::Engine(Database& store, EngineSettings settings, Metrics& metrics, Logger log, const Clock& clock)
    : store_(store),
      settings_(settings),
      metrics_(metrics),
      log_(std::move(log)),
      clock_(clock),
      worker_("inventory-engine", clock_, log_, [this] { return step(); }) {
  metrics_.describe("inventory_batch_size", "histogram", "Commands committed per inventory transaction.",
                    {1, 2, 4, 8, 16, 32, 64, 128, 256, 512});
  metrics_.describe("inventory_commands_total", "counter", "Inventory commands by kind and result.");
  metrics_.describe("inventory_saga_commands_total", "counter",
                    "Checkout saga commands (HoldSeats, ConfirmSeats, ReleaseSeats, ReturnSeats) by outcome.");
  metrics_.describe("inventory_holds_expired_total", "counter",
                    "Holds that ran out of time and gave their seats back.");
}

Engine::~Engine() { stop(); }

void Engine::load() {
  auto state = store_.read([this](soci::session& sql) {
    idempotency_.load(sql, nowMs());
    return store::loadAll(sql);
  });
  events_.clear();
  activeHolds_.clear();
  expiries_ = {};
  for (auto& event : state.events) {
    auto id = event.eventId;
    events_[id] = std::move(event);
  }
  for (auto& hold : state.activeReservations) {
    expiries_.emplace(hold.expiresAtMs, hold.reservationId);
    auto id = hold.reservationId;
    activeHolds_[id] = std::move(hold);
  }
  std::vector<std::string> all;
  for (const auto& [id, event] : events_) all.push_back(id);
  publishSnapshots(all);
  noteNextDue();
  log_.info("inventory loaded", {{"events", events_.size()}, {"activeHolds", activeHolds_.size()}});
}

void Engine::start() { worker_.start(); }

void Engine::stop() {
  {
    std::lock_guard lock(queueMutex_);
    if (stopping_) return;
    stopping_ = true;  // from now on submit() refuses
  }
  worker_.stop();
  // The worker has ended: answer what was queued before the refusal began, on this thread.
  for (auto pending = takeBatch(); !pending.empty(); pending = takeBatch()) process(pending);
}

void Engine::submit(Command command, Actor actor, Done done) {
  {
    std::lock_guard lock(queueMutex_);
    if (!stopping_) {
      queue_.push_back({std::move(command), std::move(actor), std::move(done)});
      done = nullptr;
    }
  }
  if (done) {
    done({503, {}, Problem::unavailable("The server is shutting down."), false, 0});
    return;
  }
  worker_.wake();
}

std::vector<Engine::Pending> Engine::takeBatch() {
  std::vector<Pending> pending;
  std::lock_guard lock(queueMutex_);
  while (!queue_.empty() && pending.size() < settings_.maxBatch) {
    pending.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return pending;
}

std::optional<std::chrono::milliseconds> Engine::step() {
  // expiries_ changes under the write lock on other threads too (saga commands arrive on the
  // inbox thread): outside a transaction the worker only reads the published next due time.
  auto pending = takeBatch();
  bool holdDue = nextDueMs_.load() <= nowMs();
  if (!pending.empty() || holdDue) process(pending);
  {
    // More than one batch was queued: take the next at once.
    std::lock_guard lock(queueMutex_);
    if (!queue_.empty()) return std::chrono::milliseconds(0);
  }
  // Sleep until work arrives (wake) or the next hold is due (checked at least once a second).
  std::chrono::milliseconds wait(1000);
  if (auto next = nextDueMs_.load(); next != kNever) {
    wait = std::min(wait, std::chrono::milliseconds(std::max<std::int64_t>(0, next - nowMs())));
  }
  return wait;
}

void Engine::process(std::vector<Pending>& pending) {
  std::vector<Outcome> outcomes(pending.size());
  Batch batch(nowMs());
  try {
    store_.write([&](Tx& tx) {
      tx.onRollback([&] {
        batch.journal.undoAll();
        noteNextDue();
      });
      expireDue(batch, tx);
      for (std::size_t i = 0; i < pending.size(); ++i) outcomes[i] = apply(batch, tx, pending[i]);
      saveTouchedHeaders(batch, tx);
      idempotency_.prune(tx, batch.now);
      tx.afterCommit([&] {
        batch.journal.clear();
        noteNextDue();
        publishSnapshots(batch.touched);
      });
    });
    if (!pending.empty()) metrics_.observe("inventory_batch_size", {}, static_cast<double>(pending.size()));
  } catch (const std::exception& e) {
    log_.error("inventory transaction failed; its commands were not applied",
               {{"error", errorText(e)}, {"commands", pending.size()}});
    for (auto& outcome : outcomes) {
      outcome = {503, {}, Problem::unavailable("The reservation could not be stored; try again."), false, 0};
    }
  }
  for (std::size_t i = 0; i < pending.size(); ++i) {
    metrics_.increment("inventory_commands_total",
                       {{"command", std::visit(
                                        [](const auto& c) -> std::string {
                                          using T = std::decay_t<decltype(c)>;
                                          if constexpr (std::is_same_v<T, ReserveCommand>) {
                                            return "reserve";
                                          } else if constexpr (std::is_same_v<T, ConfirmCommand>) {
                                            return "confirm";
                                          } else if constexpr (std::is_same_v<T, ReleaseCommand>) {
                                            return "release";
                                          } else {
                                            return "capacity";
                                          }
                                        },
                                        pending[i].command)},
                        {"result", std::to_string(outcomes[i].status)}});
    pending[i].done(std::move(outcomes[i]));
  }
}

Outcome Engine::apply(Batch& batch, Tx& tx, Pending& pending) {
  // Each command gets its own savepoint: one failing command cannot take the batch down.
  auto mark = batch.journal.mark();
  tx.exec("SAVEPOINT command");
  try {
    Outcome outcome = std::visit(
        [&](const auto& command) -> Outcome {
          using T = std::decay_t<decltype(command)>;
          if constexpr (std::is_same_v<T, ReserveCommand>) {
            return reserve(batch, tx, command, pending.actor, pending.actor.correlationId());
          } else if constexpr (std::is_same_v<T, ConfirmCommand>) {
            return confirm(batch, tx, command, pending.actor, pending.actor.correlationId());
          } else if constexpr (std::is_same_v<T, ReleaseCommand>) {
            return release(batch, tx, command, pending.actor, pending.actor.correlationId());
          } else {
            return changeCapacity(batch, tx, command, pending.actor, pending.actor.correlationId());
          }
        },
        pending.command);
    tx.exec("RELEASE command");
    return outcome;
  } catch (const std::exception& e) {
    tx.exec("ROLLBACK TO command");
    tx.exec("RELEASE command");
    batch.journal.undoTo(mark);
    if (const auto* problem = dynamic_cast<const Problem*>(&e)) return {problem->status(), {}, *problem, false, 0};
    log_.error("inventory command failed", {{"error", errorText(e)}, {"requestId", pending.actor.correlationId()}});
    return {500, {}, Problem(500, "internal", "Something went wrong on our side.", "The error was logged."), false, 0};
  }
}

EventInventory* Engine::findEvent(const std::string& eventId) {
  auto it = events_.find(eventId);
  if (it == events_.end() || it->second.status == SaleStatus::Deleted) return nullptr;
  return &it->second;
}

bool Engine::managedBy(const EventInventory& event, const Actor& actor) {
  return inventory::managedBy(event.organizerId, actor.id(), actor.isAdmin());
}

Outcome Engine::reserve(Batch& batch, Tx& tx, const ReserveCommand& command, const Actor& actor,
                        const std::string& correlationId) {
  idempotency::Key idempotencyKey{actor.id(), command.idempotencyKey};
  if (!command.idempotencyKey.empty()) {
    if (auto stored = idempotency_.lookup(idempotencyKey, command.requestHash, batch.now)) {
      return {stored->status, boost::json::parse(stored->body).as_object(), std::nullopt, true, 0};
    }
  }
  auto* event = findEvent(command.eventId);
  // A Draft is invisible to all but its owner and Admins (as on GET): 404, not "not on sale".
  if (!event || !visibleTo(event->status, managedBy(*event, actor))) throw problems::eventNotFound(command.eventId);
  int userTickets = event->ticketsByUser.contains(actor.id()) ? event->ticketsByUser[actor.id()] : 0;
  if (auto refusal = checkReserve(*event, command.categoryId, command.ticketCount, userTickets, batch.now,
                                  settings_.holdTimeoutOverrideMs)) {
    const auto* category = event->category(command.categoryId);
    throw problems::refusal(*refusal, category ? category->available : 0, event->rules.maxTicketsPerUser, userTickets);
  }
  auto& category = *event->category(command.categoryId);
  Reservation hold;
  hold.userId = actor.id();
  hold.sessionId = command.sessionId;
  hold.ticketCount = command.ticketCount;
  hold.amount = category.priceAmount * command.ticketCount;
  hold.expiresAtMs = *holdExpiry(event->rules, batch.now, event->startsAtMs, settings_.holdTimeoutOverrideMs);
  auto body = placeHold(batch, tx, *event, category, std::move(hold), actor.id(), correlationId);

  if (!command.idempotencyKey.empty()) {
    idempotency_.remember(tx, idempotencyKey, {command.requestHash, 201, boost::json::serialize(body), batch.now});
    batch.journal.onUndo([this, idempotencyKey] { idempotency_.forget(idempotencyKey); });
  }
  return {201, std::move(body), std::nullopt, false, event->version};
}

boost::json::object Engine::placeHold(Batch& batch, Tx& tx, EventInventory& event, Category& category, Reservation hold,
                                      const std::string& actorId, const std::string& correlationId) {
  hold.reservationId = newUuid();
  hold.eventId = event.eventId;
  hold.categoryId = category.categoryId;
  if (hold.currency.empty()) hold.currency = category.currency;  // a hold placed again keeps what was paid
  hold.reservedAtMs = batch.now;
  hold.status = ReservationStatus::Reserved;
  hold.correlationId = correlationId;

  int userTickets = event.ticketsByUser.contains(hold.userId) ? event.ticketsByUser[hold.userId] : 0;
  batch.journal.set(category.available, category.available - hold.ticketCount);
  batch.journal.set(category.reserved, category.reserved + hold.ticketCount);
  batch.journal.set(event.ticketsByUser[hold.userId], userTickets + hold.ticketCount);
  activeHolds_[hold.reservationId] = hold;
  batch.journal.onUndo([this, id = hold.reservationId] { activeHolds_.erase(id); });
  // A stale heap entry (after an undo) is harmless: expireDue skips ids that are not active.
  expiries_.emplace(hold.expiresAtMs, hold.reservationId);

  store::insertReservation(tx, hold);
  store::saveCategory(tx, event.eventId, category);
  return announceHoldChange(batch, tx, event, hold, messages::TicketsReserved{toState(hold)}, actorId, correlationId);
}

Reservation Engine::sellHold(Batch& batch, Tx& tx, EventInventory& event, const std::string& reservationId,
                             const std::string& actorId, const std::string& correlationId,
                             boost::json::object* payload) {
  auto it = activeHolds_.find(reservationId);
  if (it == activeHolds_.end()) throw std::logic_error("hold " + reservationId + " is not active");
  Reservation hold = it->second;
  auto* category = event.category(hold.categoryId);
  if (!category) throw std::logic_error("hold " + reservationId + " names no category of its event");
  batch.journal.set(category->reserved, category->reserved - hold.ticketCount);
  batch.journal.set(category->sold, category->sold + hold.ticketCount);
  activeHolds_.erase(it);
  batch.journal.onUndo([this, hold] { activeHolds_[hold.reservationId] = hold; });
  hold.status = ReservationStatus::Confirmed;

  store::updateReservationStatus(tx, hold.reservationId, hold.status, batch.now);
  store::saveCategory(tx, event.eventId, *category);
  auto body =
      announceHoldChange(batch, tx, event, hold, messages::ReservationConfirmed{toState(hold)}, actorId, correlationId);
  if (payload) *payload = std::move(body);
  return hold;
}

// The answer for a hold that is no longer active: tells confirm/release exactly why.
Outcome Engine::finishedHoldOutcome(Tx& tx, const std::string& eventId, const std::string& reservationId,
                                    bool forConfirm) {
  auto stored = store::findReservation(tx.sql(), reservationId);
  if (!stored || stored->eventId != eventId) throw problems::reservationNotFound(reservationId);
  switch (stored->status) {
    case ReservationStatus::Expired:
      throw problems::reservationExpired(reservationId);
    case ReservationStatus::Cancelled:
      throw problems::reservationReleased(reservationId);
    case ReservationStatus::Confirmed:
      // Confirming twice is a harmless retry (the saga may repeat a step); releasing a sold hold is not.
      if (forConfirm) return {200, toJson(*stored), std::nullopt, true, 0};
      throw problems::reservationConfirmed(reservationId);
    case ReservationStatus::Returned:  // sold, then given back: neither confirmed again nor released
      throw problems::reservationConfirmed(reservationId);
    case ReservationStatus::Reserved:
      break;
  }
  throw problems::reservationNotFound(reservationId);
}

Outcome Engine::confirm(Batch& batch, Tx& tx, const ConfirmCommand& command, const Actor& actor,
                        const std::string& correlationId) {
  auto it = activeHolds_.find(command.reservationId);
  if (it == activeHolds_.end() || it->second.eventId != command.eventId) {
    return finishedHoldOutcome(tx, command.eventId, command.reservationId, true);
  }
  auto* event = findEvent(command.eventId);
  if (!event) throw problems::eventNotFound(command.eventId);
  if (!actor.isAdmin() && actor.id() != it->second.userId) throw problems::reservationNotFound(command.reservationId);
  // An order's hold is sold by its saga once the payment is in (ConfirmSeats), never by hand.
  if (it->second.orderId) throw problems::reservationInOrder(command.reservationId);
  if (batch.now >= it->second.expiresAtMs) {
    // The sweeper has not reached it yet, but its time is up: expire it now, durably, and refuse.
    endHold(batch, tx, *event, command.reservationId, ReservationStatus::Expired, "expired", "system",
            expiryCorrelation(it->second));
    Problem refused = problems::reservationExpired(command.reservationId);
    return {refused.status(), {}, refused, false, event->version};
  }
  boost::json::object body;
  sellHold(batch, tx, *event, command.reservationId, actor.id(), correlationId, &body);
  return {200, std::move(body), std::nullopt, false, event->version};
}

Outcome Engine::release(Batch& batch, Tx& tx, const ReleaseCommand& command, const Actor& actor,
                        const std::string& correlationId) {
  auto it = activeHolds_.find(command.reservationId);
  if (it == activeHolds_.end() || it->second.eventId != command.eventId) {
    auto stored = store::findReservation(tx.sql(), command.reservationId);
    // Someone else's finished hold looks like no hold at all.
    if (stored && !actor.isAdmin() && stored->userId != actor.id())
      throw problems::reservationNotFound(command.reservationId);
    return finishedHoldOutcome(tx, command.eventId, command.reservationId, false);
  }
  if (!actor.isAdmin() && actor.id() != it->second.userId) throw problems::reservationNotFound(command.reservationId);
  auto* event = findEvent(command.eventId);
  if (!event) throw problems::eventNotFound(command.eventId);
  Reservation hold = it->second;
  endHold(batch, tx, *event, hold.reservationId, ReservationStatus::Cancelled, "released", actor.id(), correlationId);
  hold.status = ReservationStatus::Cancelled;
  return {200, toJson(hold), std::nullopt, false, event->version};
}

void Engine::endHold(Batch& batch, Tx& tx, EventInventory& event, const std::string& reservationId,
                     ReservationStatus status, const std::string& reason, const std::string& actorId,
                     const std::string& correlationId) {
  auto it = activeHolds_.find(reservationId);
  if (it == activeHolds_.end()) return;
  Reservation hold = it->second;
  auto* category = event.category(hold.categoryId);
  if (category) {
    batch.journal.set(category->reserved, category->reserved - hold.ticketCount);
    batch.journal.set(category->available, category->available + hold.ticketCount);
    store::saveCategory(tx, event.eventId, *category);
  }
  auto& userTickets = event.ticketsByUser[hold.userId];
  batch.journal.set(userTickets, std::max(0, userTickets - hold.ticketCount));
  activeHolds_.erase(it);
  batch.journal.onUndo([this, hold] { activeHolds_[hold.reservationId] = hold; });
  hold.status = status;

  store::updateReservationStatus(tx, hold.reservationId, status, batch.now);
  if (status == ReservationStatus::Expired) {
    announceHoldChange(batch, tx, event, hold, messages::ReservationExpired{toState(hold)}, actorId, correlationId);
  } else {
    announceHoldChange(batch, tx, event, hold, messages::ReservationReleased{toState(hold), reason}, actorId,
                       correlationId);
  }
}

template <class Message>
boost::json::object Engine::announceHoldChange(Batch& batch, Tx& tx, EventInventory& event, const Reservation& hold,
                                               const Message& message, const std::string& actorId,
                                               const std::string& correlationId) {
  auto payload = publishKeepingPayload(tx, message, correlationId);
  afterChange(batch, tx, event, correlationId);
  store::insertAudit(tx,
                     {event.eventId, std::string(Message::type), actorId, hold.reservationId, hold.categoryId,
                      hold.ticketCount, correlationId},
                     event, batch.nowText);
  return payload;
}

void Engine::expireDue(Batch& batch, Tx& tx) {
  int expired = 0;
  while (!expiries_.empty() && expiries_.top().first <= batch.now && expired < 1000) {
    // Named copies, not structured bindings: the undo lambda below captures them.
    std::int64_t due = expiries_.top().first;
    std::string id = expiries_.top().second;
    expiries_.pop();
    auto it = activeHolds_.find(id);
    if (it == activeHolds_.end() || it->second.expiresAtMs != due) continue;
    auto eventIt = events_.find(it->second.eventId);
    if (eventIt == events_.end()) continue;
    // If the batch rolls back, the hold is still active: put its expiry back in the heap.
    batch.journal.onUndo([this, due, id] { expiries_.emplace(due, id); });
    endHold(batch, tx, eventIt->second, id, ReservationStatus::Expired, "expired", "system",
            expiryCorrelation(it->second));
    ++expired;
  }
  if (expired > 0) metrics_.increment("inventory_holds_expired_total", {}, expired);
}

void Engine::afterChange(Batch& batch, Tx& tx, EventInventory& event, const std::string& correlationId) {
  int available = event.availableSeats();
  bool low = available <= event.rules.lowInventoryThreshold;
  if (low && !event.lowInventoryAlerted && available > 0) {
    tx.publish(messages::LowInventory{event.eventId, available, event.rules.lowInventoryThreshold}, correlationId);
    batch.journal.set(event.lowInventoryAlerted, true);
  } else if (!low && event.lowInventoryAlerted) {
    batch.journal.set(event.lowInventoryAlerted, false);
  }
  if (available == 0 && !event.soldOutAlerted && event.totalSeats() > 0) {
    tx.publish(messages::SoldOut{event.eventId, event.soldSeats(), event.reservedSeats()}, correlationId);
    batch.journal.set(event.soldOutAlerted, true);
  } else if (available > 0 && event.soldOutAlerted) {
    batch.journal.set(event.soldOutAlerted, false);
  }
  batch.journal.set(event.version, event.version + 1);
  batch.journal.set(event.updatedAt, batch.nowText);
  batch.touch(event.eventId);
}

// Event rows change on every command but are written once per transaction.
void Engine::saveTouchedHeaders(Batch& batch, Tx& tx) {
  for (const auto& id : batch.touched) {
    if (auto it = events_.find(id); it != events_.end()) store::saveEventHeader(tx, it->second);
  }
  if (changingListener_ && !batch.touched.empty()) changingListener_(tx, batch.touched);
}

void Engine::refreshFromStore(const std::string& eventId) {
  auto event = store_.read([&](soci::session& sql) { return store::loadEvent(sql, eventId); });
  if (event) {
    events_[eventId] = std::move(*event);
    publishSnapshots({eventId});
    return;
  }
  events_.erase(eventId);
  {
    std::lock_guard lock(snapshotsMutex_);
    snapshots_.erase(eventId);
  }
  if (changeListener_) changeListener_({eventId});
}

Outcome Engine::changeCapacity(Batch& batch, Tx& tx, const CapacityCommand& command, const Actor& actor,
                               const std::string& correlationId) {
  auto* event = findEvent(command.eventId);
  if (!event || !visibleTo(event->status, managedBy(*event, actor))) throw problems::eventNotFound(command.eventId);
  if (!managedBy(*event, actor)) throw problems::notOwner();
  checkIfMatch(command.ifMatch, event->version, "inventory");
  json::Validation validation;
  for (std::size_t i = 0; i < command.changes.size(); ++i) {
    if (!event->category(command.changes[i].categoryId)) {
      validation.add("categories[" + std::to_string(i) + "].categoryId", "is not a price category of this event");
    }
  }
  validation.throwIfAny();
  // The events module's rule, enforced here too (capacity has one rule, whichever route
  // changes it): all categories together fit the venue.
  if (event->maxCapacity <= 0) throw problems::capacityUnknown(event->eventId);
  std::int64_t seatsAfter = 0;
  for (const auto& category : event->categories) {
    auto change = std::find_if(command.changes.begin(), command.changes.end(),
                               [&](const auto& c) { return c.categoryId == category.categoryId; });
    seatsAfter += change == command.changes.end() ? category.total : change->totalSeats;
  }
  if (seatsAfter > event->maxCapacity) {
    throw Problem::validation({{command.changes.size() == 1 ? "totalSeats" : "categories",
                                "seats would add up to " + std::to_string(seatsAfter) +
                                    ", more than the event's maxCapacity " + std::to_string(event->maxCapacity)}});
  }
  bool changed = false;  // a PUT that changes nothing keeps the version (other clients' ETags stay valid)
  for (const auto& change : command.changes) {
    auto* category = event->category(change.categoryId);
    int committed = category->reserved + category->sold;
    if (change.totalSeats < committed) throw problems::capacityBelowCommitted(change.categoryId, committed);
    int oldTotal = category->total;
    if (oldTotal == change.totalSeats) continue;
    changed = true;
    batch.journal.set(category->available, category->available + (change.totalSeats - oldTotal));
    batch.journal.set(category->total, change.totalSeats);
    store::saveCategory(tx, event->eventId, *category);
    tx.publish(
        messages::CapacityChanged{event->eventId, change.categoryId, oldTotal, change.totalSeats, event->totalSeats()},
        correlationId);
    store::insertAudit(tx,
                       {event->eventId, std::string(messages::CapacityChanged::type), actor.id(), "", change.categoryId,
                        change.totalSeats - oldTotal, correlationId},
                       *event, batch.nowText);
  }
  if (changed) afterChange(batch, tx, *event, correlationId);
  auto snapshot = render(*event);
  return {200, boost::json::parse(snapshot->json).as_object(), std::nullopt, false, event->version};
}

void Engine::applyEventMessage(Tx& tx, std::string_view type, const events::messages::EventState& state,
                               const std::string& correlationId) {
  auto shared = beginInTx(tx);
  auto& b = *shared;

  auto startsAt = parseRfc3339(state.startsAt);
  if (!startsAt) throw std::invalid_argument("event " + state.eventId + " has a bad startsAt");
  auto it = events_.find(state.eventId);
  bool deleted = type == events::messages::EventDeleted::type;
  if (it != events_.end() && state.version <= it->second.sourceVersion && !deleted) {
    return;  // an older or repeated message: what it says is already applied
  }
  if (it == events_.end()) {
    EventInventory created;
    created.eventId = state.eventId;
    created.rules = settings_.defaultRules;
    created.updatedAt = b.nowText;
    it = events_.emplace(state.eventId, std::move(created)).first;
    b.journal.onUndo([this, id = state.eventId] { events_.erase(id); });
  }
  auto& event = it->second;
  b.journal.set(event.eventName, state.name);
  b.journal.set(event.organizerId, state.organizerId);
  b.journal.set(event.startsAtMs, toUnixMillis(*startsAt));
  b.journal.set(event.maxCapacity, state.maxCapacity);
  b.journal.set(event.sourceVersion, std::max(event.sourceVersion, state.version));
  b.journal.set(event.status, deleted ? SaleStatus::Deleted : parseSaleStatus(state.status));

  // Categories follow the event; seats already held or sold are never taken away.
  struct Clamp {
    std::string categoryId;
    int requested;
    int kept;
  };
  std::vector<Clamp> clamped;
  std::vector<Category> categories;
  for (const auto& incoming : state.priceCategories) {
    Category next;
    if (const auto* current = event.category(incoming.categoryId)) next = *current;
    next.categoryId = incoming.categoryId;
    next.name = incoming.name;
    next.priceAmount = incoming.price.amount;
    next.currency = incoming.price.currency;
    int committed = next.reserved + next.sold;
    int total = std::max(incoming.totalSeats, committed);
    if (total != incoming.totalSeats) {
      // Seats were sold between the events module's check and this message. They are kept, and
      // the events module hears what the category really holds, so the two views agree again.
      log_.warn("event asked for fewer seats than are held or sold; keeping the committed ones",
                {{"eventId", state.eventId},
                 {"categoryId", incoming.categoryId},
                 {"requested", incoming.totalSeats},
                 {"kept", total}});
      clamped.push_back({incoming.categoryId, incoming.totalSeats, total});
    }
    next.available = total - committed;
    next.total = total;
    categories.push_back(std::move(next));
  }
  for (const auto& current : event.categories) {
    bool kept = std::any_of(categories.begin(), categories.end(),
                            [&](const Category& c) { return c.categoryId == current.categoryId; });
    if (!kept && current.reserved + current.sold > 0) {
      log_.warn("event dropped a category that has held or sold seats; keeping it",
                {{"eventId", state.eventId}, {"categoryId", current.categoryId}});
      auto stays = current;
      stays.total = stays.reserved + stays.sold;
      stays.available = 0;
      categories.push_back(stays);
    }
  }
  b.journal.set(event.categories, std::move(categories));
  store::saveEvent(tx, event);
  for (const auto& clamp : clamped) {
    tx.publish(
        messages::CapacityChanged{event.eventId, clamp.categoryId, clamp.requested, clamp.kept, event.totalSeats()},
        correlationId);
  }

  // A cancelled or deleted event holds nothing: every active hold is released.
  if (event.status == SaleStatus::Cancelled || event.status == SaleStatus::Deleted) {
    std::vector<std::string> holds;
    for (const auto& [id, hold] : activeHolds_) {
      if (hold.eventId == event.eventId) holds.push_back(id);
    }
    for (const auto& id : holds) {
      endHold(b, tx, event, id, ReservationStatus::Cancelled, deleted ? "eventDeleted" : "eventCancelled", "system",
              correlationId);
    }
  }
  afterChange(b, tx, event, correlationId);
  store::insertAudit(tx, {event.eventId, "InventorySynced:" + std::string(type), "system", "", "", 0, correlationId},
                     event, b.nowText);
  saveTouchedHeaders(b, tx);
}

std::shared_ptr<Engine::Batch> Engine::beginInTx(Tx& tx) {
  // The bus commits after the handler returns; the journal must live until then.
  auto shared = std::make_shared<Batch>(nowMs());
  tx.onRollback([this, shared] {
    shared->journal.undoAll();
    noteNextDue();
  });
  tx.afterCommit([this, shared] {
    shared->journal.clear();
    // A hold placed here may be due before the worker's next look: wake it to sleep less.
    if (noteNextDue()) worker_.wake();
    publishSnapshots(shared->touched);
  });
  return shared;
}

bool Engine::noteNextDue() {
  std::int64_t next = expiries_.empty() ? kNever : expiries_.top().first;
  return next < nextDueMs_.exchange(next);
}

std::shared_ptr<const Snapshot> Engine::render(const EventInventory& event) {
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->eventId = event.eventId;
  snapshot->organizerId = event.organizerId;
  snapshot->status = event.status;
  snapshot->version = event.version;
  snapshot->rules = event.rules;
  boost::json::array categories;
  for (const auto& c : event.categories) {
    snapshot->usage.push_back({c.categoryId, c.total, c.reserved, c.sold});
    categories.push_back({{"categoryId", c.categoryId},
                          {"categoryName", c.name},
                          {"price", {{"amount", c.priceAmount}, {"currency", c.currency}}},
                          {"totalSeats", c.total},
                          {"availableSeats", c.available},
                          {"reservedSeats", c.reserved},
                          {"soldSeats", c.sold}});
  }
  boost::json::object document{{"eventId", event.eventId},
                               {"eventName", event.eventName},
                               {"status", to_string(event.status)},
                               {"totalCapacity", event.totalSeats()},
                               {"availableTickets", event.availableSeats()},
                               {"reservedTickets", event.reservedSeats()},
                               {"soldTickets", event.soldSeats()},
                               {"priceCategories", std::move(categories)},
                               {"version", event.version},
                               {"updatedAt", event.updatedAt}};
  snapshot->json = boost::json::serialize(document);
  return snapshot;
}

void Engine::publishSnapshots(const std::vector<std::string>& eventIds) {
  if (eventIds.empty()) return;
  std::vector<std::pair<std::string, std::shared_ptr<const Snapshot>>> fresh;
  for (const auto& id : eventIds) {
    auto it = events_.find(id);
    if (it != events_.end()) fresh.emplace_back(id, render(it->second));
  }
  {
    std::lock_guard lock(snapshotsMutex_);
    for (auto& [id, snapshot] : fresh) snapshots_[id] = std::move(snapshot);
  }
  if (changeListener_) changeListener_(eventIds);
}

std::shared_ptr<const Snapshot> Engine::snapshot(const std::string& eventId) const {
  std::lock_guard lock(snapshotsMutex_);
  auto it = snapshots_.find(eventId);
  return it == snapshots_.end() ? nullptr : it->second;
}

}  // namespace boxoffice::inventory
