// The checkout saga's state machine, pure: every transition of docs/api/orders.md, late and
// duplicate replies, and an exhaustive sweep of every fact against every reachable state.
#include "saga.hpp"

#include <algorithm>
#include <doctest/doctest.h>

#include "boxoffice/kernel/ids.hpp"

using namespace boxoffice;
using namespace boxoffice::orders;
namespace inv = boxoffice::inventory::messages;
namespace pay = boxoffice::payments::messages;

namespace {

const TimePoint t0 = fromUnixMillis(1'900'000'000'000);
const std::string kOrder = "0190a0b0-0000-7000-8000-000000000001";
const std::string kEvent = "0190a0b0-0000-7000-8000-0000000000e1";
const std::string kUser = "0190a0b0-0000-7000-8000-0000000000a1";

pay::PaymentMethod card() {
  pay::PaymentMethod m;
  m.method = "CreditCard";
  m.cardToken = "tok_1";
  m.brand = "Visa";
  m.last4 = "4242";
  return m;
}

Checkout placed(bool withPayment = true, std::vector<Item> items = {{"general", 2, {}, 0, 0}, {"vip", 1, {}, 0, 0}}) {
  Checkout c;
  c.order.id = kOrder;
  c.order.userId = kUser;
  c.order.eventId = kEvent;
  c.order.items = std::move(items);
  if (withPayment) c.order.paymentMethod = card();
  c.order.correlationId = "corr-1";
  return start(c, t0).next;
}

inv::SeatsHeld held(const std::string& vipCurrency = "EUR") {
  inv::SeatsHeld m;
  m.orderId = kOrder;
  m.eventId = kEvent;
  m.userId = kUser;
  m.holds = {{"r-general", "general", 2, {5000, "EUR"}}, {"r-vip", "vip", 1, {9000, vipCurrency}}};
  m.total = {14000, "EUR"};
  m.expiresAt = "2030-03-17T17:48:20Z";
  return m;
}

pay::PaymentCompleted completed() {
  pay::PaymentCompleted m;
  m.paymentId = "pay-1";
  m.orderId = kOrder;
  m.amount = {14000, "EUR"};
  return m;
}

pay::PaymentFailed failed(const std::string& reason = "card-declined") {
  pay::PaymentFailed m;
  m.orderId = kOrder;
  m.reason = reason;
  m.detail = "The card was declined.";
  return m;
}

inv::SeatsConfirmed confirmed(bool heldAgain = false) {
  inv::SeatsConfirmed m;
  m.orderId = kOrder;
  m.eventId = kEvent;
  m.holds = {{heldAgain ? "r-general-2" : "r-general", "general", 2, {5000, "EUR"}},
             {"r-vip", "vip", 1, {9000, "EUR"}}};
  m.heldAgain = heldAgain;
  return m;
}

inv::SeatsNotConfirmed notConfirmed() {
  inv::SeatsNotConfirmed m;
  m.orderId = kOrder;
  m.reason = "not-enough-seats";
  m.detail = "The seats are gone.";
  return m;
}

inv::SeatsReleased released() { return {kOrder, kEvent, 3}; }

pay::PaymentRefunded refund(const std::string& id, std::int64_t amount, bool full,
                            std::vector<pay::ReturnedSeats> seats = {}, std::int64_t total = -1) {
  pay::PaymentRefunded m;
  m.paymentId = "pay-1";
  m.orderId = kOrder;
  m.refundId = id;
  m.amount = {amount, "EUR"};
  m.refundedTotal = {total < 0 ? amount : total, "EUR"};
  m.full = full;
  m.reason = "requested";
  m.seats = std::move(seats);
  return m;
}

Decision run(const Checkout& c, const Fact& f) { return decide(c, f, t0 + std::chrono::seconds(1)); }
Checkout after(const Checkout& c, const Fact& f) { return run(c, f).next; }

template <class C>
const C* command(const Decision& d, std::size_t index = 0) {
  std::size_t seen = 0;
  for (const auto& c : d.commands) {
    if (const auto* typed = std::get_if<C>(&c)) {
      if (seen++ == index) return typed;
    }
  }
  return nullptr;
}

bool announced(const Decision& d, Announcement::Kind kind) {
  return std::ranges::any_of(d.announcements, [&](const Announcement& a) { return a.kind == kind; });
}

// The states a saga can be in, each reached through the real transitions.
Checkout reserved() { return after(placed(), held()); }
Checkout awaitingPayment() { return after(placed(false), held()); }
Checkout paid() { return after(reserved(), completed()); }
Checkout done() { return after(paid(), confirmed()); }

}  // namespace

TEST_CASE("a new order's saga starts in ValidateInventory and sends HoldSeats with the items") {
  Checkout c;
  c.order.id = kOrder;
  c.order.userId = kUser;
  c.order.eventId = kEvent;
  c.order.items = {{"general", 2, {}, 0, 0}};
  auto d = start(c, t0);
  CHECK(d.next.order.status == "Pending");
  CHECK(d.next.saga.state == "Started");
  CHECK(d.next.saga.step == "ValidateInventory");
  CHECK(d.next.saga.attempts == 1);
  REQUIRE(d.history.size() == 1);
  const auto* hold = command<inv::HoldSeats>(d);
  REQUIRE(hold);
  CHECK(hold->orderId == kOrder);
  CHECK(hold->items.size() == 1);
  CHECK(!hold->reservationId);
}

