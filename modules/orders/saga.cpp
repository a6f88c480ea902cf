#include "saga.hpp"

#include <algorithm>
#include <map>

#include "boxoffice/kernel/ids.hpp"

namespace boxoffice::orders {

namespace inv = inventory::messages;
namespace pay = payments::messages;

namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

// Builds one Decision: each helper changes the copy of the checkout and records what it did.
class Apply {
 public:
  Apply(const Checkout& current, TimePoint now) : now_(now) { d_.next = current; }

  Order& order() { return d_.next.order; }
  Saga& saga() { return d_.next.saga; }
  TimePoint now() const { return now_; }

  void record(std::string result, std::optional<std::string> detail = std::nullopt) {
    d_.steps.push_back({saga().step, saga().attempts, std::move(result), std::move(detail), now_});
  }
  void setStatus(std::string_view status, std::optional<std::string> reason = std::nullopt,
                 std::optional<std::string> detail = std::nullopt) {
    order().status = std::string(status);
    d_.history.push_back({std::string(status), std::move(reason), std::move(detail), now_});
    d_.changed = true;
  }
  void setState(std::string_view state) {
    if (saga().state == state) return;
    saga().state = std::string(state);
    if (state == saga_state::completed || state == saga_state::failed) saga().completedAt = now_;
    d_.changed = true;
  }
  void enterStep(std::string_view next, int attempts) {
    saga().step = std::string(next);
    saga().attempts = attempts;
    saga().stepStartedAt = now_;
    d_.changed = true;
  }
  void send(Command command) {
    d_.commands.push_back(std::move(command));
    d_.changed = true;
  }
  void compensate(Command command, std::string action, std::string reason) {
    d_.compensations.push_back({std::move(action), std::move(reason), now_});
    send(std::move(command));
  }
  void announce(Announcement announcement) {
    d_.announcements.push_back(std::move(announcement));
    d_.changed = true;
  }
  void refuse(std::string slug, std::string title, std::string detail) {
    d_.refusal = Refusal{std::move(slug), std::move(title), std::move(detail)};
  }
  void touch() { d_.changed = true; }
  Decision& decision() { return d_; }

  Decision finish() {
    if (d_.changed) {
      order().updatedAt = now_;
      saga().updatedAt = now_;
    }
    return std::move(d_);
  }

  // ---- the saga's moves, each used by several facts ----

