#pragma once
// What the checkout tests (checkout_*_test.cpp) share: an event on sale with two price
// categories, placing an order, waiting for the saga's outcome, and reading availability,
// orders and payments back through the API. Every wait polls the API (eventually.hpp); none
// sleeps to let time pass.
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <doctest/doctest.h>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "eventually.hpp"
#include "http_client.hpp"
#include "json_text.hpp"
#include "problem_check.hpp"
#include "test_server.hpp"
#include "token_mint.hpp"

namespace boxoffice::testing::checkout {

using namespace std::chrono_literals;

// Stripe-like test cards (docs/api/payments.md).
inline const std::string kCardOk = "4242424242424242";
inline const std::string kCardDeclined = "4000000000000002";
inline const std::string kCardInsufficientFunds = "4000000000009995";

// Prices of the two categories every test event has (minor units, EUR).
inline constexpr std::int64_t kGeneralPrice = 2500;
inline constexpr std::int64_t kVipPrice = 9000;

// The webhook secret the test servers are started with for the simulated Stripe gateway.
inline const std::string kStripeWebhookSecret = "whsec-test-stripe-0123456789";

inline std::int64_t integer(const boost::json::value& value) { return value.to_number<std::int64_t>(); }

// Environment for a server that sells without limits getting in the way: the per-buyer limit is
// high, the webhook secret known, gateways answer at once unless a test asks otherwise.
inline std::vector<std::pair<std::string, std::string>> shopEnv(int gatewayLatencyMs = 0) {
  std::vector<std::pair<std::string, std::string>> env{
      {"BOXOFFICE_INVENTORY_MAX_TICKETS_PER_USER", "1000"},
      {"BOXOFFICE_PAYMENTS_WEBHOOK_SECRETS_STRIPE", kStripeWebhookSecret},
      // Tests buy many times with one card in seconds: velocity is not what they are about.
      {"BOXOFFICE_PAYMENTS_FRAUD_THRESHOLD", "100"},
      // Nor is the per-buyer order rate: the crash test's buyers place 25 orders each at once.
      {"BOXOFFICE_ORDERS_PLACE_PER_MINUTE", "1000000"},
      {"BOXOFFICE_ORDERS_PLACE_BURST", "1000000"}};
  for (const char* gateway : {"STRIPE", "PAYPAL", "BANK"}) {
    std::string prefix = std::string("BOXOFFICE_PAYMENTS_") + gateway;
    env.emplace_back(prefix + "_LATENCY_MS", std::to_string(gatewayLatencyMs));
    // A slow gateway must not be cut off by the gateway timeout in the late-payment tests.
    env.emplace_back(prefix + "_TIMEOUT_MS", std::to_string(gatewayLatencyMs + 10000));
  }
  return env;
}

inline TestServer::Options shopOptions(int gatewayLatencyMs = 0) {
  TestServer::Options options;
  options.env = shopEnv(gatewayLatencyMs);
  return options;
}

struct Show {
  std::string id;
  std::string organizerToken;
  std::string organizerId;
};

// Creates and publishes an event with categories "general" (kGeneralPrice) and "vip"
// (kVipPrice), and waits until the inventory module has it on sale.
inline Show showOnSale(TestServer& server, int generalSeats, int vipSeats = 10) {
  auto organizer = mintToken("Organizer");
  boost::json::object body{
      {"name", "Checkout Night"},
      {"description", "A test show"},
      {"category", "concert"},
      {"startsAt", "2031-06-01T19:00:00Z"},
      {"endsAt", "2031-06-01T23:00:00Z"},
      {"timezone", "Europe/Berlin"},
      {"venue", {{"name", "Hall"}, {"address", "1 Main St"}, {"city", "Berlin"}, {"country", "DE"}}},
      {"maxCapacity", generalSeats + vipSeats},
      {"priceCategories", boost::json::array{{{"categoryId", "general"},
                                              {"name", "General"},
                                              {"price", {{"amount", kGeneralPrice}, {"currency", "EUR"}}},
                                              {"totalSeats", generalSeats}},
                                             {{"categoryId", "vip"},
                                              {"name", "VIP"},
                                              {"price", {{"amount", kVipPrice}, {"currency", "EUR"}}},
                                              {"totalSeats", vipSeats}}}}};
  auto created = server.post("/api/v1/events", boost::json::serialize(body), TestServer::bearer(organizer.token));
  REQUIRE_MESSAGE(created.status == 201, created.body);
  std::string id = str(created.json().at("id"));
  auto published = server.post("/api/v1/events/" + id + "/publish", "{}", TestServer::bearer(organizer.token));
  REQUIRE_MESSAGE(published.status == 200, published.body);
  bool onSale = test_support::eventually([&] {
    auto inventory = server.get("/api/v1/inventory/" + id);
    return inventory.status == 200 && inventory.json().at("status") == "Published";
  });
  if (!onSale) FAIL("the inventory never appeared for event " << id);
  return {id, organizer.token, organizer.userId};
}

inline boost::json::object card(const std::string& number, const std::string& cvc = "123") {
  return {
      {"method", "CreditCard"},
      {"card", {{"number", number}, {"expMonth", 12}, {"expYear", 2030}, {"cvc", cvc}, {"holderName", "Ada Buyer"}}}};
}

using Items = std::vector<std::pair<std::string, int>>;  // (categoryId, ticketCount)

inline std::string orderBody(const std::string& eventId, const Items& items, const boost::json::object& payment) {
  boost::json::array lines;
  for (const auto& [category, count] : items) lines.push_back({{"categoryId", category}, {"ticketCount", count}});
  return boost::json::serialize(boost::json::object{{"eventId", eventId}, {"items", lines}, {"payment", payment}});
}

inline std::string newIdempotencyKey() {
  static std::atomic<unsigned> counter{0};
  thread_local std::mt19937_64 random(std::random_device{}());
  return "checkout-" + std::to_string(random()) + "-" + std::to_string(counter++);
}

inline HttpResult postOrder(TestServer& server, const std::string& token, const std::string& body,
                            const std::string& idempotencyKey = newIdempotencyKey()) {
  return server.post("/api/v1/orders", body,
                     {{"Authorization", "Bearer " + token}, {"Idempotency-Key", idempotencyKey}});
}

// Places an order and returns its id; the POST must be accepted (202).
inline std::string placeOrder(TestServer& server, const std::string& token, const std::string& eventId,
                              const Items& items, const std::string& cardNumber = kCardOk) {
  auto r = postOrder(server, token, orderBody(eventId, items, card(cardNumber)));
  REQUIRE_MESSAGE(r.status == 202, r.body);
  return str(r.json().at("id"));
}

inline bool terminal(const std::string& status) {
  return status == "Completed" || status == "Failed" || status == "Cancelled" || status == "Refunded" ||
         status == "PartiallyRefunded";
}

inline boost::json::object order(TestServer& server, const std::string& token, const std::string& orderId) {
  auto r = server.get("/api/v1/orders/" + orderId, TestServer::bearer(token));
  REQUIRE_MESSAGE(r.status == 200, r.body);
  return r.json().as_object();
}

// Polls the order until its status is `wanted` (or, with wanted empty, any terminal status);
// returns the order as last read. A test then CHECKs the status it expects.
inline boost::json::object awaitOrder(TestServer& server, const std::string& token, const std::string& orderId,
                                      const std::string& wanted = {}, std::chrono::milliseconds timeout = 20s) {
  boost::json::object last;
  test_support::eventually(
      [&] {
        last = order(server, token, orderId);
        std::string status = str(last.at("status"));
        return wanted.empty() ? terminal(status) : status == wanted;
      },
      timeout, 50ms);
  return last;
}

inline boost::json::object payment(TestServer& server, const std::string& token, const std::string& paymentId) {
  auto r = server.get("/api/v1/payments/" + paymentId, TestServer::bearer(token));
  REQUIRE_MESSAGE(r.status == 200, r.body);
  return r.json().as_object();
}

inline boost::json::object awaitPayment(TestServer& server, const std::string& token, const std::string& paymentId,
                                        const std::string& wanted, std::chrono::milliseconds timeout = 20s) {
  boost::json::object last;
  test_support::eventually(
      [&] {
        last = payment(server, token, paymentId);
        return last.at("status") == wanted.c_str();
      },
      timeout, 50ms);
  return last;
}

// The payments of an order as the API lists them (GET /payments?orderId=).
inline boost::json::array paymentsOf(TestServer& server, const std::string& token, const std::string& orderId) {
  auto r = server.get("/api/v1/payments?orderId=" + orderId, TestServer::bearer(token));
  REQUIRE_MESSAGE(r.status == 200, r.body);
  return r.json().at("items").as_array();
}

struct Seats {
  std::int64_t available = 0;
  std::int64_t reserved = 0;
  std::int64_t sold = 0;
  bool operator==(const Seats&) const = default;
};

inline std::ostream& operator<<(std::ostream& out, const Seats& s) {
  return out << "{available " << s.available << ", reserved " << s.reserved << ", sold " << s.sold << "}";
}

// One category's counts from the public availability document.
inline Seats seats(TestServer& server, const std::string& eventId, const std::string& categoryId) {
  auto r = server.get("/api/v1/inventory/" + eventId);
  REQUIRE_MESSAGE(r.status == 200, r.body);
  auto document = r.json();  // keep the parsed value alive while reading it
  for (const auto& category : document.at("priceCategories").as_array()) {
    if (category.at("categoryId") != categoryId.c_str()) continue;
    return {integer(category.at("availableSeats")), integer(category.at("reservedSeats")),
            integer(category.at("soldSeats"))};
  }
  FAIL("no category " << categoryId << " in " << r.body);
  return {};
}

inline bool seatsAre(TestServer& server, const std::string& eventId, const std::string& categoryId,
                     const Seats& wanted) {
  return test_support::eventually([&] { return seats(server, eventId, categoryId) == wanted; }, 20s, 50ms);
}

// Every order of an event, all pages, as an Admin sees them.
inline std::vector<boost::json::object> ordersOfEvent(TestServer& server, const std::string& adminToken,
                                                      const std::string& eventId) {
  std::vector<boost::json::object> out;
  for (int page = 1;; ++page) {
    auto r = server.get("/api/v1/orders?eventId=" + eventId + "&size=100&page=" + std::to_string(page),
                        TestServer::bearer(adminToken));
    REQUIRE_MESSAGE(r.status == 200, r.body);
    auto body = r.json().as_object();
    const auto& items = body.at("items").as_array();
    for (const auto& item : items) out.push_back(item.as_object());
    if (items.empty() || integer(body.at("page")) >= integer(body.at("totalPages"))) break;
  }
  return out;
}

// The seats an order bought, per category.
inline std::int64_t ticketsOf(const boost::json::object& order, const std::string& categoryId) {
  std::int64_t count = 0;
  for (const auto& item : order.at("items").as_array()) {
    if (item.at("categoryId") == categoryId.c_str()) count += integer(item.at("ticketCount"));
  }
  return count;
}

inline std::string statusOf(const boost::json::object& object) { return str(object.at("status")); }

// The order's status history as a list of statuses, oldest first.
inline std::vector<std::string> historyOf(const boost::json::object& order) {
  std::vector<std::string> out;
  for (const auto& entry : order.at("statusHistory").as_array()) out.push_back(str(entry.at("status")));
  return out;
}

}  // namespace boxoffice::testing::checkout