TEST_CASE("adopting a hold sends HoldSeats with the reservation and no items, and prices from the hold") {
  Checkout c;
  c.order.id = kOrder;
  c.order.userId = kUser;
  c.order.eventId = kEvent;  // POST /orders names the event of the hold it adopts
  c.order.adoptReservationId = "r-own";
  auto d = start(c, t0);
  const auto* hold = command<inv::HoldSeats>(d);
  REQUIRE(hold);
  CHECK(hold->reservationId == "r-own");
  CHECK(hold->items.empty());
  inv::SeatsHeld m;
  m.orderId = kOrder;
  m.eventId = kEvent;
  m.holds = {{"r-own", "general", 3, {7500, "EUR"}}};
  m.expiresAt = "2030-03-17T17:48:20Z";
  auto next = after(d.next, m);
  CHECK(next.order.status == "Reserved");
  CHECK(next.order.eventId == kEvent);
  REQUIRE(next.order.items.size() == 1);
  CHECK(next.order.items[0].ticketCount == 3);
  CHECK(next.order.items[0].unitPrice == 2500);
  CHECK(next.order.totalAmount == 7500);
}

TEST_CASE("SeatsHeld prices the order from the holds, reserves it and charges the given payment") {
  auto d = run(placed(), held());
  const auto& o = d.next.order;
  CHECK(o.status == "Reserved");
  CHECK(o.currency == "EUR");
  CHECK(o.totalAmount == 14000);
  CHECK(o.items[0].unitPrice == 2500);
  CHECK(o.items[1].unitPrice == 9000);
  CHECK(o.holds.size() == 2);
  CHECK(d.next.saga.state == "InProgress");
  CHECK(d.next.saga.step == "ProcessPayment");
  CHECK(d.next.saga.attempts == 1);
  CHECK(d.next.saga.chargeSent);
  CHECK(announced(d, Announcement::Kind::Reserved));
  const auto* charge = command<pay::ChargePayment>(d);
  REQUIRE(charge);
  CHECK(charge->amount == Money{14000, "EUR"});
  CHECK(charge->paymentMethod.cardToken == "tok_1");
  CHECK(charge->reservationIds.size() == 2);
  CHECK(charge->items.size() == 2);
  CHECK(charge->items[0].amount == Money{5000, "EUR"});
  // The vault token is in the command only, not in what is stored.
  CHECK(!o.paymentMethod->cardToken);
  CHECK(o.paymentMethod->last4 == "4242");
}

TEST_CASE("SeatsHeld without payment details waits for POST /payments") {
  auto d = run(placed(false), held());
  CHECK(d.next.order.status == "Reserved");
  CHECK(d.next.saga.awaitingPayment);
  CHECK(d.next.saga.attempts == 0);
  CHECK(!d.next.saga.chargeSent);
  CHECK(d.commands.empty());
  CHECK(d.next.order.expiresAt == parseRfc3339("2030-03-17T17:48:20Z"));
}

TEST_CASE("holds in two currencies fail the order and release the holds") {
  auto d = run(placed(), held("USD"));
  CHECK(d.next.order.status == "Failed");
  CHECK(d.next.order.failureReason == "mixed-currencies");
  CHECK(d.next.saga.state == "Compensating");
  REQUIRE(command<inv::ReleaseSeats>(d));
  CHECK(command<inv::ReleaseSeats>(d)->reason == "orderFailed");
  CHECK(!command<pay::ChargePayment>(d));
  CHECK(announced(d, Announcement::Kind::Failed));
  auto end = run(d.next, released());
  CHECK(end.next.saga.state == "Failed");
  CHECK(end.next.saga.completedAt);
}

TEST_CASE("SeatsNotHeld fails the order, nothing is held, so nothing is compensated") {
  inv::SeatsNotHeld m{kOrder, kEvent, kUser, "not-enough-seats", "Only 1 seat left."};
  auto d = run(placed(), m);
  CHECK(d.next.order.status == "Failed");
  CHECK(d.next.order.failureReason == "not-enough-seats");
  CHECK(d.next.saga.state == "Failed");
  CHECK(d.commands.empty());
  REQUIRE(d.announcements.size() == 1);
  CHECK(d.announcements[0].step == "ValidateInventory");
  CHECK(d.history.back().reason == "not-enough-seats");
  auto again = run(d.next, m);
  CHECK(!again.changed);
  CHECK(again.announcements.empty());
}

TEST_CASE("PaymentCompleted marks the order Paid and sends ConfirmSeats, a duplicate changes nothing") {
  auto d = run(reserved(), completed());
  CHECK(d.next.order.status == "Paid");
  CHECK(d.next.order.paymentId == "pay-1");
  CHECK(d.next.saga.step == "ConfirmInventory");
  REQUIRE(command<inv::ConfirmSeats>(d));
  auto again = run(d.next, completed());
  CHECK(!again.changed);
  CHECK(again.commands.empty());
}

