// The checkout's paths after the money moved (issue 9): a hold that expires while the gateway is
// slow (held again, or refunded), refunds, cancellations (by the buyer, an Admin, the event) and
// chargebacks. The promise each test checks: money and seats end consistent.
#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <string>
#include <vector>

#include "checkout_helpers.hpp"
#include "hmac.hpp"
#include "sqlite_query.hpp"

using namespace boxoffice::testing;
using namespace boxoffice::testing::checkout;
using namespace boxoffice::test_support;

namespace {

// Holds last 2 s; the gateway takes 5 s: every hold expires while its payment is under way.
constexpr int kHoldSeconds = 2;
constexpr int kSlowGatewayMs = 5000;

TestServer::Options slowGatewayOptions() {
  auto options = shopOptions(kSlowGatewayMs);
  options.env.emplace_back("BOXOFFICE_INVENTORY_RESERVATION_TIMEOUT_SECONDS", std::to_string(kHoldSeconds));
  return options;
}

HeaderList adminWithKey(const std::string& admin, const std::string& key) {
  return {{"Authorization", "Bearer " + admin}, {"Idempotency-Key", key}};
}

HttpResult refund(TestServer& server, const std::string& admin, const std::string& paymentId,
                  const boost::json::object& body, const std::string& key) {
  return server.post("/api/v1/payments/" + paymentId + "/refunds", boost::json::serialize(body),
                     adminWithKey(admin, key));
}

// A completed purchase: the order as its buyer finally sees it.
boost::json::object completedOrder(TestServer& server, const std::string& buyer, const std::string& eventId,
                                   const Items& items) {
  auto id = placeOrder(server, buyer, eventId, items);
  auto done = awaitOrder(server, buyer, id, "Completed");
  REQUIRE_MESSAGE(statusOf(done) == "Completed", boost::json::serialize(done));
  return done;
}

}  // namespace

TEST_CASE("checkout: a hold that expires during a slow payment is held again, or the payment is refunded") {
  TestServer server(slowGatewayOptions());
  auto show = showOnSale(server, 10);
  auto buyer = mintToken("User").token;
  std::string id = placeOrder(server, buyer, show.id, {{"general", 2}});
  // The hold is gone while the gateway is still working on the payment.
  CHECK(statusOf(awaitOrder(server, buyer, id, "Reserved", 5s)) == "Reserved");
  CHECK(seatsAre(server, show.id, "general", {10, 0, 0}));
  CHECK(terminal(statusOf(order(server, buyer, id))) == false);

  auto done = awaitOrder(server, buyer, id, {}, 30s);
  std::string status = statusOf(done);
  CAPTURE(boost::json::serialize(done));
  REQUIRE(terminal(status));
  auto pay = payment(server, buyer, str(done.at("paymentId")));
  if (status == "Completed") {  // held again, and sold
    CHECK(done.at("heldAgain") == true);
    CHECK(statusOf(pay) == "Completed");
    CHECK(seatsAre(server, show.id, "general", {8, 0, 2}));
  } else {  // or not charged in the end
    CHECK(status == "Failed");
    CHECK((statusOf(awaitPayment(server, buyer, str(done.at("paymentId")), "Refunded")) == "Refunded" ||
           statusOf(pay) == "Failed"));
    CHECK(seatsAre(server, show.id, "general", {10, 0, 0}));
  }
}

TEST_CASE("checkout: a late payment whose seats are gone meanwhile is refunded and the order fails") {
  TestServer server(slowGatewayOptions());
  auto show = showOnSale(server, 3, 1);
  auto late = mintToken("User").token;
  std::string id = placeOrder(server, late, show.id, {{"general", 3}});
  // Held, then the hold expires while the payment is slow...
  REQUIRE(statusOf(awaitOrder(server, late, id, "Reserved", 5s)) == "Reserved");
  REQUIRE(seatsAre(server, show.id, "general", {3, 0, 0}));
  // ...and another buyer takes every seat and pays for them.
  auto quick = mintToken("User").token;
  auto hold = server.post("/api/v1/inventory/" + show.id + "/reserve", R"({"categoryId":"general","ticketCount":3})",
                          TestServer::bearer(quick));
  REQUIRE_MESSAGE(hold.status == 201, hold.body);
  auto confirmed = server.post("/api/v1/inventory/" + show.id + "/confirm",
                               R"({"reservationId":")" + str(hold.json().at("reservationId")) + "\"}",
                               TestServer::bearer(mintToken("Admin").token));
  REQUIRE_MESSAGE(confirmed.status == 200, confirmed.body);
  CHECK(terminal(statusOf(order(server, late, id))) == false);  // the gateway has not answered yet

  auto done = awaitOrder(server, late, id, {}, 30s);
  CAPTURE(boost::json::serialize(done));
  CHECK(statusOf(done) == "Failed");
  // Charged, then refunded in full: never charged without seats.
  auto refunded = awaitPayment(server, late, str(done.at("paymentId")), "Refunded");
  CHECK(statusOf(refunded) == "Refunded");
  // The seats are the other buyer's, once.
  CHECK(seatsAre(server, show.id, "general", {0, 0, 3}));
}

