// The checkout saga over HTTP against the real binary (issue 9): a purchase, a declined card,
// one Idempotency-Key sent twice at once, who may see what, the card-number grep and the
// report. Failure paths after payment (late payments, refunds, cancellations, chargebacks):
// checkout_failure_test.cpp; kill -9 during a rush: checkout_crash_test.cpp.
#include <algorithm>
#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "checkout_helpers.hpp"

using namespace boxoffice::testing;
using namespace boxoffice::testing::checkout;
using namespace boxoffice::test_support;

TEST_CASE("checkout: a purchase ends Completed, the seats sold and the payment captured for the order's total") {
  TestServer server(shopOptions());
  auto show = showOnSale(server, 20);
  auto buyer = mintToken("User");
  auto before = seats(server, show.id, "general");

  auto placed = postOrder(server, buyer.token, orderBody(show.id, {{"general", 2}, {"vip", 1}}, card(kCardOk)));
  REQUIRE_MESSAGE(placed.status == 202, placed.body);
  std::string id = str(placed.json().at("id"));
  CHECK(placed.header("location") == "/api/v1/orders/" + id);
  CHECK(placed.json().at("userId") == buyer.userId.c_str());
  CHECK(placed.json().at("eventId") == show.id.c_str());

  auto done = awaitOrder(server, buyer.token, id, "Completed");
  REQUIRE(statusOf(done) == "Completed");
  CHECK(integer(done.at("total").at("amount")) == 2 * kGeneralPrice + kVipPrice);
  CHECK(done.at("total").at("currency") == "EUR");
  for (const auto& item : done.at("items").as_array()) {
    std::int64_t unit = item.at("categoryId") == "vip" ? kVipPrice : kGeneralPrice;
    CHECK(integer(item.at("unitPrice").at("amount")) == unit);
    CHECK(integer(item.at("amount").at("amount")) == unit * integer(item.at("ticketCount")));
  }
  CHECK(!done.at("reservationIds").as_array().empty());
  CHECK(!str(done.at("correlationId")).empty());
  // Every step left its mark, in order.
  CHECK(historyOf(done) == std::vector<std::string>{"Pending", "Reserved", "Paid", "Completed"});

  CHECK(seatsAre(server, show.id, "general", {before.available - 2, 0, 2}));
  CHECK(seats(server, show.id, "vip").sold == 1);

  auto paid = payment(server, buyer.token, str(done.at("paymentId")));
  CHECK(statusOf(paid) == "Completed");
  CHECK(paid.at("orderId") == id.c_str());
  CHECK(integer(paid.at("amount").at("amount")) == integer(done.at("total").at("amount")));
  CHECK(paid.at("amount").at("currency") == "EUR");
  auto listed = paymentsOf(server, buyer.token, id);
  CHECK(listed.size() == 1);
  // The buyer sees the order in their list; the saga's history is there for an Admin.
  auto mine = server.get("/api/v1/orders?status=Completed", TestServer::bearer(buyer.token));
  REQUIRE(mine.status == 200);
  CHECK(mine.json().at("items").as_array().size() == 1);
  auto saga = server.get("/api/v1/admin/sagas/" + id, TestServer::bearer(mintToken("Admin").token));
  REQUIRE_MESSAGE(saga.status == 200, saga.body);
  CHECK(saga.json().at("state") == "Completed");
}

TEST_CASE("checkout: a declined card fails the order with its reason and puts the seats back on sale") {
  TestServer server(shopOptions());
  auto show = showOnSale(server, 10);
  auto buyer = mintToken("User").token;
  auto before = seats(server, show.id, "general");

  for (const auto& [number, reason] :
       {std::pair{kCardDeclined, "card-declined"}, std::pair{kCardInsufficientFunds, "insufficient-funds"}}) {
    CAPTURE(number);
    std::string id = placeOrder(server, buyer, show.id, {{"general", 3}}, number);
    auto failed = awaitOrder(server, buyer, id, "Failed");
    REQUIRE(statusOf(failed) == "Failed");
    CHECK(boost::json::serialize(failed).find(reason) != std::string::npos);  // the reason is on the order
    CHECK(seatsAre(server, show.id, "general", before));
    // The attempt is recorded, and nothing was captured.
    if (auto* paymentId = failed.if_contains("paymentId"); paymentId && paymentId->is_string()) {
      CHECK(statusOf(payment(server, buyer, str(*paymentId))) == "Failed");
    }
  }
}