TEST_CASE("PaymentFailed fails the order with the payment's reason and releases the holds") {
  auto d = run(reserved(), failed("insufficient-funds"));
  CHECK(d.next.order.status == "Failed");
  CHECK(d.next.order.failureReason == "insufficient-funds");
  CHECK(d.next.saga.state == "Compensating");
  REQUIRE(command<inv::ReleaseSeats>(d));
  CHECK(command<inv::ReleaseSeats>(d)->reason == "paymentFailed");
  REQUIRE(d.compensations.size() == 1);
  CHECK(d.compensations[0].action == "ReleaseSeats");
  auto end = run(d.next, released());
  CHECK(end.next.saga.state == "Failed");
  CHECK(!end.next.saga.awaitRelease);
  auto again = run(end.next, released());
  CHECK(!again.changed);
}

TEST_CASE("SeatsConfirmed completes the order with the final holds") {
  auto d = run(paid(), confirmed(true));
  CHECK(d.next.order.status == "Completed");
  CHECK(d.next.order.heldAgain);
  CHECK(d.next.order.holds[0].reservationId == "r-general-2");
  CHECK(d.next.saga.state == "Completed");
  CHECK(d.next.saga.step == "Complete");
  CHECK(d.next.order.items[0].soldCount == 2);
  CHECK(announced(d, Announcement::Kind::Completed));
  auto again = run(d.next, confirmed(true));
  CHECK(!again.changed);
  CHECK(again.commands.empty());
}

TEST_CASE("SeatsNotConfirmed (the late payment whose seats are gone) refunds the buyer") {
  auto d = run(paid(), notConfirmed());
  CHECK(d.next.order.status == "Failed");
  CHECK(d.next.order.failureReason == "not-enough-seats");
  CHECK(d.next.saga.state == "Compensating");
  REQUIRE(command<pay::VoidPayment>(d));
  CHECK(command<pay::VoidPayment>(d)->reason == "seatsUnavailable");
  auto end = run(d.next, refund("rf-void", 14000, true));
  CHECK(end.next.saga.state == "Failed");
  CHECK(end.next.order.status == "Failed");  // it never was a sale
  CHECK(end.next.order.refundedAmount == 14000);
  CHECK(!command<inv::ReturnSeats>(end));  // nothing was sold
  CHECK(announced(end, Announcement::Kind::Refunded));
}

TEST_CASE("a hold that expires while the order waits for payment details cancels the order") {
  auto d = run(awaitingPayment(), HoldEnded{"r-general", true, {}});
  CHECK(d.next.order.status == "Cancelled");
  CHECK(d.next.order.cancelReason == "holdExpired");
  CHECK(d.next.order.holds[0].status == "Expired");
  REQUIRE(command<inv::ReleaseSeats>(d));
  CHECK(d.next.saga.state == "Compensating");
  CHECK(announced(d, Announcement::Kind::Cancelled));
  auto released2 = run(awaitingPayment(), HoldEnded{"r-general", false, "eventCancelled"});
  CHECK(released2.next.order.cancelReason == "eventCancelled");
}

TEST_CASE("a hold that expires while the charge is in flight is not a failure") {
  auto d = run(reserved(), HoldEnded{"r-general", true, {}});
  CHECK(d.next.order.status == "Reserved");
  CHECK(d.commands.empty());
  CHECK(d.announcements.empty());
  // The payment completes later; ConfirmSeats holds again and the order completes.
  auto p = after(d.next, completed());
  auto end = run(p, confirmed(true));
  CHECK(end.next.order.status == "Completed");
  CHECK(end.next.order.heldAgain);
}

TEST_CASE("late replies to an ended saga are compensated") {
  SUBCASE("SeatsHeld for a cancelled order releases the seats") {
    auto cancelled = after(placed(), CancelRequest{false});
    auto d = run(cancelled, held());
    REQUIRE(command<inv::ReleaseSeats>(d));
    CHECK(d.next.order.status == "Cancelled");
    CHECK(d.announcements.empty());
  }
  SUBCASE("PaymentCompleted for a timed-out order is voided") {
    auto timedOut = after(reserved(), Timeout{std::chrono::seconds(60)});
    auto d = run(timedOut, completed());
    REQUIRE(command<pay::VoidPayment>(d));
    CHECK(command<pay::VoidPayment>(d)->reason == "sagaTimedOut");
    CHECK(d.next.order.status == "Failed");
  }
  SUBCASE("SeatsConfirmed for a timed-out order returns every seat") {
    auto timedOut = after(paid(), Timeout{std::chrono::seconds(60)});
    auto d = run(timedOut, confirmed());
    const auto* ret = command<inv::ReturnSeats>(d);
    REQUIRE(ret);
    CHECK(ret->items.size() == 2);
    CHECK(ret->returnId == derivedId(kOrder, "late-sale"));
    CHECK(d.next.order.items[0].returnRequested == 2);
    // The refund of the voided payment then returns nothing more.
    auto end = run(d.next, refund("rf-void", 14000, true));
    CHECK(!command<inv::ReturnSeats>(end));
  }
}

