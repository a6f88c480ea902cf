// Events served from memory (modules/events/document_cache.hpp) against the real binary: the
// same bytes and ETag as from the store, 304 to If-None-Match, Drafts never shared, and no
// stale answer after any kind of write (HTTP writes, seats adopted from inventory, the
// completion sweeper), also while other clients keep reading the same event.
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <ctime>
#include <doctest/doctest.h>
#include <string>
#include <thread>
#include <vector>

#include "event_requests.hpp"
#include "eventually.hpp"
#include "json_text.hpp"
#include "sqlite_query.hpp"
#include "test_server.hpp"

using namespace boxoffice::testing;
using namespace boxoffice::test_support;

namespace {

// RFC 3339 (UTC, whole seconds) `offset` from now.
std::string rfc3339FromNow(std::chrono::seconds offset) {
  auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + offset);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

boost::json::object showBody(const std::string& name, const std::string& startsAt = "2030-03-12T19:00:00Z",
                             const std::string& endsAt = "2030-03-12T22:00:00Z") {
  return eventRequestBody({.name = name, .description = "Served from memory.", .startsAt = startsAt, .endsAt = endsAt});
}

// A metric without labels from /metrics, or -1 if absent.
double metricValue(TestServer& server, const std::string& name) {
  auto text = server.get("/metrics").body;
  auto line = text.find("\n" + name + " ");
  if (line == std::string::npos) return -1;
  return std::stod(text.substr(line + name.size() + 2));
}

// The version events.db holds now (what the server committed), or -1.
long long storedVersion(TestServer& server, const std::string& id) {
  auto rows = queryDb(server.dataDir() / "events.db", "SELECT version FROM events WHERE id = '" + id + "'");
  return rows.empty() ? -1 : std::stoll(rows.at(0).at(0).value());
}

}  // namespace

TEST_CASE("events from memory: the same body and ETag on every read, 304 to If-None-Match") {
  TestServer server;
  auto organizer = server.tokenFor("Organizer");
  auto id = createPublished(server, organizer, showBody("Memory Night"));

  auto first = server.get("/api/v1/events/" + id);
  REQUIRE(first.status == 200);
  CHECK(first.header("etag") == "\"2\"");
  CHECK(str(first.json().at("name")) == "Memory Night");
  for (int i = 0; i < 3; ++i) {
    auto again = server.get("/api/v1/events/" + id);
    CHECK(again.status == 200);
    CHECK(again.body == first.body);
    CHECK(again.header("etag") == "\"2\"");
    CHECK(again.header("content-type") == first.header("content-type"));
  }
  // The organizer reads the same public document.
  CHECK(server.get("/api/v1/events/" + id, TestServer::bearer(organizer)).body == first.body);

  auto notModified = server.get("/api/v1/events/" + id, {{"If-None-Match", "\"2\""}});
  CHECK(notModified.status == 304);
  CHECK(notModified.body.empty());
  CHECK(notModified.header("etag") == "\"2\"");
  CHECK(server.get("/api/v1/events/" + id, {{"If-None-Match", "\"1\", W/\"2\""}}).status == 304);
  CHECK(server.get("/api/v1/events/" + id, {{"If-None-Match", "\"1\""}}).status == 200);

  // The answers were served from memory: the cache counted hits.
  CHECK(metricValue(server, "events_document_cache_hits_total") >= 5);
}

