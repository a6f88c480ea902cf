#include "service.hpp"

#include <boost/json.hpp>

#include "boxoffice/kernel/idempotency.hpp"
#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/message_json.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "boxoffice/orders/messages.hpp"
#include "order_state.hpp"

namespace boxoffice::orders {

namespace inv = inventory::messages;
namespace pay = payments::messages;

namespace {

constexpr const char* kPlaced = "orders_placed_total";
constexpr const char* kCompleted = "orders_completed_total";
constexpr const char* kFailed = "orders_failed_total";
constexpr const char* kCancelled = "orders_cancelled_total";
constexpr const char* kRefunded = "orders_refunded_total";
constexpr const char* kTransitions = "orders_saga_transitions_total";
constexpr const char* kCompensations = "orders_compensations_total";
constexpr const char* kTimeouts = "orders_saga_timeouts_total";
constexpr const char* kFacts = "orders_saga_facts_total";
constexpr const char* kResent = "orders_compensations_resent_total";

Problem orderNotFound() { return Problem::notFound("No such order."); }

template <class Message>
Message withState(const Order& order) {
  Message m;
  static_cast<messages::OrderState&>(m) = orderState(order);
  return m;
}

void publishAnnouncement(Tx& tx, const Order& order, const Announcement& a) {
  const auto& corr = order.correlationId;
  switch (a.kind) {
    case Announcement::Kind::Reserved: {
      auto m = withState<messages::OrderReserved>(order);
      m.expiresAt = order.expiresAt ? formatRfc3339(*order.expiresAt) : std::string();
      tx.publish(m, corr);
      break;
    }
    case Announcement::Kind::Completed:
      tx.publish(withState<messages::OrderCompleted>(order), corr);
      break;
    case Announcement::Kind::Cancelled: {
      auto m = withState<messages::OrderCancelled>(order);
      m.reason = a.reason;
      tx.publish(m, corr);
      break;
    }
    case Announcement::Kind::Failed: {
      auto m = withState<messages::OrderFailed>(order);
      m.step = a.step;
      m.reason = a.reason;
      m.detail = a.detail;
      tx.publish(m, corr);
      break;
    }
    case Announcement::Kind::Refunded: {
      auto m = withState<messages::OrderRefunded>(order);
      m.refundId = a.refundId;
      m.refunded = a.refunded;
      m.refundedTotal = {order.refundedAmount, a.refunded.currency};
      m.reason = a.reason;
      tx.publish(m, corr);
      break;
    }
  }
}

std::string commandName(const Command& command) {
  return std::visit([](const auto& c) { return std::string(std::remove_cvref_t<decltype(c)>::type); }, command);
}

OrderView viewOf(soci::session& sql, Checkout checkout) {
  OrderView view;
  view.history = store::history(sql, checkout.order.id);
  view.refunds = store::refunds(sql, checkout.order.id);
  view.returns = store::returns(sql, checkout.order.id);
  view.checkout = std::move(checkout);
  return view;
}

}  // namespace

OrdersService::OrdersService(Database& db, const events::EventQueries* events, Logger log, Metrics& metrics,
                             const Clock& clock, Settings settings)
    : db_(db), events_(events), log_(std::move(log)), metrics_(metrics), clock_(clock), settings_(settings) {
  describeMetrics();
}

void OrdersService::describeMetrics() {
  metrics_.describe(kPlaced, "counter", "Orders placed (POST /api/v1/orders that started a checkout saga).");
  metrics_.describe(kCompleted, "counter", "Orders that reached Completed: paid and the seats sold.");
  metrics_.describe(kFailed, "counter", "Orders that ended Failed, by reason (the failing step's problem slug).");
  metrics_.describe(kCancelled, "counter", "Orders cancelled, by reason.");
  metrics_.describe(kRefunded, "counter", "Refunds recorded on orders (PaymentRefunded).");
  metrics_.describe(kTransitions, "counter", "Checkout saga state changes, by from and to state.");
  metrics_.describe(kCompensations, "counter", "Compensating commands the saga sent, by action.");
  metrics_.describe(kTimeouts, "counter", "Sagas compensated by the sweeper after orders.sagaTimeoutSeconds.");
  metrics_.describe(kFacts, "counter", "Facts the saga handled, by fact and whether they changed the order.");
  metrics_.describe(kResent, "counter",
                    "Compensating commands the sweeper sent again because no answer came within "
                    "orders.sagaTimeoutSeconds, by action.");
}

Decision OrdersService::apply(Tx& tx, const Checkout& current, const Fact& fact) {
  auto now = clock_.now();
  auto decision = decide(current, fact, now);
  if (decision.refusal) return decision;
  auto& next = decision.next;
  const auto& id = next.order.id;
  if (decision.changed) {
    next.order.version = current.order.version + 1;
    store::save(tx, next);
  }
  store::appendHistory(tx, id, decision.history);
  store::appendSteps(tx, id, decision.steps);
  store::appendCompensations(tx, id, decision.compensations);
  if (decision.refund) store::insertRefund(tx, id, *decision.refund);
  if (decision.returned) store::insertReturn(tx, id, *decision.returned);
  // Every message of the saga carries the order's correlation id (that of POST /orders).
  for (const auto& command : decision.commands) {
    std::visit([&](const auto& c) { tx.publish(c, next.order.correlationId); }, command);
  }
  for (const auto& a : decision.announcements) publishAnnouncement(tx, next.order, a);

  // Metrics once committed.
  std::vector<std::pair<std::string, Labels>> counts;
  counts.emplace_back(kFacts, Labels{{"fact", factName(fact)}, {"changed", decision.changed ? "true" : "false"}});
  if (current.saga.state != next.saga.state) {
    counts.emplace_back(kTransitions, Labels{{"from", current.saga.state}, {"to", next.saga.state}});
  }
  for (const auto& c : decision.compensations) counts.emplace_back(kCompensations, Labels{{"action", c.action}});
  for (const auto& a : decision.announcements) {
    if (a.kind == Announcement::Kind::Completed) counts.emplace_back(kCompleted, Labels{});
    if (a.kind == Announcement::Kind::Failed) counts.emplace_back(kFailed, Labels{{"reason", a.reason}});
    if (a.kind == Announcement::Kind::Cancelled) counts.emplace_back(kCancelled, Labels{{"reason", a.reason}});
    if (a.kind == Announcement::Kind::Refunded) counts.emplace_back(kRefunded, Labels{});
  }
  if (std::holds_alternative<Timeout>(fact) && decision.changed && decision.resent.empty()) {
    counts.emplace_back(kTimeouts, Labels{});
  }
  for (const auto& action : decision.resent) counts.emplace_back(kResent, Labels{{"action", action}});
  tx.afterCommit([this, counts = std::move(counts)] {
    for (const auto& [name, labels] : counts) metrics_.increment(name, labels);
  });
  for (const auto& command : decision.commands) {
    log_.debug("saga command", {{"orderId", id}, {"command", commandName(command)}});
  }
  return decision;
}

void OrdersService::applyTo(Tx& tx, const std::string& orderId, const Fact& fact) {
  auto current = store::loadForUpdate(tx, orderId);
  if (!current) {
    // Not an order of this store (a reply can only name one; a hold placed through the API has none).
    log_.debug("saga fact for an unknown order", {{"orderId", orderId}, {"fact", factName(fact)}});
    return;
  }
  apply(tx, *current, fact);
}

// ---- requests ----

Answer OrdersService::place(const Actor& actor, PlaceInput input, const IdempotencyInput& idempotency) {
  const auto& caller = actor.caller();
  idempotency::Key key{caller.userId, idempotency.key};
  std::optional<pay::PaymentMethod> prepared;  // once, even if the transaction is retried
  return db_.write([&](Tx& tx) {
    auto nowMs = clock_.nowMillis();
    if (auto stored = idempotency::lookup(tx, key, idempotency.fingerprint, nowMs)) {
      Answer replay{stored->status, stored->body, {}, true};
      replay.orderId = std::string(boost::json::parse(stored->body).as_object().at("id").as_string());
      return replay;
    }
    if (input.preparePayment && !prepared) prepared = input.preparePayment();
    if (prepared) input.payment = prepared;
    Checkout checkout;
    auto& order = checkout.order;
    order.id = newUuid();
    order.userId = caller.userId;
    order.eventId = input.eventId;
    order.items = input.items;
    order.adoptReservationId = input.reservationId;
    order.paymentMethod = input.payment;
    order.ipAddress = input.ipAddress;
    order.userAgent = input.userAgent;
    order.correlationId = actor.correlationId();
    auto decision = start(checkout, clock_.now());
    store::insert(tx, decision.next);
    store::appendHistory(tx, order.id, decision.history);
    store::appendSteps(tx, order.id, decision.steps);
    const auto& placed = decision.next.order;
    tx.publish(withState<messages::OrderPlaced>(placed), placed.correlationId);
    for (const auto& command : decision.commands) {
      std::visit([&](const auto& c) { tx.publish(c, placed.correlationId); }, command);
    }
    OrderView view{decision.next, decision.history, {}, {}};
    Answer answer{202, boost::json::serialize(orderJson(view)), placed.id, false};
    idempotency::save(tx, key, {idempotency.fingerprint, answer.status, answer.body, nowMs});
    tx.afterCommit([this] { metrics_.increment(kPlaced); });
    return answer;
  });
}

Answer OrdersService::pay(const Actor& actor, const std::string& orderId, PaymentGiven payment,
                          const IdempotencyInput& idempotency, const PreparePayment& prepare) {
  const auto& caller = actor.caller();
  idempotency::Key key{caller.userId, idempotency.key};
  std::optional<pay::PaymentMethod> prepared;  // once, even if the transaction is retried
  return db_.write([&](Tx& tx) {
    auto nowMs = clock_.nowMillis();
    if (auto stored = idempotency::lookup(tx, key, idempotency.fingerprint, nowMs)) {
      return Answer{stored->status, stored->body, orderId, true};
    }
    auto current = isUuid(orderId) ? store::loadForUpdate(tx, orderId) : std::nullopt;
    // Only the buyer pays their order; anyone else learns nothing about it.
    if (!current || current->order.userId != caller.userId) throw orderNotFound();
    if (prepare) {
      // A payment the order refuses (409) never reaches the vault: decide() is asked first.
      if (auto refused = decide(*current, payment, clock_.now()).refusal) {
        throw Problem::conflict(refused->slug, refused->title, refused->detail);
      }
      if (!prepared) prepared = prepare();
      payment.method = *prepared;
    }
    auto decision = apply(tx, *current, payment);
    if (decision.refusal)
      throw Problem::conflict(decision.refusal->slug, decision.refusal->title, decision.refusal->detail);
    auto view = viewOf(tx.sql(), decision.next);
    Answer answer{202, boost::json::serialize(orderJson(view)), orderId, false};
    idempotency::save(tx, key, {idempotency.fingerprint, answer.status, answer.body, nowMs});
    return answer;
  });
}

bool OrdersService::organizes(const Actor& actor, const std::string& eventId) const {
  if (eventId.empty() || !events_ || !actor.principal()) return false;
  auto event = events_->findEvent(eventId);
  return event && event->organizerId == actor.principal()->userId;
}

bool OrdersService::mayRead(const Actor& actor, const Order& order) const {
  if (actor.isAdmin()) return true;
  if (actor.principal() && actor.principal()->userId == order.userId) return true;
  return organizes(actor, order.eventId);
}

OrderView OrdersService::get(const Actor& actor, const std::string& orderId) const {
  if (!isUuid(orderId)) throw orderNotFound();
  auto view = db_.read([&](soci::session& sql) -> std::optional<OrderView> {
    auto checkout = store::load(sql, orderId);
    if (!checkout) return std::nullopt;
    return viewOf(sql, std::move(*checkout));
  });
  if (!view || !mayRead(actor, view->checkout.order)) throw orderNotFound();
  return std::move(*view);
}

store::OrderPage OrdersService::list(const Actor& actor, const ListQuery& query, const PageRequest& page) const {
  store::ListFilter filter;
  filter.eventId = query.eventId;
  filter.status = query.status;
  // Admins see every order; an event's Organizer every order of that event; anyone else their own.
  // mine: the caller's own orders, for an Admin and an Organizer too.
  bool all = !query.mine && (actor.isAdmin() || (query.eventId && organizes(actor, *query.eventId)));
  if (!all) filter.userId = actor.caller().userId;
  return db_.read([&](soci::session& sql) { return store::list(sql, filter, page); });
}

OrderView OrdersService::cancel(const Actor& actor, const std::string& orderId, bool& pending) {
  const auto& caller = actor.caller();
  return db_.write([&](Tx& tx) {
    auto current = isUuid(orderId) ? store::loadForUpdate(tx, orderId) : std::nullopt;
    if (!current || !mayRead(actor, current->order)) throw orderNotFound();
    bool owner = current->order.userId == caller.userId;
    if (!owner && !actor.isAdmin()) {
      throw Problem::forbidden("Only the buyer (before payment) or an Admin may cancel an order.");
    }
    auto decision = apply(tx, *current, CancelRequest{actor.isAdmin()});
    if (decision.refusal)
      throw Problem::conflict(decision.refusal->slug, decision.refusal->title, decision.refusal->detail);
    pending = decision.next.order.cancelPending();
    return viewOf(tx.sql(), decision.next);
  });
}

store::OrderPage OrdersService::sagas(const std::optional<std::string>& state, const PageRequest& page) const {
  return db_.read([&](soci::session& sql) { return store::listSagas(sql, state, page); });
}

SagaView OrdersService::saga(const std::string& orderId) const {
  if (!isUuid(orderId)) throw Problem::notFound("No saga for this order.");
  auto view = db_.read([&](soci::session& sql) -> std::optional<SagaView> {
    auto checkout = store::load(sql, orderId);
    if (!checkout) return std::nullopt;
    return SagaView{std::move(*checkout), store::steps(sql, orderId), store::compensations(sql, orderId)};
  });
  if (!view) throw Problem::notFound("No saga for this order.");
  return std::move(*view);
}

// ---- messages ----

void OrdersService::onMessage(const inv::SeatsHeld& m, Tx& tx) { applyTo(tx, m.orderId, m); }
void OrdersService::onMessage(const inv::SeatsNotHeld& m, Tx& tx) { applyTo(tx, m.orderId, m); }
void OrdersService::onMessage(const inv::SeatsConfirmed& m, Tx& tx) { applyTo(tx, m.orderId, m); }
void OrdersService::onMessage(const inv::SeatsNotConfirmed& m, Tx& tx) { applyTo(tx, m.orderId, m); }
void OrdersService::onMessage(const inv::SeatsReleased& m, Tx& tx) { applyTo(tx, m.orderId, m); }
void OrdersService::onMessage(const inv::SeatsReturned& m, Tx& tx) { applyTo(tx, m.orderId, m); }
void OrdersService::onMessage(const pay::PaymentCompleted& m, Tx& tx) { applyTo(tx, m.orderId, m); }
void OrdersService::onMessage(const pay::PaymentFailed& m, Tx& tx) { applyTo(tx, m.orderId, m); }
void OrdersService::onMessage(const pay::PaymentRefunded& m, Tx& tx) { applyTo(tx, m.orderId, m); }
void OrdersService::onMessage(const pay::PaymentChargedBack& m, Tx& tx) { applyTo(tx, m.orderId, m); }

void OrdersService::onMessage(const inv::ReservationExpired& m, Tx& tx) {
  holdEnded(tx, m, HoldEnded{m.reservationId, true, {}});
}
void OrdersService::onMessage(const inv::ReservationReleased& m, Tx& tx) {
  holdEnded(tx, m, HoldEnded{m.reservationId, false, m.reason});
}

void OrdersService::holdEnded(Tx& tx, const inv::ReservationState& hold, HoldEnded fact) {
  // A hold the saga placed names its order; an adopted one is found by its id.
  auto orderId = hold.orderId ? hold.orderId : store::orderOfReservation(tx.sql(), hold.reservationId);
  if (!orderId) return;  // a hold no order uses
  applyTo(tx, *orderId, fact);
}

void OrdersService::onMessage(const events::messages::EventCancelled& m, Tx& tx) { eventEnded(tx, m.eventId, false); }
void OrdersService::onMessage(const events::messages::EventDeleted& m, Tx& tx) { eventEnded(tx, m.eventId, true); }

void OrdersService::eventEnded(Tx& tx, const std::string& eventId, bool deleted) {
  auto orderIds = store::openOrdersOfEvent(tx.sql(), eventId);
  for (const auto& id : orderIds) applyTo(tx, id, EventEnded{deleted});
  if (!orderIds.empty()) {
    log_.info("event ended: its orders are cancelled or refunded",
              {{"eventId", eventId}, {"orders", static_cast<std::int64_t>(orderIds.size())}});
  }
}

// Whether the saga waited past the timeout (re-checked in the write transaction: a reply may
// have moved it on since the read).
bool OrdersService::overdue(const Saga& saga, TimePoint now) const {
  auto limit = now - settings_.sagaTimeout;
  if (saga.state == saga_state::compensating) return saga.compensationSentAt && *saga.compensationSentAt < limit;
  return saga.running() && !saga.awaitingPayment && saga.stepStartedAt < limit;
}

int OrdersService::sweep() {
  auto now = clock_.now();
  auto before = toUnixMillis(now - settings_.sagaTimeout);
  auto stuck = db_.read([&](soci::session& sql) { return store::stuckSagas(sql, before, settings_.sweepBatch); });
  if (stuck.empty()) return 0;
  int compensated = 0;
  std::vector<std::pair<std::string, Decision>> resent;
  db_.write([&](Tx& tx) {
    compensated = 0;
    resent.clear();
    for (const auto& id : stuck) {
      auto current = store::loadForUpdate(tx, id);
      if (!current || !overdue(current->saga, now)) continue;
      auto decision = apply(tx, *current, Timeout{settings_.sagaTimeout});
      if (!decision.resent.empty()) {
        resent.emplace_back(id, std::move(decision));
      } else if (decision.changed) {
        ++compensated;
      }
    }
  });
  if (compensated > 0) log_.warn("sagas timed out and compensated", {{"count", compensated}});
  for (const auto& [id, decision] : resent) {
    // A compensation nobody answers leaves seats held or money charged: an operator must look.
    std::string actions;
    for (const auto& action : decision.resent) actions += (actions.empty() ? "" : ",") + action;
    log_.error("saga compensation unanswered: re-sent",
               {{"orderId", id},
                {"actions", actions},
                {"attempt", static_cast<std::int64_t>(decision.next.saga.compensationAttempts)}});
  }
  return compensated + static_cast<int>(resent.size());
}

}  // namespace boxoffice::orders