TEST_CASE("refunds after the sale return the named seats, never more than sold") {
  auto d = run(done(), refund("rf-1", 2500, false, {{"general", 1}}));
  CHECK(d.next.order.status == "PartiallyRefunded");
  const auto* ret = command<inv::ReturnSeats>(d);
  REQUIRE(ret);
  CHECK(ret->returnId == "rf-1");
  CHECK(ret->reason == "refund");
  REQUIRE(ret->items.size() == 1);
  CHECK(ret->items[0].ticketCount == 1);
  CHECK(d.next.saga.state == "Completed");
  // A duplicate delivery changes nothing.
  CHECK(!run(d.next, refund("rf-1", 2500, false, {{"general", 1}})).changed);
  // The rest: full, every seat not yet returned, even if the refund names more.
  auto full = run(d.next, refund("rf-2", 11500, true, {{"general", 5}}, 14000));
  CHECK(full.next.order.status == "Refunded");
  const auto* rest = command<inv::ReturnSeats>(full);
  REQUIRE(rest);
  REQUIRE(rest->items.size() == 2);
  CHECK(rest->items[0].ticketCount == 1);
  CHECK(rest->items[1].ticketCount == 1);
  CHECK(full.next.order.refundedAmount == 14000);
}

template <class C>
std::size_t countOf(const Decision& d) {
  return static_cast<std::size_t>(
      std::ranges::count_if(d.commands, [](const Command& c) { return std::holds_alternative<C>(c); }));
}

std::vector<Announcement::Kind> kinds(const Decision& d) {
  std::vector<Announcement::Kind> out;
  for (const auto& a : d.announcements) out.push_back(a.kind);
  return out;
}

TEST_CASE("a partial refund while ConfirmSeats is in flight waits for the sale, then returns its seats") {
  // Paid, the seats being confirmed: an Admin refunds one general seat.
  auto r = run(paid(), refund("rf-a", 2500, false, {{"general", 1}}));
  CHECK(r.next.order.status == "Paid");  // the saga's course is unchanged
  CHECK(r.next.saga.state == "InProgress");
  CHECK(r.next.saga.step == "ConfirmInventory");
  CHECK(r.commands.empty());
  CHECK(r.announcements.empty());
  CHECK(r.next.order.refundedAmount == 2500);
  REQUIRE(r.refund);
  CHECK(r.refund->deferred);
  REQUIRE(r.next.order.deferredRefunds.size() == 1);
  // Redelivered: nothing more.
  auto dup = run(r.next, refund("rf-a", 2500, false, {{"general", 1}}));
  CHECK(!dup.changed);
  CHECK(dup.next.order.deferredRefunds.size() == 1);
  // The seats are sold: the order completes, then the refund applies.
  auto sold = run(r.next, confirmed());
  CHECK(sold.next.order.status == "PartiallyRefunded");
  CHECK(sold.next.saga.state == "Completed");
  CHECK(kinds(sold) == std::vector{Announcement::Kind::Completed, Announcement::Kind::Refunded});
  REQUIRE(sold.history.size() == 2);
  CHECK(sold.history[0].status == "Completed");
  CHECK(sold.history[1].status == "PartiallyRefunded");
  REQUIRE(countOf<inv::ReturnSeats>(sold) == 1);
  const auto* ret = command<inv::ReturnSeats>(sold);
  CHECK(ret->returnId == "rf-a");
  CHECK(ret->reason == "refund");
  REQUIRE(ret->items.size() == 1);
  CHECK(ret->items[0].categoryId == "general");
  CHECK(ret->items[0].ticketCount == 1);
  CHECK(sold.next.order.items[0].returnRequested == 1);
  CHECK(sold.next.order.items[1].returnRequested == 0);
  CHECK(sold.next.order.deferredRefunds.empty());
  // The refund again after the sale: a duplicate.
  auto late = run(sold.next, refund("rf-a", 2500, false, {{"general", 1}}));
  CHECK(!late.changed);
  CHECK(late.commands.empty());
}

TEST_CASE("a full refund while ConfirmSeats is in flight: the sale completes, every seat comes back, the saga ends") {
  auto r = run(paid(), refund("rf-f", 14000, true));
  CHECK(r.next.order.status == "Paid");
  CHECK(r.next.saga.running());
  auto sold = run(r.next, confirmed());
  CHECK(sold.next.order.status == "Refunded");
  CHECK(sold.next.saga.state == "Completed");
  CHECK(sold.next.saga.over());
  CHECK(kinds(sold) == std::vector{Announcement::Kind::Completed, Announcement::Kind::Refunded});
  const auto* ret = command<inv::ReturnSeats>(sold);
  REQUIRE(ret);
  CHECK(ret->returnId == "rf-f");
  CHECK(ret->items.size() == 2);
  CHECK(!command<pay::VoidPayment>(sold));
  // Nothing left for the sweeper.
  CHECK(!run(sold.next, Timeout{std::chrono::seconds(60)}).changed);
}

