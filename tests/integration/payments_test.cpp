// Payments over HTTP against the real binary: who sees a payment, who may refund it, webhook
// signatures and replays, the report, validation. The purchase itself comes through the orders
// module's saga; here a payment row is written into payments.db as the processor would leave it.
#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <random>
#include <string>

#include "eventually.hpp"
#include "json_text.hpp"
#include "problem_check.hpp"
#include "sqlite_query.hpp"
#include "test_server.hpp"
#include "token_mint.hpp"

using namespace boxoffice::testing;
using boxoffice::test_support::eventually;

namespace {

// A random version-4 UUID (ids the server validates as UUIDs).
std::string uuid() {
  static std::mt19937_64 random{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx";
  for (auto& c : out) {
    if (c == 'x') c = kHex[random() % 16];
  }
  return out;
}

constexpr const char* kStripeSecret = "whsec_integration_test_secret";

TestServer::Options withSecret() {
  TestServer::Options options;
  options.env.emplace_back("BOXOFFICE_PAYMENTS_WEBHOOK_SECRETS_STRIPE", kStripeSecret);
  return options;
}

std::string sign(const std::string& secret, const std::string& body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

// A Completed card payment of 5000 EUR for two "general" seats, as the processor leaves it.
std::string insertPayment(TestServer& server, const std::string& userId, const std::string& eventId) {
  std::string id = uuid();
  execDb(server.dataDir() / "payments.db",
         "INSERT INTO payments (payment_id, order_id, user_id, event_id, items, amount, currency, status, "
         "payment_method_type, gateway, gateway_transaction_id, processed_at, card_brand, card_last4, created_at, "
         "updated_at) VALUES ('" +
             id + "', 'order-" + id + "', '" + userId + "', '" + eventId +
             "', '[{\"categoryId\":\"general\",\"ticketCount\":2,\"unitPrice\":{\"amount\":2500,\"currency\":\"EUR\"},"
             "\"amount\":{\"amount\":5000,\"currency\":\"EUR\"}}]', 5000, 'EUR', 'Completed', 'CreditCard', 'stripe', "
             "'ch_test', 1700000000000, 'Visa', '4242', 1700000000000, 1700000000000)");
  // What the simulated gateway knows about that charge, so a refund of it succeeds.
  execDb(server.dataDir() / "payments.db",
         "INSERT INTO simulated_gateway_ledger (gateway, idempotency_key, kind, amount, currency, status, "
         "transaction_id, created_at) VALUES ('stripe', '" +
             id + "', 'charge', 5000, 'EUR', 'Succeeded', 'ch_test', 1700000000000)");
  return id;
}

}  // namespace

TEST_CASE("a payment is visible to its payer and an Admin, and 404 to another user") {
  TestServer server;
  auto buyer = mintToken("User");
  auto other = mintToken("User");
  auto admin = mintToken("Admin");
  auto id = insertPayment(server, buyer.userId, uuid());
  auto own = server.get("/api/v1/payments/" + id, TestServer::bearer(buyer.token));
  REQUIRE_MESSAGE(own.status == 200, own.body);
  CHECK(str(own.json().at("status")) == "Completed");
  CHECK(own.json().at("card").at("last4") == "4242");
  CHECK(server.get("/api/v1/payments/" + id, TestServer::bearer(admin.token)).status == 200);
  checkProblem(server.get("/api/v1/payments/" + id, TestServer::bearer(other.token)), 404, "not-found");
  checkProblem(server.get("/api/v1/payments/not-a-uuid", TestServer::bearer(buyer.token)), 404, "not-found");
  checkProblem(server.get("/api/v1/payments/" + id), 401);

  auto mine = server.get("/api/v1/payments", TestServer::bearer(buyer.token));
  REQUIRE(mine.status == 200);
  CHECK(mine.json().at("totalItems") == 1);
  auto theirs = server.get("/api/v1/payments", TestServer::bearer(other.token));
  CHECK(theirs.json().at("totalItems") == 0);
  auto everything = server.get("/api/v1/payments?orderId=order-x", TestServer::bearer(admin.token));
  checkProblem(everything, 400, "validation");
  checkProblem(server.get("/api/v1/payments?size=1000", TestServer::bearer(buyer.token)), 400, "validation");
}

TEST_CASE("refunds: Admin only, Idempotency-Key required, never more than captured, replayed by key") {
  TestServer server;
  auto buyer = mintToken("User");
  auto organizer = mintToken("Organizer");
  auto admin = mintToken("Admin");
  auto id = insertPayment(server, buyer.userId, uuid());
  auto url = "/api/v1/payments/" + id + "/refunds";
  auto with = [](const MintedToken& who, const std::string& key) {
    auto headers = TestServer::bearer(who.token);
    if (!key.empty()) headers.emplace_back("Idempotency-Key", key);
    return headers;
  };
  checkProblem(server.post(url, R"({"reason":"x"})", with(buyer, "k1")), 403, "forbidden");
  checkProblem(server.post(url, R"({"reason":"x"})", with(organizer, "k1")), 403, "forbidden");
  checkProblem(server.post(url, R"({"reason":"x"})", with(admin, "")), 400, "validation");
  checkProblem(server.post(url, R"({"amount":-5})", with(admin, "k2")), 400, "validation");
  checkProblem(server.post(url, R"({"amount":5001,"reason":"too much"})", with(admin, "k3")), 409,
               "refund-exceeds-captured");
  checkProblem(
      server.post(url, R"({"reason":"x","seats":[{"categoryId":"general","ticketCount":3}]})", with(admin, "k4")), 409,
      "refund-exceeds-seats");
  checkProblem(server.post("/api/v1/payments/" + uuid() + "/refunds", R"({"reason":"x"})", with(admin, "k5")), 404,
               "not-found");
  auto partial = server.post(url, R"({"reason":"one seat","seats":[{"categoryId":"general","ticketCount":1}]})",
                             with(admin, "k6"));
  REQUIRE_MESSAGE(partial.status == 202, partial.body);
  CHECK(partial.json().at("amount").at("amount") == 2500);
  auto again = server.post(url, R"({"reason":"one seat","seats":[{"categoryId":"general","ticketCount":1}]})",
                           with(admin, "k6"));
  CHECK(again.status == 202);
  CHECK(again.body == partial.body);
  CHECK(again.header("idempotent-replayed") == "true");
  // 2500 is being refunded: 2501 more is too much.
  checkProblem(server.post(url, R"({"amount":2501,"reason":"x"})", with(admin, "k7")), 409, "refund-exceeds-captured");
  // The processor makes the refund at the gateway and publishes PaymentRefunded with the seat.
  CHECK(eventually([&] {
    auto payment = server.get("/api/v1/payments/" + id, TestServer::bearer(buyer.token));
    return str(payment.json().at("status")) == "PartiallyRefunded";
  }));
  auto refunded =
      queryDb(server.dataDir() / "payments.db", "SELECT payload FROM outbox WHERE type = 'PaymentRefunded'");
  REQUIRE(refunded.size() == 1);
  auto payload = boost::json::parse(*refunded[0][0]);
  CHECK(payload.at("seats").at(0).at("ticketCount") == 1);
  CHECK(payload.at("full") == false);
}

TEST_CASE("webhooks: a bad or missing signature is 401, a good chargeback marks the payment, a replay is ignored") {
  TestServer server(withSecret());
  auto buyer = mintToken("User");
  auto id = insertPayment(server, buyer.userId, uuid());
  execDb(server.dataDir() / "payments.db",
         "UPDATE payments SET correlation_id = 'corr-of-the-order' WHERE payment_id = '" + id + "'");
  std::string body = R"({"id":"evt_1","type":"chargeback","paymentId":")" + id + R"(","reason":"fraudulent"})";
  const std::string url = "/api/v1/payments/webhooks/stripe";
  checkProblem(server.post(url, body), 401, "invalid-webhook-signature");
  checkProblem(server.post(url, body, {{"X-Boxoffice-Signature", sign("wrong secret", body)}}), 401,
               "invalid-webhook-signature");
  checkProblem(
      server.post("/api/v1/payments/webhooks/acme", body, {{"X-Boxoffice-Signature", sign(kStripeSecret, body)}}), 404,
      "not-found");
  auto good = server.post(url, body, {{"X-Boxoffice-Signature", sign(kStripeSecret, body)}});
  REQUIRE_MESSAGE(good.status == 200, good.body);
  CHECK(str(good.json().at("result")) == "charged-back");
  auto replay = server.post(url, body, {{"X-Boxoffice-Signature", sign(kStripeSecret, body)}});
  CHECK(replay.status == 200);
  CHECK(str(replay.json().at("result")) == "duplicate");
  auto payment = server.get("/api/v1/payments/" + id, TestServer::bearer(buyer.token));
  CHECK(str(payment.json().at("status")) == "ChargedBack");
  // The order's correlation id, not the webhook request's.
  auto messages = queryDb(server.dataDir() / "payments.db",
                          "SELECT correlation_id, causation_id FROM outbox WHERE type = 'PaymentChargedBack'");
  REQUIRE(messages.size() == 1);
  CHECK(messages[0][0] == "corr-of-the-order");
  CHECK_FALSE(messages[0][1].value_or("").empty());  // the webhook request that caused it
}

TEST_CASE("a void's placeholder (no charge was ever made) is neither listed nor shown") {
  TestServer server;
  auto admin = mintToken("Admin");
  auto id = uuid();
  execDb(server.dataDir() / "payments.db",
         "INSERT INTO payments (payment_id, order_id, user_id, event_id, amount, currency, status, "
         "payment_method_type, gateway, created_at, updated_at) VALUES ('" +
             id + "', 'order-" + id + "', '', '', 0, '', 'Failed', 'None', 'none', 1700000000000, 1700000000000)");
  auto list = server.get("/api/v1/payments", TestServer::bearer(admin.token));
  REQUIRE(list.status == 200);
  CHECK(list.body.find(id) == std::string::npos);
  checkProblem(server.get("/api/v1/payments/" + id, TestServer::bearer(admin.token)), 404);
}

TEST_CASE("the report: Admin for all events, an Organizer only with an event of their own") {
  TestServer server;
  auto buyer = mintToken("User");
  auto organizer = mintToken("Organizer");
  auto admin = mintToken("Admin");
  auto eventId = uuid();
  insertPayment(server, buyer.userId, eventId);
  auto report = server.get("/api/v1/payments/report?eventId=" + eventId, TestServer::bearer(admin.token));
  REQUIRE_MESSAGE(report.status == 200, report.body);
  auto line = report.json().at("items").at(0);
  CHECK(line.at("gross") == 5000);
  CHECK(line.at("net") == 5000);
  checkProblem(server.get("/api/v1/payments/report", TestServer::bearer(buyer.token)), 400, "validation");
  checkProblem(server.get("/api/v1/payments/report?eventId=" + eventId, TestServer::bearer(buyer.token)), 403);
  checkProblem(server.get("/api/v1/payments/report?eventId=" + eventId, TestServer::bearer(organizer.token)), 404);
  checkProblem(server.get("/api/v1/payments/report?from=yesterday", TestServer::bearer(admin.token)), 400,
               "validation");
}

TEST_CASE("payments metrics are described") {
  TestServer server;
  auto metrics = server.get("/metrics");
  REQUIRE(metrics.status == 200);
  for (const char* name : {"payments_charges_total", "payments_gateway_latency_seconds", "payments_refunds_total",
                           "payments_chargebacks_total", "payments_fraud_refusals_total",
                           "payments_gateway_calls_in_flight", "payments_refunds_stuck"}) {
    CHECK_MESSAGE(metrics.body.find(std::string("# HELP ") + name) != std::string::npos, name);
  }
}

TEST_CASE("webhooks are rate-limited per client address") {
  auto options = withSecret();
  options.env.emplace_back("BOXOFFICE_PAYMENTS_WEBHOOKS_PER_MINUTE", "2");  // a burst of one
  TestServer server(options);
  std::string body = R"({"id":"evt_rate","type":"ping"})";
  auto first =
      server.post("/api/v1/payments/webhooks/stripe", body, {{"X-Boxoffice-Signature", sign(kStripeSecret, body)}});
  CHECK(first.status == 200);
  auto second =
      server.post("/api/v1/payments/webhooks/stripe", body, {{"X-Boxoffice-Signature", sign(kStripeSecret, body)}});
  checkProblem(second, 429, "rate-limited");
  CHECK(second.header("retry-after") != "");
}