  void release(const std::string& reason) {
    compensate(inv::ReleaseSeats{order().id, order().eventId, reason}, "ReleaseSeats", reason);
    saga().awaitRelease = true;
    saga().releaseReason = reason;
    awaitedSent();
  }
  void voidPayment(const std::string& reason) {
    compensate(pay::VoidPayment{order().id, reason}, "VoidPayment", reason);
    saga().awaitReversal = true;
    saga().voidReason = reason;
    awaitedSent();
  }
  // The sweeper found the saga Compensating past the timeout: the compensations still unanswered
  // go again (ReleaseSeats, VoidPayment and RefundPayment are idempotent at their receivers, which
  // answer a repeated command again). Returns the actions re-sent.
  std::vector<std::string> resendCompensations() {
    std::vector<std::string> actions;
    if (saga().awaitRelease) {
      send(inv::ReleaseSeats{order().id, order().eventId, saga().releaseReason});
      actions.emplace_back("ReleaseSeats");
    }
    if (saga().awaitReversal) {
      if (order().cancelPending() && order().cancelRefundId) {
        send(pay::RefundPayment{order().id, *order().cancelRefundId, saga().voidReason});
        actions.emplace_back("RefundPayment");
      } else {
        send(pay::VoidPayment{order().id, saga().voidReason});
        actions.emplace_back("VoidPayment");
      }
    }
    ++saga().compensationAttempts;
    saga().compensationSentAt = now_;
    touch();
    return actions;
  }
  void charge() {
    pay::ChargePayment command;
    command.orderId = order().id;
    command.userId = order().userId;
    command.eventId = order().eventId;
    for (const auto& hold : order().holds) command.reservationIds.push_back(hold.reservationId);
    for (const auto& item : order().items) {
      Money unit{item.unitPrice.value_or(0), order().currency.value_or("")};
      command.items.push_back(
          {item.categoryId, item.ticketCount, unit, {unit.amount * item.ticketCount, unit.currency}});
    }
    command.amount = {order().totalAmount, order().currency.value_or("")};
    command.paymentMethod = *order().paymentMethod;
    command.ipAddress = order().ipAddress;
    command.userAgent = order().userAgent;
    send(std::move(command));
    // The vault token travels in the command only; the stored method keeps brand and last4.
    order().paymentMethod->cardToken.reset();
    saga().chargeSent = true;
    saga().awaitingPayment = false;
  }
  // Sends back on sale every sold seat not returned yet (nothing if none): a chargeback, a
  // cancellation's refund, a sale that happened after the order ended.
  void returnAll(const std::string& returnId, const std::string& reason) {
    std::vector<inv::SeatCount> items;
    for (auto& item : order().items) {
      int left = item.soldCount - item.returnRequested;
      if (left <= 0) continue;
      items.push_back({item.categoryId, left});
      item.returnRequested += left;
    }
    sendReturn(returnId, reason, std::move(items));
  }
  // Sends back the seats a refund names, never more than are sold and not yet returned.
  void returnSome(const std::string& returnId, const std::string& reason, const std::vector<SeatLine>& seats) {
    std::map<std::string, int> wanted;
    for (const auto& s : seats) wanted[s.categoryId] += std::max(0, s.ticketCount);
    std::vector<inv::SeatCount> items;
    for (auto& item : order().items) {
      int& want = wanted[item.categoryId];
      int take = std::min(want, item.soldCount - item.returnRequested);
      if (take <= 0) continue;
      want -= take;
      item.returnRequested += take;
      items.push_back({item.categoryId, take});
    }
    sendReturn(returnId, reason, std::move(items));
  }
  // The order ends Cancelled now; holds are released, a charge in flight is voided.
  void cancelNow(const std::string& reason) {
    order().cancelReason = reason;
    setStatus(status::cancelled, reason);
    announce({.kind = Announcement::Kind::Cancelled, .reason = reason});
    saga().awaitingPayment = false;
    release("orderCancelled");
    if (saga().chargeSent && !saga().paid) voidPayment("orderCancelled");
    if (!saga().over()) setState(saga_state::compensating);
    finishCompensation();
  }
  // A paid order: refund it; the order ends Cancelled when PaymentRefunded comes back.
  void cancelWithRefund(const std::string& reason) {
    order().cancelReason = reason;
    order().cancelRefundId = derivedId(order().id, "cancel");
    std::string refundReason = reason == "byAdmin" ? "orderCancelled" : reason;
    compensate(pay::RefundPayment{order().id, *order().cancelRefundId, refundReason}, "RefundPayment", refundReason);
    if (!saga().over()) {
      saga().awaitReversal = true;
      saga().voidReason = refundReason;
      awaitedSent();
      setState(saga_state::compensating);
    }
  }
  // What a refund does to an order that is no longer Paid: the seats it names come back if they
  // were sold (all of them for a full refund), an order sold moves to PartiallyRefunded or
  // Refunded, and OrderRefunded tells.
  void applyRefund(const RefundRecord& refund) {
    if (saga().seatsSold) {
      if (refund.full) {
        returnAll(refund.refundId, "refund");
      } else {
        returnSome(refund.refundId, "refund", refund.seats);
      }
    }
    announce({.kind = Announcement::Kind::Refunded,
              .reason = refund.reason,
              .refundId = refund.refundId,
              .refunded = refund.amount});
    if (order().status == status::completed || order().status == status::partiallyRefunded) {
      setStatus(refund.full ? status::refunded : status::partiallyRefunded, refund.reason);
    }
  }
  // The refunds that landed while the order was Paid, applied now that it no longer is (sold,
  // failed or cancelled), in the order they came.
  void settleDeferredRefunds() {
    if (order().deferredRefunds.empty()) return;
    auto deferred = std::move(order().deferredRefunds);
    order().deferredRefunds.clear();
    touch();
    for (const auto& refund : deferred) {
      record("refund " + refund.refundId + " applied");
      applyRefund(refund);
    }
  }
  void fail(std::string_view failedStep, const std::string& reason, const std::string& detail) {
    order().failureReason = reason;
    order().failureDetail = detail;
    setStatus(status::failed, reason, detail);
    announce({.kind = Announcement::Kind::Failed, .reason = reason, .step = std::string(failedStep), .detail = detail});
  }
  // A compensating saga ends Failed once nothing it asked for is outstanding.
  void finishCompensation() {
    if (saga().state == saga_state::compensating && !saga().awaitRelease && !saga().awaitReversal) {
      setState(saga_state::failed);
    }
  }