TEST_CASE("two refunds while ConfirmSeats is in flight apply in order once sold") {
  auto one = after(paid(), refund("rf-1", 2500, false, {{"general", 1}}, 2500));
  auto two = after(one, refund("rf-2", 9000, false, {{"vip", 1}}, 11500));
  REQUIRE(two.order.deferredRefunds.size() == 2);
  auto sold = run(two, confirmed());
  CHECK(sold.next.order.status == "PartiallyRefunded");
  CHECK(countOf<inv::ReturnSeats>(sold) == 2);
  CHECK(command<inv::ReturnSeats>(sold, 0)->returnId == "rf-1");
  CHECK(command<inv::ReturnSeats>(sold, 1)->returnId == "rf-2");
  CHECK(std::ranges::count(kinds(sold), Announcement::Kind::Refunded) == 2);
}

TEST_CASE("a refund while ConfirmSeats is in flight, then SeatsNotConfirmed: the void refunds only the rest") {
  SUBCASE("partial: VoidPayment for the rest, the saga ends on its answer") {
    auto r = after(paid(), refund("rf-a", 2500, false, {{"general", 1}}));
    auto gone = run(r, notConfirmed());
    CHECK(gone.next.order.status == "Failed");
    CHECK(kinds(gone) == std::vector{Announcement::Kind::Failed, Announcement::Kind::Refunded});
    CHECK(!command<inv::ReturnSeats>(gone));  // nothing was sold
    REQUIRE(command<pay::VoidPayment>(gone));
    CHECK(gone.next.saga.state == "Compensating");
    CHECK(gone.next.order.deferredRefunds.empty());
    auto end = run(gone.next, refund("rf-void", 11500, true, {}, 14000));
    CHECK(end.next.saga.state == "Failed");
    CHECK(end.next.order.status == "Failed");
    CHECK(end.next.order.refundedAmount == 14000);
    CHECK(!command<inv::ReturnSeats>(end));
  }
  SUBCASE("full: nothing is left charged, no void, the saga ends at once") {
    auto r = after(paid(), refund("rf-f", 14000, true));
    auto gone = run(r, notConfirmed());
    CHECK(gone.next.order.status == "Failed");
    CHECK(!command<pay::VoidPayment>(gone));
    CHECK(gone.next.saga.state == "Failed");
    CHECK(announced(gone, Announcement::Kind::Refunded));
  }
  SUBCASE("a timeout instead: released, the rest voided; a full refund needs no void") {
    auto partial = run(after(paid(), refund("rf-a", 2500, false, {{"general", 1}})), Timeout{std::chrono::seconds(60)});
    CHECK(command<pay::VoidPayment>(partial));
    CHECK(announced(partial, Announcement::Kind::Refunded));
    auto full = run(after(paid(), refund("rf-f", 14000, true)), Timeout{std::chrono::seconds(60)});
    CHECK(!command<pay::VoidPayment>(full));
    CHECK(command<inv::ReleaseSeats>(full));
    auto end = run(full.next, released());
    CHECK(end.next.saga.state == "Failed");
  }
}

TEST_CASE("a refund while an Admin's cancellation runs on a Paid order is applied with the cancellation") {
  auto cancelling = after(paid(), CancelRequest{true});
  auto r = after(cancelling, refund("rf-a", 2500, false, {{"general", 1}}));
  CHECK(r.order.deferredRefunds.size() == 1);
  auto sold = after(r, confirmed());
  auto end = run(sold, refund(*cancelling.order.cancelRefundId, 11500, true, {}, 14000));
  CHECK(end.next.order.status == "Cancelled");
  CHECK(end.next.order.deferredRefunds.empty());
  CHECK(std::ranges::count(kinds(end), Announcement::Kind::Refunded) == 2);
  int returnedSeats = 0;
  for (const auto& c : end.commands) {
    if (const auto* ret = std::get_if<inv::ReturnSeats>(&c)) {
      for (const auto& i : ret->items) returnedSeats += i.ticketCount;
    }
  }
  CHECK(returnedSeats == 3);  // every seat, once
}

TEST_CASE("the void's answer clears the wait even when its refund id was seen, nothing-left answers announce nothing") {
  SUBCASE("a refund id seen before still answers the void") {
    auto voiding = after(paid(), notConfirmed());
    REQUIRE(voiding.saga.awaitReversal);
    voiding.order.refundIds.push_back("rf-v");
    auto d = run(voiding, refund("rf-v", 14000, true));
    CHECK(!d.next.saga.awaitReversal);
    CHECK(d.next.saga.state == "Failed");
    CHECK(d.announcements.empty());
  }
  SUBCASE("two 'nothing left' answers without a refund id") {
    auto voiding = after(paid(), notConfirmed());
    auto first = run(voiding, refund("", 0, true, {}, 14000));
    CHECK(!first.next.saga.awaitReversal);
    CHECK(first.next.saga.state == "Failed");
    CHECK(first.announcements.empty());  // no OrderRefunded for 0
    CHECK(!first.refund);
    auto second = run(first.next, refund("", 0, true, {}, 14000));
    CHECK(second.announcements.empty());
    CHECK(second.commands.empty());
    CHECK(second.history.empty());
  }
  SUBCASE("a cancellation answered with nothing left still cancels, without OrderRefunded") {
    auto cancelling = after(done(), CancelRequest{true});
    auto d = run(cancelling, refund(*cancelling.order.cancelRefundId, 0, true, {}, 14000));
    CHECK(d.next.order.status == "Cancelled");
    CHECK(kinds(d) == std::vector{Announcement::Kind::Cancelled});
  }
}