TEST_CASE("checkout: a gateway that never answers is asked for the status and the order is charged once") {
  auto options = shopOptions();
  options.env.emplace_back("BOXOFFICE_PAYMENTS_STRIPE_TIMEOUT_MS", "1000");  // replaces shopOptions' value
  TestServer server(options);
  auto show = showOnSale(server, 10);
  auto buyer = mintToken("User").token;
  // docs/api/payments.md: this card's charge is made, but its answer never arrives.
  std::string id = placeOrder(server, buyer, show.id, {{"general", 2}}, "4000000000000119");
  auto done = awaitOrder(server, buyer, id, "Completed");
  REQUIRE(statusOf(done) == "Completed");
  CHECK(statusOf(payment(server, buyer, str(done.at("paymentId")))) == "Completed");
  CHECK(seatsAre(server, show.id, "general", {8, 0, 2}));
  auto charges = queryDb(server.dataDir() / "payments.db",
                         "SELECT COUNT(*) FROM simulated_gateway_ledger WHERE kind = 'charge' AND idempotency_key = '" +
                             str(done.at("paymentId")) + "'");
  CHECK(charges.at(0).at(0) == "1");
}

TEST_CASE("checkout: a partial and a full refund put the named seats back on sale") {
  TestServer server(shopOptions());
  auto show = showOnSale(server, 10);
  auto buyer = mintToken("User").token;
  auto admin = mintToken("Admin").token;
  auto done = completedOrder(server, buyer, show.id, {{"general", 4}});
  std::string paymentId = str(done.at("paymentId"));
  REQUIRE(seatsAre(server, show.id, "general", {6, 0, 4}));

  // Only an Admin refunds.
  CHECK(refund(server, show.organizerToken, paymentId, {{"reason", "no"}}, "r-0").status == 403);
  CHECK(refund(server, buyer, paymentId, {{"reason", "no"}}, "r-0").status == 403);

  // Two of the four seats back, half the money.
  boost::json::object partial{{"amount", 2 * kGeneralPrice},
                              {"reason", "two friends cannot come"},
                              {"seats", boost::json::array{{{"categoryId", "general"}, {"ticketCount", 2}}}}};
  auto first = refund(server, admin, paymentId, partial, "r-1");
  REQUIRE_MESSAGE(first.status == 202, first.body);
  auto again = refund(server, admin, paymentId, partial, "r-1");  // a retried request refunds once
  CHECK(again.status == first.status);
  CHECK(statusOf(awaitOrder(server, buyer, str(done.at("id")), "PartiallyRefunded")) == "PartiallyRefunded");
  CHECK(statusOf(awaitPayment(server, admin, paymentId, "PartiallyRefunded")) == "PartiallyRefunded");
  CHECK(seatsAre(server, show.id, "general", {8, 0, 2}));

  // More than what is left: refused, nothing changes.
  auto tooMuch = refund(server, admin, paymentId, {{"amount", 2 * kGeneralPrice + 1}, {"reason", "greedy"}}, "r-2");
  checkProblem(tooMuch, 409, "refund-exceeds-captured");
  // More seats than bought: refused.
  auto tooManySeats = refund(server, admin, paymentId,
                             {{"amount", 100},
                              {"reason", "greedy"},
                              {"seats", boost::json::array{{{"categoryId", "general"}, {"ticketCount", 3}}}}},
                             "r-3");
  checkProblem(tooManySeats, 409, "refund-exceeds-seats");
  CHECK(seatsAre(server, show.id, "general", {8, 0, 2}));

  // The rest: everything left, money and seats.
  auto rest = refund(server, admin, paymentId, {{"reason", "show moved"}}, "r-4");
  REQUIRE_MESSAGE(rest.status == 202, rest.body);
  CHECK(statusOf(awaitOrder(server, buyer, str(done.at("id")), "Refunded")) == "Refunded");
  auto refunded = awaitPayment(server, admin, paymentId, "Refunded");
  CHECK(statusOf(refunded) == "Refunded");
  CHECK(seatsAre(server, show.id, "general", {10, 0, 0}));
  // Nothing is left to refund.
  checkProblem(refund(server, admin, paymentId, {{"amount", 1}, {"reason", "again"}}, "r-5"), 409,
               "payment-not-refundable");
}