 private:
  void sendReturn(const std::string& returnId, const std::string& reason, std::vector<inv::SeatCount> items) {
    if (items.empty()) return;
    // Inventory refuses a return without an id; a reply without a refund id still gets a stable one.
    std::string id = returnId.empty() ? derivedId(order().id, "return/" + reason) : returnId;
    compensate(inv::ReturnSeats{order().id, order().eventId, std::move(id), reason, std::move(items)}, "ReturnSeats",
               reason);
  }
  // An awaited compensation (release, void, cancellation refund) went out now: the sweeper
  // re-sends it if no answer comes within the timeout.
  void awaitedSent() {
    saga().compensationSentAt = now_;
    saga().compensationAttempts = 1;
  }

  Decision d_;
  TimePoint now_;
};

std::vector<Hold> holdsFrom(const std::vector<inv::OrderHold>& holds, std::string_view holdStatus) {
  std::vector<Hold> out;
  out.reserve(holds.size());
  for (const auto& h : holds)
    out.push_back({h.reservationId, h.categoryId, h.ticketCount, h.amount, std::string(holdStatus)});
  return out;
}

// The cancellation reason of an order whose hold ended while it waited for payment details.
std::string cancelReasonOf(const HoldEnded& m) {
  if (m.expired) return "holdExpired";
  if (m.reason == "eventCancelled" || m.reason == "eventDeleted") return m.reason;
  return "holdReleased";
}

// Why a charge that completed after the order ended is voided.
std::string lateChargeVoidReason(const Order& order) {
  if (order.status == status::cancelled) return "orderCancelled";
  if (order.failureReason == "saga-timed-out") return "sagaTimedOut";
  return "seatsUnavailable";
}

// ---- one function per fact ----

void onSeatsHeld(Apply& a, const inv::SeatsHeld& m) {
  auto& order = a.order();
  auto& saga = a.saga();
  bool expected = order.status == status::pending && saga.step == step::validateInventory && saga.running();
  if (!expected) {
    if (order.closed() || order.cancelPending()) {
      // A hold placed for an order that has ended: give it back.
      a.record("SeatsHeld: late, released");
      a.release(order.status == status::cancelled ? "orderCancelled" : "orderFailed");
      return;
    }
    a.record("SeatsHeld: duplicate, ignored");
    return;
  }
  order.holds = holdsFrom(m.holds, hold_status::held);
  auto pricing = price(order.items, m.holds);
  a.setState(saga_state::inProgress);
  if (pricing.error) {
    a.record("SeatsHeld: cannot price the order", pricing.errorDetail);
    a.fail(step::validateInventory, *pricing.error, pricing.errorDetail);
    a.release("orderFailed");
    a.setState(saga_state::compensating);
    return;
  }
  order.items = std::move(pricing.items);
  order.currency = pricing.currency;
  order.totalAmount = pricing.total;
  order.expiresAt = parseRfc3339(m.expiresAt);
  a.record("SeatsHeld: every item held");
  a.setStatus(status::reserved);
  a.announce({.kind = Announcement::Kind::Reserved});
  if (order.paymentMethod) {
    a.enterStep(step::processPayment, 1);
    a.charge();
    a.record("ChargePayment sent");
  } else {
    a.enterStep(step::processPayment, 0);
    saga.awaitingPayment = true;
    a.record("awaiting payment");
  }
}

void onSeatsNotHeld(Apply& a, const inv::SeatsNotHeld& m) {
  auto& order = a.order();
  if (order.status == status::pending && a.saga().step == step::validateInventory && a.saga().running()) {
    a.record("SeatsNotHeld: " + m.reason, m.detail);
    a.fail(step::validateInventory, m.reason, m.detail);
    a.setState(saga_state::failed);
    return;
  }
  a.record("SeatsNotHeld: " + m.reason + ", nothing to do", m.detail);
}

void onSeatsConfirmed(Apply& a, const inv::SeatsConfirmed& m) {
  auto& order = a.order();
  auto& saga = a.saga();
  if (saga.seatsSold) {
    a.record("SeatsConfirmed: duplicate, ignored");
    return;
  }
  saga.seatsSold = true;
  order.holds = holdsFrom(m.holds, hold_status::sold);
  order.heldAgain = order.heldAgain || m.heldAgain;
  for (auto& item : order.items) item.soldCount = item.ticketCount;
  a.touch();
  bool expected =
      order.status == status::paid && saga.step == step::confirmInventory && saga.running() && !order.cancelPending();
  if (expected) {
    a.record(m.heldAgain ? "SeatsConfirmed: sold (a hold had expired and was placed again)" : "SeatsConfirmed: sold");
    a.setStatus(status::completed);
    a.enterStep(step::complete, 1);
    a.setState(saga_state::completed);
    a.announce({.kind = Announcement::Kind::Completed});
    // Refunds that landed while the seats were being confirmed apply to the sale now.
    a.settleDeferredRefunds();
    return;
  }
  if (order.cancelPending() && order.status == status::paid) {
    // The cancellation's refund is on its way; when it arrives it returns these seats.
    a.record("SeatsConfirmed: sold while a cancellation's refund runs");
    return;
  }
  a.record("SeatsConfirmed: late, seats returned");
  a.returnAll(derivedId(order.id, "late-sale"), "orderCancelled");
}

void onSeatsNotConfirmed(Apply& a, const inv::SeatsNotConfirmed& m) {
  auto& order = a.order();
  auto& saga = a.saga();
  bool expected = order.status == status::paid && saga.step == step::confirmInventory && saga.running() &&
                  !saga.seatsSold && !order.cancelPending();
  if (!expected) {
    a.record("SeatsNotConfirmed: " + m.reason + ", nothing to do", m.detail);
    return;
  }
  // The late payment whose seats are gone: the buyer gets the money back.
  a.record("SeatsNotConfirmed: " + m.reason, m.detail);
  a.fail(step::confirmInventory, m.reason, m.detail);
  // A refund that landed meanwhile already gave some money back: the void refunds only the rest
  // (payments refunds what is left), and nothing at all if every cent is back.
  a.settleDeferredRefunds();
  if (order.refundedInFull()) {
    a.record("nothing left charged: no void needed");
    a.setState(saga_state::failed);
    return;
  }
  a.voidPayment("seatsUnavailable");
  a.setState(saga_state::compensating);
}

void onSeatsReleased(Apply& a, const inv::SeatsReleased& m) {
  if (!a.saga().awaitRelease) {
    a.record("SeatsReleased: nothing was waiting");
    return;
  }
  a.saga().awaitRelease = false;
  a.touch();
  a.record("SeatsReleased: " + std::to_string(m.ticketCount) + " seats back on sale");
  a.finishCompensation();
}

void onSeatsReturned(Apply& a, const inv::SeatsReturned& m) {
  auto& order = a.order();
  if (std::ranges::find(order.returnIds, m.returnId) != order.returnIds.end()) {
    a.record("SeatsReturned: duplicate, ignored");
    return;
  }
  order.returnIds.push_back(m.returnId);
  ReturnRecord record{m.returnId, m.reason, {}, m.ticketCount, a.now()};
  for (const auto& i : m.items) record.items.push_back({i.categoryId, i.ticketCount});
  a.decision().returned = std::move(record);
  a.touch();
  a.record("SeatsReturned: " + std::to_string(m.ticketCount) + " seats back on sale");
}

void onHoldEnded(Apply& a, const HoldEnded& m) {
  auto& order = a.order();
  auto& saga = a.saga();
  for (auto& hold : order.holds) {
    if (hold.reservationId == m.reservationId && hold.status == hold_status::held) {
      hold.status = std::string(m.expired ? hold_status::expired : hold_status::released);
      a.touch();
    }
  }
  std::string what = m.expired ? "ReservationExpired" : "ReservationReleased";
  if (order.status == status::reserved && saga.awaitingPayment && !saga.chargeSent && !order.cancelPending()) {
    std::string reason = cancelReasonOf(m);
    a.record(what + ": the order waited for payment details, cancelled");
    a.cancelNow(reason);
    return;
  }
  if (saga.chargeSent && !saga.seatsSold && !order.closed()) {
    a.record(what + " while paying: ConfirmSeats holds the seats again");
    return;
  }
  a.record(what + ": nothing to do");
}

void onPaymentCompleted(Apply& a, const pay::PaymentCompleted& m) {
  auto& order = a.order();
  auto& saga = a.saga();
  if (saga.paid) {
    a.record("PaymentCompleted: duplicate, ignored");
    return;
  }
  saga.paid = true;
  order.paymentId = m.paymentId;
  a.touch();
  bool expected = order.status == status::reserved && saga.step == step::processPayment && saga.chargeSent &&
                  saga.running() && !order.cancelPending();
  if (expected) {
    a.record("PaymentCompleted: " + m.paymentId);
    a.setStatus(status::paid);
    a.enterStep(step::confirmInventory, 1);
    a.send(inv::ConfirmSeats{order.id, order.eventId});
    a.record("ConfirmSeats sent");
    return;
  }
  // A charge that completed for an order that has ended: it must not stay charged.
  std::string reason = lateChargeVoidReason(order);
  a.record("PaymentCompleted: late, voided");
  a.voidPayment(reason);
  if (!saga.over()) a.setState(saga_state::compensating);
}

void onPaymentFailed(Apply& a, const pay::PaymentFailed& m) {
  auto& order = a.order();
  auto& saga = a.saga();
  bool expected = order.status == status::reserved && saga.step == step::processPayment && saga.chargeSent &&
                  !saga.paid && saga.running();
  if (expected) {
    a.record("PaymentFailed: " + m.reason, m.detail);
    a.fail(step::processPayment, m.reason, m.detail);
    a.release("paymentFailed");
    a.setState(saga_state::compensating);
    return;
  }
  if (saga.awaitReversal && !saga.paid) {
    saga.awaitReversal = false;
    a.touch();
    a.record("PaymentFailed: not charged (" + m.reason + ")", m.detail);
    a.finishCompensation();
    return;
  }
  a.record("PaymentFailed: " + m.reason + ", nothing to do", m.detail);
}

void onPaymentRefunded(Apply& a, const pay::PaymentRefunded& m) {
  auto& order = a.order();
  auto& saga = a.saga();
  bool cancellation = order.cancelPending() && order.cancelRefundId == m.refundId;
  // The void (or the cancellation's refund) is answered once nothing is left charged, whoever's
  // refund made it so; cleared before the duplicate check so a repeated answer still clears it.
  if (saga.awaitReversal && (m.full || cancellation)) {
    saga.awaitReversal = false;
    a.touch();
  }
  bool moneyBack = m.amount.amount > 0;  // 0: "nothing left to refund", an answer, not a refund
  if (moneyBack && std::ranges::find(order.refundIds, m.refundId) != order.refundIds.end()) {
    a.record("PaymentRefunded: duplicate, ignored");
    a.finishCompensation();
    return;
  }
  RefundRecord refund{m.refundId, m.amount, m.full, m.reason, {}, a.now()};
  for (const auto& s : m.seats) refund.seats.push_back({s.categoryId, s.ticketCount});
  if (moneyBack) {
    order.refundIds.push_back(m.refundId);
    order.refundedAmount = std::max(order.refundedAmount, m.refundedTotal.amount);
    // Paid: the seats are being confirmed. The refund waits for the outcome instead of changing
    // the saga's course (settleDeferredRefunds); a cancellation's refund is the outcome.
    refund.deferred = order.status == status::paid && !cancellation;
    if (refund.deferred) order.deferredRefunds.push_back(refund);
    a.decision().refund = refund;
    a.touch();
    a.record("PaymentRefunded: " + std::to_string(m.amount.amount) + " " + m.amount.currency +
                 (refund.deferred ? " (applied once the seats are confirmed or not)" : ""),
             m.reason);
  } else {
    a.record("PaymentRefunded: nothing left to refund", m.reason);
  }

  if (cancellation) {
    a.settleDeferredRefunds();
    if (saga.seatsSold) {
      bool byEvent = order.cancelReason == "eventCancelled" || order.cancelReason == "eventDeleted";
      a.returnAll(m.refundId, byEvent ? "eventCancelled" : "orderCancelled");
    }
    if (moneyBack) {
      a.announce(
          {.kind = Announcement::Kind::Refunded, .reason = m.reason, .refundId = m.refundId, .refunded = m.amount});
    }
    a.setStatus(status::cancelled, *order.cancelReason);
    a.announce({.kind = Announcement::Kind::Cancelled, .reason = *order.cancelReason});
  } else if (moneyBack && !refund.deferred) {
    a.applyRefund(refund);
  }
  a.finishCompensation();
}

void onChargedBack(Apply& a, const pay::PaymentChargedBack& m) {
  auto& order = a.order();
  if (order.status == status::cancelled && order.cancelReason == "chargeback") {
    a.record("PaymentChargedBack: duplicate, ignored");
    return;
  }
  a.record("PaymentChargedBack: " + m.reason);
  a.settleDeferredRefunds();
  a.returnAll(derivedId(order.id, "chargeback"), "chargeback");
  order.cancelReason = "chargeback";
  a.setStatus(status::cancelled, "chargeback", m.reason);
  a.announce({.kind = Announcement::Kind::Cancelled, .reason = "chargeback"});
  if (a.saga().running()) a.setState(saga_state::failed);
}

void onEventEnded(Apply& a, const EventEnded& m) {
  auto& order = a.order();
  auto& saga = a.saga();
  std::string reason = m.deleted ? "eventDeleted" : "eventCancelled";
  if (order.closed() || order.cancelPending()) {
    a.record(reason + ": nothing to do");
    return;
  }
  if (saga.paid) {
    a.record(reason + ": refunding");
    a.cancelWithRefund(reason);
    return;
  }
  a.record(reason + ": cancelled");
  a.cancelNow(reason);
}

void onPaymentGiven(Apply& a, const PaymentGiven& m) {
  auto& order = a.order();
  auto& saga = a.saga();
  if (order.status != status::reserved || order.cancelPending()) {
    a.refuse("order-not-payable", "The order cannot be paid now.",
             "Order " + order.id + " is " + order.status + "; only a Reserved order is paid this way.");
    return;
  }
  if (order.paymentMethod || saga.chargeSent || !saga.awaitingPayment) {
    a.refuse("payment-already-provided", "The order's payment is already under way.",
             "Order " + order.id + " was given its payment details already.");
    return;
  }
  order.paymentMethod = m.method;
  order.ipAddress = m.ipAddress;
  order.userAgent = m.userAgent;
  a.enterStep(step::processPayment, saga.attempts + 1);
  a.charge();
  a.record("payment details given: ChargePayment sent");
}

void onCancel(Apply& a, const CancelRequest& m) {
  auto& order = a.order();
  auto& saga = a.saga();
  std::string reason = m.byAdmin ? "byAdmin" : "byBuyer";
  if (order.status == status::cancelled || order.cancelPending()) return;  // asked before: nothing more to do
  if (order.status == status::failed || order.status == status::refunded) {
    a.refuse("order-not-cancellable", "The order has ended.", "Order " + order.id + " is " + order.status + ".");
    return;
  }
  bool beforePayment = order.status == status::pending || (order.status == status::reserved && !saga.chargeSent);
  if (beforePayment) {
    a.record("cancelled " + reason);
    a.cancelNow(reason);
    return;
  }
  if (!m.byAdmin) {
    a.refuse("payment-under-way", "The order's payment is under way.",
             "Order " + order.id + " is being paid or is paid; only an Admin can cancel it now (with a refund).");
    return;
  }
  if (!saga.paid) {
    a.record("cancelled byAdmin while charging");
    a.cancelNow(reason);
    return;
  }
  a.record("cancellation byAdmin: refunding");
  a.cancelWithRefund(reason);
}

void onTimeout(Apply& a, const Timeout& m) {
  auto& saga = a.saga();
  if (saga.state == saga_state::compensating) {
    if (!saga.awaitRelease && !saga.awaitReversal) {
      a.finishCompensation();
      return;
    }
    auto actions = a.resendCompensations();
    std::string what;
    for (const auto& action : actions) what += (what.empty() ? "" : ", ") + action;
    a.record("compensation unanswered within " + std::to_string(m.limit.count()) + " s: re-sent (attempt " +
                 std::to_string(saga.compensationAttempts) + ")",
             what);
    a.decision().resent = std::move(actions);
    return;
  }
  if (!saga.running() || saga.awaitingPayment || a.order().closed()) return;
  std::string failedStep = saga.step;
  std::string detail = "No answer in step " + failedStep + " within " + std::to_string(m.limit.count()) + " s.";
  a.record("timed out", detail);
  a.fail(failedStep, "saga-timed-out", detail);
  a.release("sagaTimedOut");
  a.settleDeferredRefunds();
  if (saga.chargeSent && !a.order().refundedInFull()) a.voidPayment("sagaTimedOut");
  a.setState(saga_state::compensating);
}

}  // namespace