TEST_CASE("ReturnSeats never goes out without a return id") {
  auto d = run(done(), refund("", 2500, false, {{"general", 1}}));
  const auto* ret = command<inv::ReturnSeats>(d);
  REQUIRE(ret);
  CHECK(!ret->returnId.empty());
  CHECK(isUuid(ret->returnId));
}

TEST_CASE("a Compensating saga past the timeout re-sends what is unanswered, counting attempts") {
  SUBCASE("an unanswered release") {
    auto failing = after(reserved(), failed());
    REQUIRE(failing.saga.state == "Compensating");
    CHECK(failing.saga.compensationAttempts == 1);
    auto d = run(failing, Timeout{std::chrono::seconds(60)});
    CHECK(d.resent == std::vector<std::string>{"ReleaseSeats"});
    REQUIRE(command<inv::ReleaseSeats>(d));
    CHECK(command<inv::ReleaseSeats>(d)->reason == "paymentFailed");
    CHECK(d.next.saga.compensationAttempts == 2);
    CHECK(d.next.saga.compensationSentAt == t0 + std::chrono::seconds(1));
    CHECK(d.next.saga.state == "Compensating");
    CHECK(d.history.empty());
    CHECK(d.announcements.empty());
    CHECK(d.compensations.empty());
    auto end = run(d.next, released());
    CHECK(end.next.saga.state == "Failed");
    CHECK(!run(end.next, Timeout{std::chrono::seconds(60)}).changed);
  }
  SUBCASE("a release and a void after a timeout") {
    auto timedOut = after(reserved(), Timeout{std::chrono::seconds(60)});
    auto d = run(timedOut, Timeout{std::chrono::seconds(60)});
    CHECK(d.resent == std::vector<std::string>{"ReleaseSeats", "VoidPayment"});
    CHECK(command<pay::VoidPayment>(d)->reason == "sagaTimedOut");
  }
  SUBCASE("a cancellation's refund goes again with the same refund id") {
    auto cancelling = after(paid(), CancelRequest{true});
    REQUIRE(cancelling.saga.state == "Compensating");
    auto d = run(cancelling, Timeout{std::chrono::seconds(60)});
    CHECK(d.resent == std::vector<std::string>{"RefundPayment"});
    REQUIRE(command<pay::RefundPayment>(d));
    CHECK(command<pay::RefundPayment>(d)->refundId == *cancelling.order.cancelRefundId);
    CHECK(command<pay::RefundPayment>(d)->reason == "orderCancelled");
  }
}

TEST_CASE("a chargeback returns every seat and cancels the order, once") {
  pay::PaymentChargedBack m;
  m.orderId = kOrder;
  m.paymentId = "pay-1";
  m.reason = "fraudulent";
  auto d = run(done(), m);
  CHECK(d.next.order.status == "Cancelled");
  CHECK(d.next.order.cancelReason == "chargeback");
  REQUIRE(command<inv::ReturnSeats>(d));
  CHECK(command<inv::ReturnSeats>(d)->reason == "chargeback");
  CHECK(announced(d, Announcement::Kind::Cancelled));
  CHECK(!run(d.next, m).changed);
}

TEST_CASE("an event cancelled after sales refunds each paid order with a deterministic refund id") {
  auto d = run(done(), EventEnded{false});
  const auto* r = command<pay::RefundPayment>(d);
  REQUIRE(r);
  CHECK(r->refundId == derivedId(kOrder, "cancel"));
  CHECK(isUuid(r->refundId));
  CHECK(r->reason == "eventCancelled");
  CHECK(d.next.order.status == "Completed");  // until the money is back
  CHECK(d.next.order.cancelPending());
  // Redelivered: nothing more.
  auto again = run(d.next, EventEnded{false});
  CHECK(again.commands.empty());
  CHECK(!again.changed);
  auto end = run(d.next, refund(r->refundId, 14000, true));
  CHECK(end.next.order.status == "Cancelled");
  const auto* ret = command<inv::ReturnSeats>(end);
  REQUIRE(ret);
  CHECK(ret->reason == "eventCancelled");
  CHECK(announced(end, Announcement::Kind::Cancelled));
  CHECK(announced(end, Announcement::Kind::Refunded));
}

TEST_CASE("an event cancelled mid-saga compensates each order by its state") {
  SUBCASE("Pending: cancelled, holds released") {
    auto d = run(placed(), EventEnded{true});
    CHECK(d.next.order.status == "Cancelled");
    CHECK(d.next.order.cancelReason == "eventDeleted");
    CHECK(command<inv::ReleaseSeats>(d));
    CHECK(!command<pay::VoidPayment>(d));
  }
  SUBCASE("charging: cancelled, payment voided, holds released") {
    auto d = run(reserved(), EventEnded{false});
    CHECK(d.next.order.status == "Cancelled");
    CHECK(command<inv::ReleaseSeats>(d));
    CHECK(command<pay::VoidPayment>(d));
    CHECK(d.next.saga.awaitReversal);
    auto voided = after(d.next, failed("voided"));
    auto end = run(voided, released());
    CHECK(end.next.saga.state == "Failed");
  }
  SUBCASE("ended orders are left alone") {
    auto f = after(reserved(), failed());
    auto d = run(f, EventEnded{false});
    CHECK(!d.changed);
    CHECK(d.commands.empty());
  }
}