TEST_CASE("events from memory: every HTTP write is visible on the next GET") {
  TestServer server;
  auto organizer = server.tokenFor("Organizer");
  auto admin = server.tokenFor("Admin");
  auto auth = TestServer::bearer(organizer);
  auto id = createPublished(server, organizer, showBody("Before"));
  REQUIRE(server.get("/api/v1/events/" + id).status == 200);  // now in memory
  REQUIRE(server.get("/api/v1/events/" + id).status == 200);

  auto edited = server.put("/api/v1/events/" + id, json(showBody("After")), with(auth, "If-Match", "\"2\""));
  REQUIRE_MESSAGE(edited.status == 200, edited.body);
  auto afterEdit = server.get("/api/v1/events/" + id);
  CHECK(str(afterEdit.json().at("name")) == "After");
  CHECK(afterEdit.header("etag") == "\"3\"");
  CHECK(server.get("/api/v1/events/" + id, {{"If-None-Match", "\"2\""}}).status == 200);

  auto cancelled = server.post("/api/v1/events/" + id + "/cancel", json({{"reason", "Rain"}}), auth);
  REQUIRE_MESSAGE(cancelled.status == 200, cancelled.body);
  auto afterCancel = server.get("/api/v1/events/" + id);
  CHECK(afterCancel.status == 200);  // Cancelled stays readable by id
  CHECK(str(afterCancel.json().at("status")) == "Cancelled");
  CHECK(afterCancel.header("etag") == "\"4\"");

  CHECK(server.del("/api/v1/events/" + id, TestServer::bearer(admin)).status == 204);
  CHECK(server.get("/api/v1/events/" + id).status == 404);
  CHECK(server.get("/api/v1/events/" + id, TestServer::bearer(admin)).status == 404);

  // Publishing: the Draft was 404 to the public, the Published event is there at once.
  auto draft = createEvent(server, organizer, showBody("Unveiled"));
  CHECK(server.get("/api/v1/events/" + draft).status == 404);
  REQUIRE(server.post("/api/v1/events/" + draft + "/publish", "", auth).status == 200);
  auto unveiled = server.get("/api/v1/events/" + draft);
  CHECK(unveiled.status == 200);
  CHECK(str(unveiled.json().at("status")) == "Published");
}

TEST_CASE("events from memory: a Draft is never served to the public or another organizer") {
  TestServer server;
  auto organizer = server.tokenFor("Organizer");
  auto other = server.tokenFor("Organizer");
  auto admin = server.tokenFor("Admin");
  auto draft = createEvent(server, organizer, showBody("Secret Draft"));
  for (int i = 0; i < 3; ++i) {  // the organizer and an Admin reading it must not make it public
    CHECK(server.get("/api/v1/events/" + draft, TestServer::bearer(organizer)).status == 200);
    CHECK(server.get("/api/v1/events/" + draft, TestServer::bearer(admin)).status == 200);
    CHECK(server.get("/api/v1/events/" + draft).status == 404);
    CHECK(server.get("/api/v1/events/" + draft, TestServer::bearer(other)).status == 404);
    CHECK(server.get("/api/v1/events/" + draft, {{"If-None-Match", "*"}}).status == 404);
  }
}

TEST_CASE("events from memory: seats adopted from inventory are visible on the next GET") {
  TestServer server;
  auto organizer = server.tokenFor("Organizer");
  auto id = createPublished(server, organizer, showBody("Growing Show"));
  std::string base = "/api/v1/inventory/" + id;
  REQUIRE(eventually([&] { return server.get(base).status == 200; }));
  REQUIRE(server.get("/api/v1/events/" + id).header("etag") == "\"2\"");  // now in memory

  auto grown = server.put(base + "/capacity", R"({"categoryId":"general","totalSeats":850})",
                          with(TestServer::bearer(organizer), "If-Match", "*"));
  REQUIRE_MESSAGE(grown.status == 200, grown.body);
  // The events module adopts the change from inventory's CapacityChanged message, on its inbox
  // thread. The document is dropped right after that commit (its afterCommit hook), so a read of
  // events.db may see the row a moment before the drop: poll the answer, which the old cached
  // document would keep at version 2 for good were the drop missing.
  REQUIRE(eventually([&] { return storedVersion(server, id) == 3; }));
  REQUIRE(eventually([&] { return server.get("/api/v1/events/" + id).header("etag") == "\"3\""; }));
  auto after = server.get("/api/v1/events/" + id);
  CHECK(after.header("etag") == "\"3\"");
  CHECK(after.json().at("priceCategories").as_array().at(1).at("totalSeats").as_int64() == 850);
}

TEST_CASE("events from memory: the completion sweep is visible on the next GET") {
  TestServer::Options options;
  options.env = {{"BOXOFFICE_EVENTS_COMPLETION_SWEEP_SECONDS", "1"}};
  TestServer server(options);
  auto organizer = server.tokenFor("Organizer");
  auto id = createPublished(
      server, organizer,
      showBody("Short Show", rfc3339FromNow(std::chrono::seconds(4)), rfc3339FromNow(std::chrono::seconds(5))));
  auto before = server.get("/api/v1/events/" + id);
  REQUIRE(before.status == 200);
  REQUIRE(str(before.json().at("status")) == "Published");
  REQUIRE(server.get("/api/v1/events/" + id).body == before.body);  // in memory

  auto statusInStore = [&] {
    auto rows = queryDb(server.dataDir() / "events.db", "SELECT status FROM events WHERE id = '" + id + "'");
    return rows.at(0).at(0).value();
  };
  REQUIRE(eventually([&] { return statusInStore() == "Completed"; }, std::chrono::seconds(20)));
  // As above: the sweeper's commit is visible in events.db a moment before its drop runs.
  REQUIRE(eventually([&] { return server.get("/api/v1/events/" + id).header("etag") == "\"3\""; }));
  auto after = server.get("/api/v1/events/" + id);
  CHECK(after.status == 200);  // Completed stays readable by id
  CHECK(str(after.json().at("status")) == "Completed");
  CHECK(after.header("etag") == "\"3\"");
}