std::string factName(const Fact& fact) {
  return std::visit(
      Overloaded{
          [](const HoldEnded& h) -> std::string { return h.expired ? "ReservationExpired" : "ReservationReleased"; },
          [](const EventEnded& e) -> std::string { return e.deleted ? "EventDeleted" : "EventCancelled"; },
          [](const PaymentGiven&) -> std::string { return "PaymentGiven"; },
          [](const CancelRequest&) -> std::string { return "CancelRequest"; },
          [](const Timeout&) -> std::string { return "Timeout"; },
          [](const auto& message) -> std::string { return std::string(std::remove_cvref_t<decltype(message)>::type); }},
      fact);
}

Decision start(Checkout checkout, TimePoint now) {
  auto& order = checkout.order;
  auto& saga = checkout.saga;
  order.status = std::string(status::pending);
  order.createdAt = order.updatedAt = now;
  saga = Saga{};
  saga.stepStartedAt = saga.startedAt = saga.updatedAt = now;
  Apply a(checkout, now);
  inv::HoldSeats hold;
  hold.orderId = order.id;
  hold.userId = order.userId;
  hold.eventId = order.eventId;
  for (const auto& item : order.items) hold.items.push_back({item.categoryId, item.ticketCount});
  hold.reservationId = order.adoptReservationId;
  a.decision().history.push_back({std::string(status::pending), std::nullopt, std::nullopt, now});
  a.send(std::move(hold));
  a.record("HoldSeats sent");
  return a.finish();
}