TEST_CASE("cancelling: the buyer before payment, an Admin any time") {
  SUBCASE("buyer, Pending") {
    auto d = run(placed(), CancelRequest{false});
    CHECK(d.next.order.status == "Cancelled");
    CHECK(d.next.order.cancelReason == "byBuyer");
    CHECK(command<inv::ReleaseSeats>(d));
  }
  SUBCASE("buyer, Reserved waiting for payment details") {
    auto d = run(awaitingPayment(), CancelRequest{false});
    CHECK(d.next.order.status == "Cancelled");
  }
  SUBCASE("buyer, charge under way: refused") {
    auto d = run(reserved(), CancelRequest{false});
    REQUIRE(d.refusal);
    CHECK(d.refusal->slug == "payment-under-way");
    CHECK(!d.changed);
    CHECK(d.commands.empty());
    CHECK(run(done(), CancelRequest{false}).refusal->slug == "payment-under-way");
  }
  SUBCASE("Admin, charge under way: cancelled, voided") {
    auto d = run(reserved(), CancelRequest{true});
    CHECK(d.next.order.status == "Cancelled");
    CHECK(command<pay::VoidPayment>(d));
    CHECK(command<inv::ReleaseSeats>(d));
  }
  SUBCASE("Admin, Completed: refunded, then Cancelled with the seats back") {
    auto d = run(done(), CancelRequest{true});
    const auto* r = command<pay::RefundPayment>(d);
    REQUIRE(r);
    CHECK(r->reason == "orderCancelled");
    CHECK(d.next.order.cancelPending());
    auto end = run(d.next, refund(r->refundId, 14000, true));
    CHECK(end.next.order.status == "Cancelled");
    CHECK(end.next.order.cancelReason == "byAdmin");
    CHECK(command<inv::ReturnSeats>(end)->reason == "orderCancelled");
  }
  SUBCASE("Admin, Paid while seats are being confirmed: the refund returns them once sold") {
    auto d = after(paid(), CancelRequest{true});
    auto sold = run(d, confirmed());
    CHECK(sold.next.order.status == "Paid");
    CHECK(sold.commands.empty());
    auto end = run(sold.next, refund(*d.order.cancelRefundId, 14000, true));
    CHECK(end.next.order.status == "Cancelled");
    CHECK(command<inv::ReturnSeats>(end));
  }
  SUBCASE("again on a Cancelled order: nothing, no refusal") {
    auto cancelled = after(placed(), CancelRequest{false});
    auto d = run(cancelled, CancelRequest{false});
    CHECK(!d.refusal);
    CHECK(!d.changed);
  }
  SUBCASE("a Failed order: refused") {
    auto f = after(reserved(), failed());
    auto d = run(f, CancelRequest{true});
    REQUIRE(d.refusal);
    CHECK(d.refusal->slug == "order-not-cancellable");
  }
}

TEST_CASE("payment details for a Reserved order start the charge, once") {
  PaymentGiven given{card(), "10.0.0.1", "test"};
  auto d = run(awaitingPayment(), given);
  CHECK(!d.refusal);
  CHECK(d.next.saga.chargeSent);
  CHECK(!d.next.saga.awaitingPayment);
  CHECK(d.next.saga.attempts == 1);
  REQUIRE(command<pay::ChargePayment>(d));
  CHECK(command<pay::ChargePayment>(d)->ipAddress == "10.0.0.1");
  auto again = run(d.next, given);
  REQUIRE(again.refusal);
  CHECK(again.refusal->slug == "payment-already-provided");
  auto pending = run(placed(false), given);
  REQUIRE(pending.refusal);
  CHECK(pending.refusal->slug == "order-not-payable");
}

TEST_CASE("a saga stuck past the timeout is compensated by its step") {
  SUBCASE("ValidateInventory: release whatever was held") {
    auto d = run(placed(), Timeout{std::chrono::seconds(60)});
    CHECK(d.next.order.status == "Failed");
    CHECK(d.next.order.failureReason == "saga-timed-out");
    CHECK(command<inv::ReleaseSeats>(d)->reason == "sagaTimedOut");
    CHECK(!command<pay::VoidPayment>(d));
    CHECK(d.next.saga.state == "Compensating");
  }
  SUBCASE("ProcessPayment: void and release") {
    auto d = run(reserved(), Timeout{std::chrono::seconds(60)});
    CHECK(command<inv::ReleaseSeats>(d));
    CHECK(command<pay::VoidPayment>(d)->reason == "sagaTimedOut");
    auto a = after(d.next, released());
    CHECK(a.saga.state == "Compensating");  // the void has not answered yet
    auto end = run(a, failed("voided"));
    CHECK(end.next.saga.state == "Failed");
  }
  SUBCASE("waiting for payment details or ended: nothing") {
    CHECK(!run(awaitingPayment(), Timeout{std::chrono::seconds(60)}).changed);
    CHECK(!run(done(), Timeout{std::chrono::seconds(60)}).changed);
  }
}