TEST_CASE("checkout: an event cancelled after sales refunds and cancels every paid order") {
  TestServer server(shopOptions());
  auto show = showOnSale(server, 10, 5);
  auto admin = mintToken("Admin").token;
  auto a = completedOrder(server, mintToken("User").token, show.id, {{"general", 2}});
  auto b = completedOrder(server, mintToken("User").token, show.id, {{"general", 1}, {"vip", 2}});
  std::string failedId = placeOrder(server, mintToken("User").token, show.id, {{"general", 1}}, kCardDeclined);
  REQUIRE(statusOf(awaitOrder(server, admin, failedId)) == "Failed");
  REQUIRE(seats(server, show.id, "general").sold == 3);

  auto cancelled = server.post("/api/v1/events/" + show.id + "/cancel", "{}", TestServer::bearer(show.organizerToken));
  REQUIRE_MESSAGE(cancelled.status == 200, cancelled.body);

  for (const auto& paid : {a, b}) {
    std::string id = str(paid.at("id"));
    CAPTURE(id);
    CHECK(statusOf(awaitOrder(server, admin, id, "Cancelled")) == "Cancelled");
    CHECK(statusOf(awaitPayment(server, admin, str(paid.at("paymentId")), "Refunded")) == "Refunded");
  }
  CHECK(statusOf(order(server, admin, failedId)) == "Failed");  // nothing to refund there
  // The seats came back (the event is off sale, so none is sold or held).
  CHECK(eventually([&] {
    auto g = seats(server, show.id, "general");
    auto v = seats(server, show.id, "vip");
    return g.sold == 0 && g.reserved == 0 && v.sold == 0 && v.reserved == 0;
  }));
  // The report says the same: everything taken was given back.
  auto report = server.get("/api/v1/payments/report?eventId=" + show.id, TestServer::bearer(admin));
  REQUIRE_MESSAGE(report.status == 200, report.body);
  auto line = report.json().at("items").as_array().at(0);
  CHECK(integer(line.at("gross")) == integer(a.at("total").at("amount")) + integer(b.at("total").at("amount")));
  CHECK(integer(line.at("net")) == 0);
}

TEST_CASE("checkout: the buyer cancels before paying, after payment only an Admin cancels, with a refund") {
  TestServer server(shopOptions());
  auto show = showOnSale(server, 10);
  auto buyer = mintToken("User").token;
  auto admin = mintToken("Admin").token;
  // Placed without payment: seats held, nothing charged.
  auto placed = postOrder(
      server, buyer,
      boost::json::serialize(boost::json::object{
          {"eventId", show.id}, {"items", boost::json::array{{{"categoryId", "general"}, {"ticketCount", 3}}}}}));
  REQUIRE_MESSAGE(placed.status == 202, placed.body);
  std::string unpaid = str(placed.json().at("id"));
  REQUIRE(statusOf(awaitOrder(server, buyer, unpaid, "Reserved")) == "Reserved");
  auto cancel = server.post("/api/v1/orders/" + unpaid + "/cancel", "{}", TestServer::bearer(buyer));
  CHECK_MESSAGE((cancel.status == 200 || cancel.status == 202), cancel.body);
  CHECK(statusOf(awaitOrder(server, buyer, unpaid, "Cancelled")) == "Cancelled");
  CHECK(seatsAre(server, show.id, "general", {10, 0, 0}));

  auto paid = completedOrder(server, buyer, show.id, {{"general", 2}});
  std::string id = str(paid.at("id"));
  checkProblem(server.post("/api/v1/orders/" + id + "/cancel", "{}", TestServer::bearer(buyer)), 409);
  auto byAdmin = server.post("/api/v1/orders/" + id + "/cancel", "{}", TestServer::bearer(admin));
  CHECK_MESSAGE((byAdmin.status == 200 || byAdmin.status == 202), byAdmin.body);  // 202 while the refund runs
  CHECK(statusOf(awaitOrder(server, buyer, id, "Cancelled")) == "Cancelled");
  CHECK(statusOf(awaitPayment(server, buyer, str(paid.at("paymentId")), "Refunded")) == "Refunded");
  CHECK(seatsAre(server, show.id, "general", {10, 0, 0}));
}