TEST_CASE("events from memory: the first list page shows a newly published event at once, with ETag and 304") {
  TestServer server;
  auto organizer = server.tokenFor("Organizer");
  createPublished(server, organizer, showBody("Bravo", "2030-03-12T19:00:00Z", "2030-03-12T22:00:00Z"));
  auto first = server.get("/api/v1/events");
  REQUIRE(first.status == 200);
  auto etag = first.header("etag");
  REQUIRE(etag.size() == 34);  // a quoted 128-bit hex digest of the body
  CHECK(itemNames(first) == std::vector<std::string>{"Bravo"});
  CHECK(server.get("/api/v1/events?page=1&size=20").body == first.body);
  auto notModified = server.get("/api/v1/events", {{"If-None-Match", etag}});
  CHECK(notModified.status == 304);
  CHECK(notModified.body.empty());
  CHECK(notModified.header("etag") == etag);

  createPublished(server, organizer, showBody("Alpha", "2030-03-11T19:00:00Z", "2030-03-11T22:00:00Z"));
  auto after = server.get("/api/v1/events", {{"If-None-Match", etag}});
  CHECK(after.status == 200);
  CHECK(itemNames(after) == std::vector<std::string>{"Alpha", "Bravo"});
  CHECK(after.json().at("totalItems").as_int64() == 2);
  CHECK(after.header("etag") != etag);
  // Filtered lists carry an ETag too (read from the store each time).
  auto berlin = server.get("/api/v1/events?city=berlin");
  CHECK(itemNames(berlin) == std::vector<std::string>{"Alpha", "Bravo"});
  CHECK(server.get("/api/v1/events?city=berlin", {{"If-None-Match", berlin.header("etag")}}).status == 304);
}

TEST_CASE("events from memory: more events than cache entries still answer correctly") {
  TestServer::Options options;
  options.env = {{"BOXOFFICE_EVENTS_DOCUMENT_CACHE_ENTRIES", "2"}};
  TestServer server(options);
  auto organizer = server.tokenFor("Organizer");
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(createPublished(server, organizer, showBody("Show " + std::to_string(i))));
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 5; ++i) {
      auto r = server.get("/api/v1/events/" + ids[i]);
      REQUIRE(r.status == 200);
      CHECK(str(r.json().at("name")) == "Show " + std::to_string(i));
      CHECK(str(r.json().at("id")) == ids[i]);
    }
  }
  auto entries = metricValue(server, "events_document_cache_entries");
  CHECK(entries >= 1);
  CHECK(entries <= 2);
}

TEST_CASE("events from memory: while others keep reading, each edit is visible once its PUT returned") {
  TestServer server;
  auto organizer = server.tokenFor("Organizer");
  auto auth = TestServer::bearer(organizer);
  auto id = createPublished(server, organizer, showBody("Edit 0"));
  std::atomic<bool> done{false};
  std::atomic<int> readerErrors{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!done.load()) {
        if (server.get("/api/v1/events/" + id).status != 200) ++readerErrors;
      }
    });
  }
  int stale = 0;
  for (int edit = 1; edit <= 30; ++edit) {
    auto put = server.put("/api/v1/events/" + id, json(showBody("Edit " + std::to_string(edit))),
                          with(auth, "If-Match", "\"" + std::to_string(edit + 1) + "\""));
    REQUIRE_MESSAGE(put.status == 200, put.body);
    auto read = server.get("/api/v1/events/" + id);
    if (str(read.json().at("name")) != "Edit " + std::to_string(edit) ||
        read.header("etag") != "\"" + std::to_string(edit + 2) + "\"") {
      ++stale;
    }
  }
  done = true;
  for (auto& t : readers) t.join();
  CHECK(stale == 0);
  CHECK(readerErrors.load() == 0);
}