TEST_CASE("checkout: an order placed without payment is paid with POST /payments") {
  TestServer server(shopOptions());
  auto show = showOnSale(server, 10);
  auto buyer = mintToken("User").token;
  auto placed = postOrder(
      server, buyer,
      boost::json::serialize(boost::json::object{
          {"eventId", show.id}, {"items", boost::json::array{{{"categoryId", "general"}, {"ticketCount", 2}}}}}));
  REQUIRE_MESSAGE(placed.status == 202, placed.body);
  std::string id = str(placed.json().at("id"));
  auto reserved = awaitOrder(server, buyer, id, "Reserved");
  REQUIRE(statusOf(reserved) == "Reserved");

  auto body = card(kCardOk);
  body["orderId"] = id;
  auto stranger = server.post("/api/v1/payments", boost::json::serialize(body),
                              {{"Authorization", "Bearer " + mintToken("User").token}, {"Idempotency-Key", "pay-1"}});
  CHECK(stranger.status == 404);
  auto paid = server.post("/api/v1/payments", boost::json::serialize(body),
                          {{"Authorization", "Bearer " + buyer}, {"Idempotency-Key", "pay-1"}});
  CHECK_MESSAGE((paid.status == 202 || paid.status == 201), paid.body);
  CHECK(statusOf(awaitOrder(server, buyer, id, "Completed")) == "Completed");
  CHECK(seats(server, show.id, "general").sold == 2);
  CHECK(paymentsOf(server, buyer, id).size() == 1);
}

TEST_CASE("checkout: one Idempotency-Key sent ten times at once makes one order and one payment") {
  TestServer server(shopOptions());
  auto show = showOnSale(server, 50);
  auto buyer = mintToken("User").token;
  std::string body = orderBody(show.id, {{"general", 2}}, card(kCardOk));
  std::mutex mutex;
  std::set<std::string> ids;
  std::vector<int> statuses;
  runConcurrently(10, [&](int) {
    auto r = postOrder(server, buyer, body, "same-key-42");
    std::lock_guard lock(mutex);
    statuses.push_back(r.status);
    if (r.status == 202) ids.insert(str(r.json().at("id")));
  });
  CAPTURE(statuses);
  CHECK(std::count(statuses.begin(), statuses.end(), 202) == 10);
  REQUIRE(ids.size() == 1);
  std::string id = *ids.begin();
  CHECK(statusOf(awaitOrder(server, buyer, id, "Completed")) == "Completed");
  CHECK(ordersOfEvent(server, mintToken("Admin").token, show.id).size() == 1);
  CHECK(paymentsOf(server, buyer, id).size() == 1);
  CHECK(seats(server, show.id, "general").sold == 2);
  // The same key with another body is refused.
  auto reused = postOrder(server, buyer, orderBody(show.id, {{"general", 3}}, card(kCardOk)), "same-key-42");
  checkProblem(reused, 422, "idempotency-key-reused");
  // And without a key there is no order at all.
  auto keyless = server.post("/api/v1/orders", body, TestServer::bearer(buyer));
  CHECK(keyless.status == 400);
}