Decision decide(const Checkout& current, const Fact& fact, TimePoint now) {
  Apply a(current, now);
  std::visit(
      Overloaded{[&](const inv::SeatsHeld& m) { onSeatsHeld(a, m); },
                 [&](const inv::SeatsNotHeld& m) { onSeatsNotHeld(a, m); },
                 [&](const inv::SeatsConfirmed& m) { onSeatsConfirmed(a, m); },
                 [&](const inv::SeatsNotConfirmed& m) { onSeatsNotConfirmed(a, m); },
                 [&](const inv::SeatsReleased& m) { onSeatsReleased(a, m); },
                 [&](const inv::SeatsReturned& m) { onSeatsReturned(a, m); },
                 [&](const HoldEnded& m) { onHoldEnded(a, m); },
                 [&](const pay::PaymentCompleted& m) { onPaymentCompleted(a, m); },
                 [&](const pay::PaymentFailed& m) { onPaymentFailed(a, m); },
                 [&](const pay::PaymentRefunded& m) { onPaymentRefunded(a, m); },
                 [&](const pay::PaymentChargedBack& m) { onChargedBack(a, m); },
                 [&](const EventEnded& m) { onEventEnded(a, m); }, [&](const PaymentGiven& m) { onPaymentGiven(a, m); },
                 [&](const CancelRequest& m) { onCancel(a, m); }, [&](const Timeout& m) { onTimeout(a, m); }},
      fact);
  if (a.decision().refusal) {
    // A refused request changes nothing.
    Decision refused;
    refused.next = current;
    refused.refusal = a.decision().refusal;
    return refused;
  }
  return a.finish();
}

