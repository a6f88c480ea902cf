// The audit module end to end: every message of a purchase in its story, the hash chain checked
// by `boxoffice audit verify` (and broken by an edited row), the append-only triggers, replay
// (idempotent, and rebuilding a lost read model), validation and who may call the routes.
#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "checkout_helpers.hpp"
#include "sqlite_query.hpp"

using namespace boxoffice::testing;
using namespace boxoffice::testing::checkout;
using namespace std::chrono_literals;

namespace {

const std::string kFrom = "2000-01-01T00:00:00Z";
const std::string kTo = "2100-01-01T00:00:00Z";

std::string replayBody(const std::string& subscriber, const std::vector<std::string>& types = {}) {
  boost::json::object body{{"from", kFrom}, {"to", kTo}, {"subscriber", subscriber}};
  if (!types.empty()) {
    boost::json::array list;
    for (const auto& t : types) list.emplace_back(t);
    body["types"] = std::move(list);
  }
  return boost::json::serialize(body);
}

// A completed purchase; returns its correlation id (the order's messages share it).
std::string buyOne(TestServer& server, const std::string& adminToken) {
  auto show = showOnSale(server, 10);
  auto buyer = mintToken("User");
  auto orderId = placeOrder(server, buyer.token, show.id, {{"general", 1}});
  auto done = awaitOrder(server, buyer.token, orderId, "Completed");
  REQUIRE(statusOf(done) == "Completed");
  std::string correlationId;
  REQUIRE(boxoffice::test_support::eventually([&] {
    auto r = server.get("/api/v1/admin/audit?type=OrderPlaced&size=100", TestServer::bearer(adminToken));
    if (r.status != 200) return false;
    auto document = r.json();  // alive while its items are read
    for (const auto& item : document.at("items").as_array()) {
      if (item.at("payload").as_object().if_contains("orderId") &&
          item.at("payload").at("orderId") == orderId.c_str()) {
        correlationId = str(item.at("correlationId"));
        return true;
      }
    }
    return false;
  }));
  return correlationId;
}

std::vector<std::string> typesOf(const boost::json::array& items) {
  std::vector<std::string> out;
  for (const auto& item : items) out.push_back(str(item.at("type")));
  return out;
}

}  // namespace

TEST_CASE("audit: the story of one purchase holds every message under its correlation id, in order") {
  TestServer server(shopOptions());
  auto admin = server.tokenFor("Admin");
  auto correlationId = buyOne(server, admin);
  const std::vector<std::string> expected{"OrderPlaced",      "HoldSeats",    "SeatsHeld",      "ChargePayment",
                                          "PaymentCompleted", "ConfirmSeats", "SeatsConfirmed", "OrderCompleted"};
  boost::json::array items;
  REQUIRE(boxoffice::test_support::eventually([&] {
    auto r = server.get("/api/v1/admin/audit/story/" + correlationId, TestServer::bearer(admin));
    if (r.status != 200) return false;
    items = r.json().at("items").as_array();
    auto types = typesOf(items);
    for (const auto& t : expected) {
      if (std::find(types.begin(), types.end(), t) == types.end()) return false;
    }
    return true;
  }));
  auto types = typesOf(items);
  CHECK(types.front() == "OrderPlaced");
  std::int64_t previous = 0;
  for (const auto& item : items) {
    CHECK(str(item.at("correlationId")) == correlationId);
    CHECK(integer(item.at("sequence")) > previous);
    previous = integer(item.at("sequence"));
    CHECK(item.at("payload").is_object());
    CHECK(str(item.at("hash")).size() == 64);
  }
  auto position = [&](const std::string& t) { return std::find(types.begin(), types.end(), t) - types.begin(); };
  CHECK(position("OrderPlaced") < position("OrderCompleted"));

  // The list filters agree with the story.
  auto byCorrelation =
      server.get("/api/v1/admin/audit?correlationId=" + correlationId + "&size=100", TestServer::bearer(admin));
  REQUIRE(byCorrelation.status == 200);
  CHECK(integer(byCorrelation.json().at("totalItems")) >= static_cast<std::int64_t>(expected.size()));
  auto byTopic = server.get("/api/v1/admin/audit?topic=payment-commands&type=ChargePayment", TestServer::bearer(admin));
  REQUIRE(byTopic.status == 200);
  CHECK(integer(byTopic.json().at("totalItems")) == 1);
  auto none = server.get("/api/v1/admin/audit?from=2099-01-01T00:00:00Z", TestServer::bearer(admin));
  REQUIRE(none.status == 200);
  CHECK(integer(none.json().at("totalItems")) == 0);
  checkProblem(server.get("/api/v1/admin/audit/story/no-such-correlation", TestServer::bearer(admin)), 404);
}