TEST_CASE("checkout: another user's order and payment are 404, a User on admin routes 403") {
  TestServer server(shopOptions());
  auto show = showOnSale(server, 10);
  auto alice = mintToken("User").token;
  auto mallory = mintToken("User").token;
  std::string id = placeOrder(server, alice, show.id, {{"general", 1}});
  auto done = awaitOrder(server, alice, id, "Completed");
  REQUIRE(statusOf(done) == "Completed");
  std::string paymentId = str(done.at("paymentId"));

  checkProblem(server.get("/api/v1/orders/" + id, TestServer::bearer(mallory)), 404);
  checkProblem(server.get("/api/v1/payments/" + paymentId, TestServer::bearer(mallory)), 404);
  checkProblem(server.post("/api/v1/orders/" + id + "/cancel", "{}", TestServer::bearer(mallory)), 404);
  CHECK(
      server.get("/api/v1/payments?orderId=" + id, TestServer::bearer(mallory)).json().at("items").as_array().empty());
  CHECK(server.get("/api/v1/orders", TestServer::bearer(mallory)).json().at("items").as_array().empty());
  // Without a token: 401.
  CHECK(server.get("/api/v1/orders/" + id).status == 401);

  // A User on the Admin's routes.
  checkProblem(server.get("/api/v1/admin/sagas", TestServer::bearer(alice)), 403);
  checkProblem(server.get("/api/v1/admin/sagas/" + id, TestServer::bearer(alice)), 403);
  auto refund = server.post("/api/v1/payments/" + paymentId + "/refunds", R"({"reason":"because"})",
                            {{"Authorization", "Bearer " + alice}, {"Idempotency-Key", "r-1"}});
  CHECK(refund.status == 403);

  // The event's Organizer sees the order and the payment; an Organizer of another event does not.
  CHECK(server.get("/api/v1/orders/" + id, TestServer::bearer(show.organizerToken)).status == 200);
  CHECK(server.get("/api/v1/payments/" + paymentId, TestServer::bearer(show.organizerToken)).status == 200);
  // ...but does not cancel it (403: the Organizer may know the order exists).
  CHECK(server.post("/api/v1/orders/" + id + "/cancel", "{}", TestServer::bearer(show.organizerToken)).status == 403);
  auto otherOrganizer = mintToken("Organizer").token;
  checkProblem(server.get("/api/v1/orders/" + id, TestServer::bearer(otherOrganizer)), 404);
  checkProblem(server.get("/api/v1/payments/" + paymentId, TestServer::bearer(otherOrganizer)), 404);
  // An Admin sees everything.
  auto admin = mintToken("Admin").token;
  CHECK(server.get("/api/v1/orders/" + id, TestServer::bearer(admin)).status == 200);
  CHECK(server.get("/api/v1/admin/sagas?state=Completed", TestServer::bearer(admin)).status == 200);
}

TEST_CASE("checkout: bad input names the field, and organizers do not buy") {
  TestServer server(shopOptions());
  auto show = showOnSale(server, 10);
  auto buyer = mintToken("User").token;
  auto notLuhn = postOrder(server, buyer, orderBody(show.id, {{"general", 1}}, card("4242424242424241")));
  CHECK(hasProblemField(notLuhn, "payment.card.number"));
  auto noItems = postOrder(server, buyer, orderBody(show.id, {}, card(kCardOk)));
  CHECK(noItems.status == 400);
  auto zero = postOrder(server, buyer, orderBody(show.id, {{"general", 0}}, card(kCardOk)));
  CHECK(zero.status == 400);
  auto badMethod = postOrder(server, buyer, orderBody(show.id, {{"general", 1}}, {{"method", "Cash"}}));
  CHECK(hasProblemField(badMethod, "payment.method"));
  CHECK(postOrder(server, mintToken("Organizer").token, orderBody(show.id, {{"general", 1}}, card(kCardOk))).status ==
        403);
  // An unknown category or too many seats is the saga's answer: the order fails, nothing is held.
  auto tooMany = postOrder(server, buyer, orderBody(show.id, {{"general", 11}}, card(kCardOk)));
  if (tooMany.status == 202) {
    auto failed = awaitOrder(server, buyer, str(tooMany.json().at("id")), "Failed");
    CHECK(statusOf(failed) == "Failed");
  } else {
    CHECK(tooMany.status == 400);
  }
  CHECK(seatsAre(server, show.id, "general", {10, 0, 0}));
}