std::string derivedId(const std::string& orderId, std::string_view purpose) {
  auto hex = sha256Hex(orderId + "/" + std::string(purpose));
  // UUID layout, version 8 (custom), RFC 9562 variant.
  hex[12] = '8';
  hex[16] = "89ab"[std::stoi(hex.substr(16, 1), nullptr, 16) & 3];
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20, 12);
}

Pricing price(const std::vector<Item>& requested, const std::vector<inv::OrderHold>& holds) {
  Pricing out;
  if (holds.empty()) {
    out.error = "holds-do-not-match";
    out.errorDetail = "Inventory reported no holds for the order.";
    return out;
  }
  out.currency = holds.front().amount.currency;
  std::map<std::string, std::pair<int, std::int64_t>> byCategory;  // seats, amount
  std::vector<std::string> order;
  for (const auto& h : holds) {
    if (h.amount.currency != out.currency) {
      out.error = "mixed-currencies";
      out.errorDetail = "The held categories are priced in " + out.currency + " and " + h.amount.currency +
                        "; one order pays in one currency.";
      return out;
    }
    if (h.ticketCount <= 0) {
      out.error = "holds-do-not-match";
      out.errorDetail = "A hold of the order has no seats.";
      return out;
    }
    if (!byCategory.contains(h.categoryId)) order.push_back(h.categoryId);
    byCategory[h.categoryId].first += h.ticketCount;
    byCategory[h.categoryId].second += h.amount.amount;
  }
  // Adopting a hold: the items are whatever was held.
  std::vector<Item> items = requested;
  if (items.empty()) {
    for (const auto& category : order) items.push_back({category, byCategory[category].first, std::nullopt, 0, 0});
  }
  for (auto& item : items) {
    auto it = byCategory.find(item.categoryId);
    if (it == byCategory.end() || it->second.first != item.ticketCount) {
      out.error = "holds-do-not-match";
      out.errorDetail = "Inventory held other seats than the order asked for (category " + item.categoryId + ").";
      return out;
    }
    // Every hold of a category was priced at once: the amount divides by the seats.
    item.unitPrice = it->second.second / it->second.first;
    out.total += it->second.second;
  }
  out.items = std::move(items);
  return out;
}

}  // namespace boxoffice::orders