TEST_CASE("audit: verify passes an intact chain and names the first edited record, and the table refuses edits") {
  TestServer server(shopOptions());
  auto admin = server.tokenFor("Admin");
  buyOne(server, admin);
  server.terminate();  // no writer while the file is edited
  auto file = server.dataDir() / "audit.db";
  auto rows = queryDb(file, "SELECT COUNT(*) FROM audit_records");
  REQUIRE(std::stoi(*rows.at(0).at(0)) >= 8);

  std::string output;
  CHECK_MESSAGE(server.runCommand({"audit", "verify"}, "", output) == 0, output);
  CHECK(output.find("intact") != std::string::npos);

  // The triggers refuse UPDATE and DELETE.
  CHECK_THROWS(execDb(file, "UPDATE audit_records SET type = 'Forged' WHERE sequence = 3"));
  CHECK_THROWS(execDb(file, "DELETE FROM audit_records WHERE sequence = 3"));

  // Someone with the file drops the trigger and edits a record: verify names it.
  auto messageId = *queryDb(file, "SELECT message_id FROM audit_records WHERE sequence = 3").at(0).at(0);
  // (PostgreSQL names a trigger's table when dropping it; SQLite's DROP TRIGGER has no ON.)
  execDb(file,
         std::string(server.postgres() ? "DROP TRIGGER audit_records_no_update ON audit_records; "
                                       : "DROP TRIGGER audit_records_no_update; ") +
             "UPDATE audit_records SET envelope = replace(envelope, '\"version\"', '\"version\" ') WHERE sequence = 3");
  output.clear();
  CHECK(server.runCommand({"audit", "verify"}, "", output) == 1);
  CHECK_MESSAGE(output.find("record 3 ") != std::string::npos, output);
  CHECK_MESSAGE(output.find(messageId) != std::string::npos, output);
  CHECK_MESSAGE(output.find("content hash mismatch") != std::string::npos, output);
}

TEST_CASE("audit: replay rebuilds a lost read model, and replaying again skips every message") {
  TestServer server(shopOptions());
  auto admin = server.tokenFor("Admin");
  auto show = showOnSale(server, 7, 3);
  REQUIRE(seatsAre(server, show.id, "general", {7, 0, 0}));
  REQUIRE(boxoffice::test_support::eventually([&] {
    auto r = server.get("/api/v1/admin/audit?type=EventPublished", TestServer::bearer(admin));
    return r.status == 200 && integer(r.json().at("totalItems")) == 1;
  }));

  // The inventory module loses its database.
  server.terminate();
  for (const char* suffix : {"", "-wal", "-shm"})
    std::filesystem::remove(server.dataDir() / (std::string("inventory.db") + suffix));
  server.restart();
  CHECK(server.get("/api/v1/inventory/" + show.id).status == 404);

  // The command line queues the events into the inventory's inbox; the running server handles them.
  std::string output;
  REQUIRE_MESSAGE(server.runCommand({"audit", "replay", "--from", kFrom, "--to", kTo, "--type", "EventCreated",
                                     "--type", "EventPublished", "--subscriber", "inventory"},
                                    "", output) == 0,
                  output);
  CHECK_MESSAGE(output.find("matched 2, delivered 2, skipped 0, notSubscribed 0") != std::string::npos, output);
  REQUIRE(boxoffice::test_support::eventually([&] { return server.get("/api/v1/inventory/" + show.id).status == 200; },
                                              10s));
  CHECK(seatsAre(server, show.id, "general", {7, 0, 0}));
  CHECK(seatsAre(server, show.id, "vip", {3, 0, 0}));

  // Again, through the route: the inbox holds both ids.
  auto again = server.post("/api/v1/admin/audit/replay", replayBody("inventory", {"EventCreated", "EventPublished"}),
                           TestServer::bearer(admin));
  REQUIRE_MESSAGE(again.status == 200, again.body);
  auto result = again.json();
  CHECK(str(result.at("subscriber")) == "inventory");
  CHECK(integer(result.at("matched")) == 2);
  CHECK(integer(result.at("delivered")) == 0);
  CHECK(integer(result.at("skipped")) == 2);
  CHECK(integer(result.at("notSubscribed")) == 0);

  // Everything to a subscriber of the command topics only: the events are not its business.
  auto payments = server.post("/api/v1/admin/audit/replay", replayBody("payments"), TestServer::bearer(admin));
  REQUIRE_MESSAGE(payments.status == 200, payments.body);
  CHECK(integer(payments.json().at("delivered")) == 0);
  CHECK(integer(payments.json().at("notSubscribed")) == integer(payments.json().at("matched")));
}