TEST_CASE("exhaustive: every fact against every reachable state, delivered twice") {
  std::vector<std::pair<std::string, Checkout>> states{
      {"pending", placed()},
      {"pending-no-payment", placed(false)},
      {"reserved-charging", reserved()},
      {"reserved-awaiting", awaitingPayment()},
      {"paid", paid()},
      {"completed", done()},
      {"failed-payment", after(reserved(), failed())},
      {"failed-released", after(after(reserved(), failed()), released())},
      {"cancelled", after(placed(), CancelRequest{false})},
      {"timed-out", after(paid(), Timeout{std::chrono::seconds(60)})},
      {"cancel-pending", after(done(), CancelRequest{true})},
      {"partially-refunded", after(done(), refund("rf-1", 2500, false, {{"general", 1}}))},
      {"refunded", after(done(), refund("rf-1", 14000, true))},
      {"paid-refund-waiting", after(paid(), refund("rf-1", 2500, false, {{"general", 1}}))},
      {"paid-refunded-in-full", after(paid(), refund("rf-1", 14000, true))},
      {"voiding", after(paid(), notConfirmed())},
  };
  pay::PaymentChargedBack chargeback;
  chargeback.orderId = kOrder;
  chargeback.reason = "fraudulent";
  inv::SeatsReturned returned;
  returned.orderId = kOrder;
  returned.returnId = "rf-1";
  returned.ticketCount = 1;
  std::vector<Fact> messages{held(),
                             inv::SeatsNotHeld{kOrder, kEvent, kUser, "not-enough-seats", ""},
                             confirmed(),
                             notConfirmed(),
                             released(),
                             returned,
                             HoldEnded{"r-general", true, {}},
                             HoldEnded{"r-general", false, "released"},
                             completed(),
                             failed(),
                             refund("rf-9", 1000, false, {{"vip", 1}}, 1000),
                             refund("", 0, true, {}, 14000),
                             Timeout{std::chrono::seconds(60)},
                             chargeback,
                             EventEnded{false},
                             EventEnded{true}};
  for (const auto& [name, state] : states) {
    for (const auto& fact : messages) {
      CAPTURE(name);
      auto factLabel = factName(fact);
      CAPTURE(factLabel);
      auto first = run(state, fact);
      CHECK(!first.refusal);
      const auto& o = first.next.order;
      const auto& s = first.next.saga;
      // Never a sale without money, never Completed without both.
      if (o.status == "Completed") CHECK((s.paid && s.seatsSold));
      // Never more seats returned than sold.
      for (const auto& item : o.items) CHECK(item.returnRequested <= item.soldCount);
      // Whatever is still held or sold for an ended order is being given back, and a charge of
      // an ended order is being voided or refunded.
      // Never a ReturnSeats without an id, never OrderRefunded without money.
      for (const auto& c : first.commands) {
        if (const auto* ret = std::get_if<inv::ReturnSeats>(&c)) CHECK(!ret->returnId.empty());
      }
      for (const auto& a : first.announcements) {
        if (a.kind == Announcement::Kind::Refunded) CHECK(a.refunded.amount > 0);
      }
      // A saga whose order has ended is never left running.
      if (o.closed() && !o.cancelPending()) CHECK(!s.running());
      if (std::holds_alternative<Timeout>(fact)) continue;  // a timeout again re-sends, by design
      // At-least-once delivery: the same message again changes no status and announces nothing.
      auto second = run(first.next, fact);
      CHECK(second.history.empty());
      CHECK(second.announcements.empty());
      CHECK(second.next.order.status == o.status);
      CHECK(second.next.saga.state == s.state);
      CHECK(!command<pay::ChargePayment>(second));
      CHECK(!command<pay::RefundPayment>(second));
      CHECK(!command<inv::HoldSeats>(second));
      CHECK(!command<inv::ConfirmSeats>(second));
    }
  }
}

TEST_CASE("pricing: per category from the holds' amounts, a category missing or counts off fail") {
  std::vector<Item> items{{"general", 2, {}, 0, 0}};
  auto ok = price(items, {{"r1", "general", 1, {2500, "EUR"}}, {"r2", "general", 1, {2500, "EUR"}}});
  CHECK(!ok.error);
  CHECK(ok.total == 5000);
  CHECK(ok.items[0].unitPrice == 2500);
  CHECK(price(items, {{"r1", "vip", 2, {2500, "EUR"}}}).error == "holds-do-not-match");
  CHECK(price(items, {{"r1", "general", 3, {2500, "EUR"}}}).error == "holds-do-not-match");
  CHECK(price(items, {}).error == "holds-do-not-match");
}

TEST_CASE("derived ids are UUID-shaped, stable and distinct per purpose") {
  CHECK(isUuid(derivedId(kOrder, "cancel")));
  CHECK(derivedId(kOrder, "cancel") == derivedId(kOrder, "cancel"));
  CHECK(derivedId(kOrder, "cancel") != derivedId(kOrder, "chargeback"));
  CHECK(derivedId(kOrder, "cancel")[14] == '8');
}