TEST_CASE("checkout: a multi-item order is all or nothing") {
  TestServer server(shopOptions());
  auto show = showOnSale(server, 10, 2);
  auto buyer = mintToken("User").token;
  std::string id = placeOrder(server, buyer, show.id, {{"general", 3}, {"vip", 3}});  // only 2 vip seats
  auto failed = awaitOrder(server, buyer, id, "Failed");
  CHECK(statusOf(failed) == "Failed");
  CHECK(seatsAre(server, show.id, "general", {10, 0, 0}));
  CHECK(seatsAre(server, show.id, "vip", {2, 0, 0}));
  CHECK(paymentsOf(server, buyer, id).empty());  // never charged
}

namespace {

// Every byte of every file under `dir` (the SQLite files, their -wal and -shm, anything else).
std::vector<std::pair<std::string, std::string>> filesUnder(const std::filesystem::path& dir) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    out.emplace_back(entry.path().string(),
                     std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
  }
  return out;
}

// The forms a card number could be written in: as typed, digits only, grouped by four.
std::vector<std::string> cardForms(const std::string& digits) {
  return {digits, digits.substr(0, 4) + " " + digits.substr(4, 4) + " " + digits.substr(8, 4) + " " + digits.substr(12),
          digits.substr(0, 4) + "-" + digits.substr(4, 4) + "-" + digits.substr(8, 4) + "-" + digits.substr(12)};
}

// A three-digit CVC occurs by chance in any file full of UUIDs and timestamps, so it is looked
// for where a leak would put it: next to a "cvc"/"cvv" key, or as a JSON string of its own.
bool leaksCvc(const std::string& text, const std::string& cvc) {
  static const std::regex keyed("(cvc|cvv|csc|securityCode)[^0-9a-zA-Z]{0,12}([0-9]{3,4})", std::regex::icase);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), keyed); it != std::sregex_iterator(); ++it) {
    if ((*it)[2] == cvc) return true;
  }
  return text.find('"' + cvc + '"') != std::string::npos;
}

void checkNoCardData(const std::string& where, const std::string& text, const std::vector<std::string>& numbers,
                     const std::vector<std::string>& cvcs) {
  CAPTURE(where);
  for (const auto& number : numbers) {
    for (const auto& form : cardForms(number)) CHECK_MESSAGE(text.find(form) == std::string::npos, form);
  }
  for (const auto& cvc : cvcs) CHECK_MESSAGE(!leaksCvc(text, cvc), "CVC " << cvc);
}

}  // namespace

TEST_CASE("checkout: no card number or CVC in any log line or data file (PCI)") {
  TestServer::Options options = shopOptions();
  options.env.emplace_back("BOXOFFICE_LOG_LEVEL", "debug");  // the most a server ever writes
  TestServer server(options);
  auto show = showOnSale(server, 20);
  auto buyer = mintToken("User").token;
  const std::vector<std::string> numbers{kCardOk, kCardDeclined, kCardInsufficientFunds};
  const std::vector<std::string> cvcs{"739", "581"};

  // Paid, declined, insufficient funds; the number typed with spaces once; a refund on top.
  auto first = postOrder(server, buyer, orderBody(show.id, {{"general", 2}}, card(kCardOk, "739")));
  REQUIRE(first.status == 202);
  std::string paidId = str(first.json().at("id"));
  auto declined = postOrder(server, buyer, orderBody(show.id, {{"general", 1}}, card(kCardDeclined, "739")));
  auto poor = postOrder(server, buyer, orderBody(show.id, {{"general", 1}}, card(kCardInsufficientFunds, "739")));
  auto spaced = postOrder(server, buyer, orderBody(show.id, {{"vip", 1}}, card("4242 4242 4242 4242", cvcs[1])));
  REQUIRE(declined.status == 202);
  REQUIRE(poor.status == 202);
  REQUIRE(spaced.status == 202);
  // A card refused before any gateway (bad Luhn) must not leak either.
  auto refused = postOrder(server, buyer, orderBody(show.id, {{"general", 1}}, card("4242424242424241", "739")));
  CHECK(refused.status == 400);
  auto paid = awaitOrder(server, buyer, paidId, "Completed");
  REQUIRE(statusOf(paid) == "Completed");
  for (const auto& r : {declined, poor}) CHECK(statusOf(awaitOrder(server, buyer, str(r.json().at("id")))) == "Failed");
  CHECK(statusOf(awaitOrder(server, buyer, str(spaced.json().at("id")))) == "Completed");
  auto refund = server.post("/api/v1/payments/" + str(paid.at("paymentId")) + "/refunds", R"({"reason":"test"})",
                            {{"Authorization", "Bearer " + mintToken("Admin").token}, {"Idempotency-Key", "pci-r"}});
  CHECK_MESSAGE(refund.status == 202, refund.body);

  std::vector<std::string> allNumbers = numbers;
  allNumbers.emplace_back("4242424242424241");
  // The detector itself finds what it looks for.
  CHECK(leaksCvc(R"({"cvc":"739"})", "739"));
  CHECK(leaksCvc("cvv=581 ", "581"));
  // While it runs (the -wal files hold the latest writes) and after a clean stop.
  checkNoCardData("server log (running)", server.logs(), allNumbers, cvcs);
  for (const auto& [file, bytes] : filesUnder(server.dataDir())) checkNoCardData(file, bytes, allNumbers, cvcs);
  REQUIRE(server.terminate() == 0);
  checkNoCardData("server log", server.logs(), allNumbers, cvcs);
  for (const auto& [file, bytes] : filesUnder(server.dataDir())) checkNoCardData(file, bytes, allNumbers, cvcs);
}