TEST_CASE("audit: bad filters, an unknown subscriber and a range over the replay limit are 400") {
  auto options = shopOptions();
  options.env.emplace_back("BOXOFFICE_AUDIT_REPLAY_MAX_MESSAGES", "1");
  TestServer server(options);
  auto admin = server.tokenFor("Admin");
  auto bearer = TestServer::bearer(admin);
  showOnSale(server, 5);
  REQUIRE(boxoffice::test_support::eventually([&] {
    auto r = server.get("/api/v1/admin/audit", bearer);
    return r.status == 200 && integer(r.json().at("totalItems")) >= 2;
  }));
  auto badFrom = server.get("/api/v1/admin/audit?from=yesterday", bearer);
  checkProblem(badFrom, 400);
  CHECK(hasProblemField(badFrom, "from"));
  auto badSize = server.get("/api/v1/admin/audit?size=101", bearer);
  checkProblem(badSize, 400);
  CHECK(hasProblemField(badSize, "size"));
  auto unknown = server.post("/api/v1/admin/audit/replay", replayBody("nobody"), bearer);
  checkProblem(unknown, 400);
  CHECK(hasProblemField(unknown, "subscriber"));
  auto badRange =
      server.post("/api/v1/admin/audit/replay",
                  R"({"from":"2030-01-01T00:00:00Z","to":"2020-01-01T00:00:00Z","subscriber":"inventory"})", bearer);
  checkProblem(badRange, 400);
  CHECK(hasProblemField(badRange, "to"));
  auto tooMany = server.post("/api/v1/admin/audit/replay", replayBody("inventory"), bearer);
  checkProblem(tooMany, 400);
  CHECK(tooMany.body.find("narrow") != std::string::npos);
  checkProblem(server.post("/api/v1/admin/audit/replay", R"({"from":1})", bearer), 400);
}

TEST_CASE("audit: Users and Organizers are refused every audit route, anonymous callers must sign in") {
  TestServer server;
  for (const char* role : {"User", "Organizer"}) {
    auto token = mintToken(role).token;
    auto bearer = TestServer::bearer(token);
    checkProblem(server.get("/api/v1/admin/audit", bearer), 403);
    checkProblem(server.get("/api/v1/admin/audit/story/abc", bearer), 403);
    checkProblem(server.post("/api/v1/admin/audit/replay", replayBody("inventory"), bearer), 403);
  }
  CHECK(server.get("/api/v1/admin/audit").status == 401);
  CHECK(server.post("/api/v1/admin/audit/replay", replayBody("inventory")).status == 401);
}

TEST_CASE("audit: the audit commands refuse incomplete or misplaced flags with one clear line") {
  std::string output;
  CHECK(runBinary({"audit", "replay", "--from", kFrom, "--to", kTo}, {}, "", output) != 0);
  CHECK_MESSAGE(output.find("--subscriber") != std::string::npos, output);
  output.clear();
  CHECK(runBinary({"migrate", "--data-dir", "/nonexistent-dir", "--subscriber", "inventory"}, {}, "", output) != 0);
  CHECK_MESSAGE(output.find("--subscriber does not apply") != std::string::npos, output);
}