namespace {

// A gateway's chargeback notification (docs/api/payments.md): signed over the raw body.
std::string chargebackBody(const std::string& gatewayEventId, const boost::json::object& paid) {
  return boost::json::serialize(boost::json::object{{"id", gatewayEventId},
                                                    {"type", "chargeback"},
                                                    {"paymentId", paid.at("paymentId")},
                                                    {"amount", paid.at("amount").at("amount")},
                                                    {"reason", "fraudulent"}});
}

HttpResult sendWebhook(TestServer& server, const std::string& body, const std::string& secret) {
  return server.post("/api/v1/payments/webhooks/stripe", body,
                     {{"X-Boxoffice-Signature", "sha256=" + hmacSha256Hex(secret, body)}});
}

}  // namespace

TEST_CASE(
    "checkout: a signed chargeback webhook charges back, cancels and returns seats, bad or replayed ones do not") {
  TestServer server(shopOptions());
  auto show = showOnSale(server, 10);
  auto admin = mintToken("Admin").token;
  auto buyer = mintToken("User").token;
  auto first = completedOrder(server, buyer, show.id, {{"general", 2}});
  auto second = completedOrder(server, buyer, show.id, {{"general", 3}});
  auto firstPayment = payment(server, admin, str(first.at("paymentId")));
  auto secondPayment = payment(server, admin, str(second.at("paymentId")));
  REQUIRE(seatsAre(server, show.id, "general", {5, 0, 5}));

  // A bad signature: 401 with its own problem type, nothing changes.
  auto body = chargebackBody("evt_dispute_1", firstPayment);
  auto forged = sendWebhook(server, body, "not-the-secret");
  checkProblem(forged, 401, "invalid-webhook-signature");
  checkProblem(server.post("/api/v1/payments/webhooks/stripe", body), 401, "invalid-webhook-signature");
  // A body changed after signing is a bad signature too.
  auto tampered = server.post("/api/v1/payments/webhooks/stripe", chargebackBody("evt_dispute_1", secondPayment),
                              {{"X-Boxoffice-Signature", "sha256=" + hmacSha256Hex(kStripeWebhookSecret, body)}});
  CHECK(tampered.status == 401);
  CHECK(statusOf(payment(server, admin, str(first.at("paymentId")))) == "Completed");

  // The good one.
  auto good = sendWebhook(server, body, kStripeWebhookSecret);
  CHECK_MESSAGE(good.status == 200, good.body);
  CHECK(good.json().at("result") == "charged-back");
  CHECK(statusOf(awaitPayment(server, admin, str(first.at("paymentId")), "ChargedBack")) == "ChargedBack");
  CHECK(statusOf(awaitOrder(server, buyer, str(first.at("id")), "Cancelled")) == "Cancelled");
  CHECK(seatsAre(server, show.id, "general", {7, 0, 3}));

  // Replayed: the same event id again (even naming another payment) is acknowledged and ignored.
  auto again = sendWebhook(server, body, kStripeWebhookSecret);
  CHECK(again.status == 200);
  CHECK(again.json().at("result") == "duplicate");
  auto replayed = sendWebhook(server, chargebackBody("evt_dispute_1", secondPayment), kStripeWebhookSecret);
  CHECK(replayed.status == 200);
  CHECK(replayed.json().at("result") == "duplicate");
  CHECK(statusOf(payment(server, admin, str(second.at("paymentId")))) == "Completed");
  CHECK(statusOf(order(server, admin, str(second.at("id")))) == "Completed");
  CHECK(seatsAre(server, show.id, "general", {7, 0, 3}));

  // The report counts the chargeback.
  auto report = server.get("/api/v1/payments/report?eventId=" + show.id, TestServer::bearer(admin));
  REQUIRE_MESSAGE(report.status == 200, report.body);
  auto line = report.json().at("items").as_array().at(0);
  CHECK(integer(line.at("chargedBack")) == 2 * kGeneralPrice);
  CHECK(integer(line.at("net")) == 3 * kGeneralPrice);
}