TEST_CASE("checkout: the payments report reconciles with the orders") {
  TestServer server(shopOptions());
  auto show = showOnSale(server, 30);
  auto admin = mintToken("Admin").token;
  std::vector<std::string> ids;
  for (const auto& [items, number] : std::vector<std::pair<Items, std::string>>{{{{"general", 2}}, kCardOk},
                                                                                {{{"vip", 1}}, kCardOk},
                                                                                {{{"general", 1}, {"vip", 2}}, kCardOk},
                                                                                {{{"general", 4}}, kCardDeclined}}) {
    ids.push_back(placeOrder(server, mintToken("User").token, show.id, items, number));
  }
  std::int64_t gross = 0;
  std::string partiallyRefunded;
  for (const auto& id : ids) {
    auto done = awaitOrder(server, admin, id);
    if (statusOf(done) != "Completed") continue;
    gross += integer(done.at("total").at("amount"));
    if (partiallyRefunded.empty()) partiallyRefunded = str(done.at("paymentId"));
  }
  CHECK(gross == 2 * kGeneralPrice + kVipPrice + kGeneralPrice + 2 * kVipPrice);
  // One partial refund: it stays in gross and shows as refunded.
  auto refund =
      server.post("/api/v1/payments/" + partiallyRefunded + "/refunds", R"({"amount":1000,"reason":"goodwill"})",
                  {{"Authorization", "Bearer " + admin}, {"Idempotency-Key", "report-r1"}});
  REQUIRE_MESSAGE(refund.status == 202, refund.body);
  awaitPayment(server, admin, partiallyRefunded, "PartiallyRefunded");

  auto check = [&](const std::string& token) {
    auto r = server.get("/api/v1/payments/report?eventId=" + show.id, TestServer::bearer(token));
    REQUIRE_MESSAGE(r.status == 200, r.body);
    auto body = r.json();
    CAPTURE(r.body);
    // One line per event and currency.
    const auto& lines = body.at("items").as_array();
    REQUIRE(lines.size() == 1);
    const auto& line = lines[0];
    CHECK(line.at("eventId") == show.id.c_str());
    CHECK(line.at("currency") == "EUR");
    CHECK(integer(line.at("gross")) == gross);
    CHECK(integer(line.at("refunded")) == 1000);
    CHECK(integer(line.at("chargedBack")) == 0);
    CHECK(integer(line.at("net")) == gross - 1000);
  };
  check(admin);
  check(show.organizerToken);
  CHECK(server.get("/api/v1/payments/report?eventId=" + show.id, TestServer::bearer(mintToken("Organizer").token))
                .status /
            100 ==
        4);
  CHECK(server.get("/api/v1/payments/report?eventId=" + show.id, TestServer::bearer(mintToken("User").token)).status ==
        403);
}
