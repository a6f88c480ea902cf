// The events catalogue over HTTP against the real binary: every route, role and rule of issue 4,
// and the outbox message each change leaves in events.db.
#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <doctest/doctest.h>
#include <string>
#include <thread>
#include <vector>

#include "event_requests.hpp"
#include "eventually.hpp"
#include "json_text.hpp"
#include "problem_check.hpp"
#include "sqlite_query.hpp"
#include "test_server.hpp"

using namespace boxoffice::testing;
using namespace boxoffice::test_support;

namespace {

constexpr const char* kDemoOrganizer = "0d3e0000-0000-4000-8000-000000000001";

boost::json::object eventBody(const std::string& name, const std::string& startsAt = "2030-03-12T19:00:00Z",
                              const std::string& category = "concert", const std::string& city = "Berlin",
                              const std::string& description = "An evening of live music.") {
  // Three hours later, same format: good enough for test dates at whole hours.
  std::string endsAt = startsAt;
  int hour = std::stoi(startsAt.substr(11, 2));
  endsAt.replace(11, 2, (hour + 3 < 10 ? "0" : "") + std::to_string(std::min(hour + 3, 23)));
  if (hour + 3 > 23) endsAt.replace(14, 2, "59");
  return eventRequestBody({.name = name,
                           .description = description,
                           .category = category,
                           .startsAt = startsAt,
                           .endsAt = endsAt,
                           .city = city});
}

std::int64_t total(const HttpResult& r) { return r.json().at("totalItems").as_int64(); }

struct OutboxMessage {
  std::string type;
  std::string correlationId;
  boost::json::object payload;
};

// The messages events.db holds for one event, oldest first.
std::vector<OutboxMessage> outboxFor(TestServer& server, const std::string& eventId) {
  auto rows = queryDb(server.dataDir() / "events.db",
                      "SELECT type, correlation_id, payload FROM outbox WHERE topic = 'events' AND "
                      "json_extract(payload, '$.eventId') = '" +
                          eventId + "' ORDER BY seq");
  std::vector<OutboxMessage> messages;
  for (const auto& row : rows) {
    messages.push_back({row.at(0).value(), row.at(1).value(), boost::json::parse(row.at(2).value()).as_object()});
  }
  return messages;
}

std::vector<std::string> typesOf(const std::vector<OutboxMessage>& messages) {
  std::vector<std::string> types;
  for (const auto& m : messages) types.push_back(m.type);
  return types;
}

}  // namespace

TEST_CASE("an organizer creates, edits, publishes and cancels, every change is in the outbox") {
  TestServer server;
  auto organizer = server.tokenFor("Organizer");
  auto auth = TestServer::bearer(organizer);

  auto created =
      server.post("/api/v1/events", json(eventBody("Nebula Tour")), with(auth, "X-Request-Id", "req-create-1"));
  REQUIRE_MESSAGE(created.status == 201, created.body);
  auto id = str(created.json().at("id"));
  CHECK(created.header("location") == "/api/v1/events/" + id);
  CHECK(created.header("etag") == "\"1\"");
  CHECK(str(created.json().at("status")) == "Draft");
  CHECK(str(created.json().at("organizerId")) == TestServer::userIdOf(organizer));
  CHECK(created.json().at("priceCategories").as_array().size() == 2);

  // A Draft is the owner's: invisible to everyone else.
  CHECK(server.get("/api/v1/events/" + id).status == 404);
  auto own = server.get("/api/v1/events/" + id, auth);
  CHECK(own.status == 200);
  CHECK(own.header("etag") == "\"1\"");

  // PUT needs If-Match; a stale one is refused.
  auto body = eventBody("Nebula Tour 2030");
  CHECK(server.put("/api/v1/events/" + id, json(body), auth).status == 428);
  auto stale = server.put("/api/v1/events/" + id, json(body), with(auth, "If-Match", "\"7\""));
  CHECK(stale.status == 412);
  CHECK(stale.header("etag") == "\"1\"");
  auto edited = server.put("/api/v1/events/" + id, json(body), with(auth, "If-Match", "\"1\""));
  REQUIRE_MESSAGE(edited.status == 200, edited.body);
  CHECK(edited.header("etag") == "\"2\"");
  CHECK(str(edited.json().at("name")) == "Nebula Tour 2030");
  CHECK(server.put("/api/v1/events/" + id, json(body), with(auth, "If-Match", "\"1\"")).status == 412);
  // The kernel's RFC 9110 rules: a weak tag never guards a write; If-None-Match on GET gives 304.
  CHECK(server.put("/api/v1/events/" + id, json(body), with(auth, "If-Match", "W/\"2\"")).status == 412);
  auto unchanged = server.get("/api/v1/events/" + id, with(auth, "If-None-Match", "W/\"2\""));
  CHECK(unchanged.status == 304);
  CHECK(unchanged.header("etag") == "\"2\"");

  auto published = server.post("/api/v1/events/" + id + "/publish", "", auth);
  REQUIRE_MESSAGE(published.status == 200, published.body);
  CHECK(str(published.json().at("status")) == "Published");
  CHECK(server.post("/api/v1/events/" + id + "/publish", "", auth).status == 409);
  auto pub = server.get("/api/v1/events/" + id);
  CHECK(pub.status == 200);
  CHECK(pub.header("etag") == "\"3\"");

  // Moving a Published event is allowed and announced with the old date.
  auto moved = eventBody("Nebula Tour 2030", "2030-03-14T19:00:00Z");
  auto movedR = server.put("/api/v1/events/" + id, json(moved), with(auth, "If-Match", "\"3\""));
  REQUIRE_MESSAGE(movedR.status == 200, movedR.body);
  CHECK(str(movedR.json().at("startsAt")) == "2030-03-14T19:00:00Z");

  auto cancelled = server.post("/api/v1/events/" + id + "/cancel", json({{"reason", "Artist ill"}}), auth);
  REQUIRE_MESSAGE(cancelled.status == 200, cancelled.body);
  CHECK(str(cancelled.json().at("status")) == "Cancelled");
  CHECK(server.post("/api/v1/events/" + id + "/cancel", "", auth).status == 409);
  CHECK(server.put("/api/v1/events/" + id, json(moved), with(auth, "If-Match", "\"5\"")).status == 409);
  CHECK(server.get("/api/v1/events/" + id).status == 200);  // a cancelled event stays readable

  auto messages = outboxFor(server, id);
  CHECK(typesOf(messages) ==
        std::vector<std::string>{"EventCreated", "EventUpdated", "EventPublished", "EventUpdated", "EventCancelled"});
  REQUIRE(messages.size() == 5);
  CHECK(messages[0].correlationId == "req-create-1");  // X-Request-Id flows into the message
  CHECK(str(messages[0].payload.at("status")) == "Draft");
  CHECK(messages[0].payload.at("priceCategories").as_array().size() == 2);
  CHECK(messages[0].payload.at("maxCapacity").as_int64() == 1000);
  CHECK(messages[1].payload.at("changedFields").as_array() == boost::json::array{"name"});
  CHECK(str(messages[3].payload.at("previousStartsAt")) == "2030-03-12T19:00:00Z");
  CHECK(str(messages[3].payload.at("startsAt")) == "2030-03-14T19:00:00Z");
  CHECK(str(messages[4].payload.at("reason")) == "Artist ill");
  for (std::size_t i = 0; i < messages.size(); ++i) CHECK(messages[i].payload.at("version").as_int64() == int(i) + 1);
}

TEST_CASE("roles: who may create, edit, publish, cancel and delete") {
  TestServer server;
  auto owner = server.tokenFor("Organizer");
  auto other = server.tokenFor("Organizer");
  auto admin = server.tokenFor("Admin");
  auto buyer = server.tokenFor("User");

  CHECK(server.post("/api/v1/events", json(eventBody("Nope"))).status == 401);
  CHECK(server.post("/api/v1/events", json(eventBody("Nope")), TestServer::bearer(buyer)).status == 403);

  auto id = createPublished(server, owner, eventBody("Owned Show"));
  auto body = json(eventBody("Hijacked"));
  auto otherAuth = with(TestServer::bearer(other), "If-Match", "\"2\"");
  CHECK(server.put("/api/v1/events/" + id, body, otherAuth).status == 403);
  CHECK(server.post("/api/v1/events/" + id + "/cancel", "", TestServer::bearer(other)).status == 403);
  CHECK(server.put("/api/v1/events/" + id, body, with(TestServer::bearer(buyer), "If-Match", "\"2\"")).status == 403);
  CHECK(server.del("/api/v1/events/" + id, TestServer::bearer(owner)).status == 403);  // delete is Admin only
  CHECK(server.del("/api/v1/events/" + id).status == 401);

  // Another organizer's Draft does not exist for them.
  auto draft = createEvent(server, owner, eventBody("Secret Draft"));
  CHECK(server.get("/api/v1/events/" + draft, TestServer::bearer(other)).status == 404);
  CHECK(server.post("/api/v1/events/" + draft + "/publish", "", TestServer::bearer(other)).status == 404);
  CHECK(server.get("/api/v1/events/" + draft, TestServer::bearer(admin)).status == 200);

  // Admin edits anything and may create for an organizer; an organizer may not.
  auto adminEdit = server.put("/api/v1/events/" + id, json(eventBody("Renamed by Admin")),
                              with(TestServer::bearer(admin), "If-Match", "\"2\""));
  CHECK(adminEdit.status == 200);
  auto forOwner = eventBody("Booked by Admin");
  forOwner["organizerId"] = TestServer::userIdOf(owner);
  auto adminCreate = server.post("/api/v1/events", json(forOwner), TestServer::bearer(admin));
  REQUIRE(adminCreate.status == 201);
  CHECK(str(adminCreate.json().at("organizerId")) == TestServer::userIdOf(owner));
  CHECK(server.post("/api/v1/events", json(forOwner), TestServer::bearer(other)).status == 403);
  auto cancelled = server.post("/api/v1/events/" + id + "/cancel", "", TestServer::bearer(admin));
  CHECK(cancelled.status == 200);
}

TEST_CASE("validation errors name the field") {
  TestServer server;
  auto token = server.tokenFor("Organizer");
  auto auth = TestServer::bearer(token);
  auto body = eventBody("Bad");
  body["priceCategories"].as_array()[1].as_object()["price"].as_object()["amount"] = -5;
  body["timezone"] = "Mars/Olympus";
  body["maxCapacity"] = 0;
  auto r = server.post("/api/v1/events", json(body), auth);
  CHECK(r.status == 400);
  CHECK(r.header("content-type").find("application/problem+json") == 0);
  CHECK(hasProblemField(r, "priceCategories[1].price.amount"));
  CHECK(hasProblemField(r, "timezone"));
  CHECK(hasProblemField(r, "maxCapacity"));

  body = eventBody("Too many seats");
  body["maxCapacity"] = 850;
  CHECK(hasProblemField(server.post("/api/v1/events", json(body), auth), "priceCategories"));
  body = eventBody("Mixed currencies");
  body["priceCategories"].as_array()[1].as_object()["price"].as_object()["currency"] = "USD";
  CHECK(hasProblemField(server.post("/api/v1/events", json(body), auth), "priceCategories[1].price.currency"));
  body = eventBody("Ends first");
  body["endsAt"] = "2030-03-12T18:00:00Z";
  CHECK(hasProblemField(server.post("/api/v1/events", json(body), auth), "endsAt"));
  body = eventBody("Unknown category", "2030-03-12T19:00:00Z", "opera");
  CHECK(hasProblemField(server.post("/api/v1/events", json(body), auth), "category"));
  CHECK(server.post("/api/v1/events", "name=x", with(auth, "Content-Type", "text/plain")).status == 415);
  CHECK(server.post("/api/v1/events", "{not json", auth).status == 400);

  // Publishing needs something to sell.
  body = eventBody("No prices");
  body.erase("priceCategories");
  auto id = createEvent(server, token, body);
  CHECK(server.post("/api/v1/events/" + id + "/publish", "", auth).status == 409);
  CHECK(server.get("/api/v1/events/not-a-uuid").status == 404);
}

TEST_CASE("listing: pagination edges, filters and sorting, Published only") {
  TestServer server;
  auto token = server.tokenFor("Organizer");
  // 23 Published events on consecutive days of 2030, one Draft; categories and cities vary.
  const char* cities[] = {"Berlin", "München", "Hamburg"};
  const char* categories[] = {"concert", "theatre", "sports"};
  for (int i = 0; i < 23; ++i) {
    char date[32];
    std::snprintf(date, sizeof date, "2030-04-%02dT18:00:00Z", i + 1);
    createPublished(server, token,
                    eventBody("Show " + std::string(1, char('A' + (22 - i))), date, categories[i % 3], cities[i % 3]));
  }
  createEvent(server, token, eventBody("Draft Show", "2030-04-02T18:00:00Z"));

  CHECK(hasProblemField(server.get("/api/v1/events?page=0"), "page"));
  CHECK(hasProblemField(server.get("/api/v1/events?size=101"), "size"));
  CHECK(hasProblemField(server.get("/api/v1/events?size=0"), "size"));
  CHECK(hasProblemField(server.get("/api/v1/events?page=x"), "page"));
  auto full = server.get("/api/v1/events?size=100");
  CHECK(total(full) == 23);
  CHECK(full.json().at("items").as_array().size() == 23);

  auto first = server.get("/api/v1/events?size=10");
  CHECK(first.json().at("page").as_int64() == 1);
  CHECK(first.json().at("size").as_int64() == 10);
  CHECK(first.json().at("totalPages").as_int64() == 3);
  CHECK(itemNames(first).front() == "Show W");  // earliest first by default
  auto last = server.get("/api/v1/events?page=3&size=10");
  CHECK(last.json().at("items").as_array().size() == 3);
  auto past = server.get("/api/v1/events?page=4&size=10");
  CHECK(past.status == 200);
  CHECK(past.json().at("items").as_array().empty());
  CHECK(total(past) == 23);
  CHECK(past.json().at("totalPages").as_int64() == 3);

  CHECK(total(server.get("/api/v1/events?category=theatre&size=100")) == 8);
  CHECK(total(server.get("/api/v1/events?category=opera")) == 0);
  CHECK(hasProblemField(server.get("/api/v1/events?category=Not%20A%20Slug"), "category"));

  // Date filters are inclusive; a plain endDate covers its whole day.
  auto ranged = server.get("/api/v1/events?startDate=2030-04-03&endDate=2030-04-05");
  CHECK(itemNames(ranged) == std::vector<std::string>{"Show U", "Show T", "Show S"});
  auto exact = server.get("/api/v1/events?startDate=2030-04-03T18:00:00Z&endDate=2030-04-03T18:00:00Z");
  CHECK(total(exact) == 1);
  CHECK(hasProblemField(server.get("/api/v1/events?startDate=yesterday"), "startDate"));
  CHECK(hasProblemField(server.get("/api/v1/events?endDate=2030-13-01"), "endDate"));
  CHECK(hasProblemField(server.get("/api/v1/events?startDate=2030-05-01&endDate=2030-04-01"), "endDate"));

  CHECK(total(server.get("/api/v1/events?city=hamburg")) == 7);
  CHECK(total(server.get("/api/v1/events?city=M%C3%BCnchen")) == 8);
  CHECK(total(server.get("/api/v1/events?city=Paris")) == 0);
  CHECK(total(server.get("/api/v1/events?city=Berlin&category=concert")) == 8);
  CHECK(total(server.get("/api/v1/events?city=Berlin&category=theatre")) == 0);

  CHECK(itemNames(server.get("/api/v1/events?sort=-startsAt&size=1")) == std::vector<std::string>{"Show A"});
  CHECK(itemNames(server.get("/api/v1/events?sort=name&size=2")) == std::vector<std::string>{"Show A", "Show B"});
  CHECK(itemNames(server.get("/api/v1/events?sort=startsAt&size=1")) == std::vector<std::string>{"Show W"});
  CHECK(hasProblemField(server.get("/api/v1/events?sort=price"), "sort"));
}

TEST_CASE("events by organizer: public sees Published, the organizer and Admins see all") {
  TestServer server;
  auto organizer = server.tokenFor("Organizer");
  auto other = server.tokenFor("Organizer");
  auto admin = server.tokenFor("Admin");
  auto organizerId = TestServer::userIdOf(organizer);
  createPublished(server, organizer, eventBody("Public One"));
  createEvent(server, organizer, eventBody("Private Draft"));
  createPublished(server, other, eventBody("Someone Else's"));

  auto path = "/api/v1/events/organizer/" + organizerId;
  CHECK(itemNames(server.get(path)) == std::vector<std::string>{"Public One"});
  CHECK(total(server.get(path, TestServer::bearer(other))) == 1);
  CHECK(total(server.get(path, TestServer::bearer(organizer))) == 2);
  CHECK(total(server.get(path, TestServer::bearer(admin))) == 2);
  CHECK(hasProblemField(server.get("/api/v1/events/organizer/nobody"), "organizerId"));
  CHECK(hasProblemField(server.get(path + "?size=500"), "size"));
  CHECK(server.get(path, {{"Authorization", "Bearer not-a-token"}}).status == 401);
}

TEST_CASE("search: prefix, diacritics, ranking, validation, Published only") {
  TestServer server;
  auto token = server.tokenFor("Organizer");
  createPublished(server, token, eventBody("Radiohead Tribute Night", "2030-05-01T19:00:00Z"));
  createPublished(server, token,
                  eventBody("Jazz Brunch", "2030-05-02T10:00:00Z", "concert", "Berlin", "Radiohead covers on piano."));
  createPublished(server, token, eventBody("Café Tacvba Unplugged", "2030-05-03T19:00:00Z", "concert", "Köln"));
  createPublished(server, token, eventBody("Derby Day", "2030-05-04T15:00:00Z", "sports", "Zürich"));
  createEvent(server, token, eventBody("Radiohead Draft Night"));

  auto rad = server.get("/api/v1/events/search?q=rad");
  REQUIRE_MESSAGE(rad.status == 200, rad.body);
  // Both match; the one with the term in its name ranks first. The Draft is not found.
  CHECK(itemNames(rad) == std::vector<std::string>{"Radiohead Tribute Night", "Jazz Brunch"});
  CHECK(itemNames(server.get("/api/v1/events/search?q=cafe")) == std::vector<std::string>{"Café Tacvba Unplugged"});
  CHECK(itemNames(server.get("/api/v1/events/search?q=CAF%C3%89")) ==
        std::vector<std::string>{"Café Tacvba Unplugged"});
  CHECK(itemNames(server.get("/api/v1/events/search?q=koln")) == std::vector<std::string>{"Café Tacvba Unplugged"});
  CHECK(itemNames(server.get("/api/v1/events/search?q=zurich")) == std::vector<std::string>{"Derby Day"});
  CHECK(itemNames(server.get("/api/v1/events/search?q=sports")) == std::vector<std::string>{"Derby Day"});
  CHECK(itemNames(server.get("/api/v1/events/search?q=radio%20tribute")) ==
        std::vector<std::string>{"Radiohead Tribute Night"});
  CHECK(total(server.get("/api/v1/events/search?q=columbiahalle")) == 4);  // the venue name

  // A NUL (or any other control character) is a 400 naming q, never a 500 from FTS5.
  for (const char* bad : {"a%00b", "%00", "rad%07", "%7F"}) {
    CAPTURE(bad);
    auto refused = server.get(std::string("/api/v1/events/search?q=") + bad);
    checkProblem(refused, 400);
    CHECK(hasProblemField(refused, "q"));
  }
  CHECK(itemNames(server.get("/api/v1/events/search?q=radio%09tribute")) ==
        std::vector<std::string>{"Radiohead Tribute Night"});  // a tab separates words

  auto paged = server.get("/api/v1/events/search?q=rad&size=1&page=2");
  CHECK(itemNames(paged) == std::vector<std::string>{"Jazz Brunch"});
  CHECK(total(paged) == 2);
  CHECK(server.get("/api/v1/events/search?q=rad&page=3&size=1").json().at("items").as_array().empty());

  CHECK(hasProblemField(server.get("/api/v1/events/search"), "q"));
  CHECK(hasProblemField(server.get("/api/v1/events/search?q="), "q"));
  CHECK(hasProblemField(server.get("/api/v1/events/search?q=%20%20"), "q"));
  CHECK(hasProblemField(server.get("/api/v1/events/search?q=" + std::string(201, 'a')), "q"));
  CHECK(server.get("/api/v1/events/search?q=" + std::string(200, 'a')).status == 200);
  CHECK(hasProblemField(server.get("/api/v1/events/search?q=rad&size=101"), "size"));
  // FTS5 syntax in the query is just text: no error, no injection.
  for (const char* q : {"rad%22%20OR%20%22x", "NEAR(rad", "name:rad", "-", "%22", "*", "rad%20AND"}) {
    CAPTURE(q);
    auto r = server.get(std::string("/api/v1/events/search?q=") + q);
    CHECK(r.status == 200);
  }
  CHECK(total(server.get("/api/v1/events/search?q=-")) == 0);
}

TEST_CASE("soft delete: Admin only, 204, gone from every public read, twice is 404") {
  TestServer server;
  auto organizer = server.tokenFor("Organizer");
  auto admin = server.tokenFor("Admin");
  auto id = createPublished(server, organizer, eventBody("Vanishing Concert"));
  CHECK(total(server.get("/api/v1/events/search?q=vanishing")) == 1);

  CHECK(server.del("/api/v1/events/" + id, TestServer::bearer(organizer)).status == 403);
  auto deleted = server.del("/api/v1/events/" + id, TestServer::bearer(admin));
  CHECK(deleted.status == 204);
  CHECK(deleted.body.empty());

  CHECK(server.get("/api/v1/events/" + id).status == 404);
  CHECK(server.get("/api/v1/events/" + id, TestServer::bearer(admin)).status == 404);
  CHECK(server.get("/api/v1/concerts/" + id).status == 404);
  CHECK(total(server.get("/api/v1/events")) == 0);
  CHECK(total(server.get("/api/v1/concerts")) == 0);
  CHECK(total(server.get("/api/v1/events/search?q=vanishing")) == 0);
  CHECK(total(server.get("/api/v1/events/organizer/" + TestServer::userIdOf(organizer),
                         TestServer::bearer(organizer))) == 0);
  CHECK(server
            .put("/api/v1/events/" + id, json(eventBody("Back")),
                 with(TestServer::bearer(organizer), "If-Match", "\"3\""))
            .status == 404);
  CHECK(server.del("/api/v1/events/" + id, TestServer::bearer(admin)).status == 404);

  auto messages = outboxFor(server, id);
  REQUIRE(!messages.empty());
  CHECK(messages.back().type == "EventDeleted");
  CHECK(messages.back().payload.contains("deletedAt"));
  // The row is kept, marked inactive (seed 000: IsActive).
  auto rows = queryDb(server.dataDir() / "events.db", "SELECT is_active FROM events WHERE id = '" + id + "'");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].at(0) == "0");
}

TEST_CASE("concurrent updates with the same ETag: exactly one wins") {
  TestServer server;
  auto token = server.tokenFor("Organizer");
  auto id = createEvent(server, token, eventBody("Contested"));
  std::atomic<int> ok{0}, stale{0}, other{0};
  runConcurrently(8, [&](int i) {
    auto r = server.put("/api/v1/events/" + id, json(eventBody("Edit " + std::to_string(i))),
                        with(TestServer::bearer(token), "If-Match", "\"1\""));
    (r.status == 200 ? ok : r.status == 412 ? stale : other)++;
  });
  CHECK(ok == 1);
  CHECK(stale == 7);
  CHECK(other == 0);
  CHECK(server.get("/api/v1/events/" + id, TestServer::bearer(token)).header("etag") == "\"2\"");
  CHECK(typesOf(outboxFor(server, id)) == std::vector<std::string>{"EventCreated", "EventUpdated"});
}

TEST_CASE("a Published event's price categories never drop below what inventory holds") {
  TestServer server;
  auto organizer = server.tokenFor("Organizer");
  auto buyer = server.tokenFor("User");
  auto id = createPublished(server, organizer, eventBody("Selling Show"));

  // Inventory builds the event from the messages; wait until it can sell.
  HttpResult reserve;
  eventually([&] {
    reserve = server.post("/api/v1/inventory/" + id + "/reserve", json({{"categoryId", "general"}, {"ticketCount", 5}}),
                          TestServer::bearer(buyer));
    return reserve.status == 201 || reserve.status == 200;
  });
  REQUIRE_MESSAGE((reserve.status == 201 || reserve.status == 200), reserve.body);

  auto auth = TestServer::bearer(organizer);
  auto body = eventBody("Selling Show");
  body["priceCategories"].as_array()[1].as_object()["totalSeats"] = 4;  // 5 are held
  auto refused = server.put("/api/v1/events/" + id, json(body), with(auth, "If-Match", "\"2\""));
  CHECK(refused.status == 409);
  CHECK(str(refused.json().at("type")).find("price-category-in-use") != std::string::npos);
  body["priceCategories"].as_array()[1].as_object()["totalSeats"] = 5;
  CHECK(server.put("/api/v1/events/" + id, json(body), with(auth, "If-Match", "\"2\"")).status == 200);
  // Dropping the category with held seats is refused; dropping the untouched one is fine.
  auto withoutGeneral = eventBody("Selling Show");
  withoutGeneral["priceCategories"].as_array().erase(withoutGeneral["priceCategories"].as_array().begin() + 1);
  CHECK(server.put("/api/v1/events/" + id, json(withoutGeneral), with(auth, "If-Match", "\"3\"")).status == 409);
  auto withoutVip = body;
  withoutVip["priceCategories"].as_array().erase(withoutVip["priceCategories"].as_array().begin());
  CHECK(server.put("/api/v1/events/" + id, json(withoutVip), with(auth, "If-Match", "\"3\"")).status == 200);
  // Growing needs no check at all.
  withoutVip["priceCategories"].as_array()[0].as_object()["totalSeats"] = 900;
  CHECK(server.put("/api/v1/events/" + id, json(withoutVip), with(auth, "If-Match", "\"4\"")).status == 200);
}

TEST_CASE("categories: public list, Admin adds") {
  TestServer server;
  auto organizer = server.tokenFor("Organizer");
  auto admin = server.tokenFor("Admin");
  auto list = server.get("/api/v1/events/categories");
  REQUIRE(list.status == 200);
  std::vector<std::string> slugs;
  auto listed = list.json();
  for (const auto& c : listed.at("items").as_array()) slugs.push_back(str(c.at("slug")));
  CHECK(slugs == std::vector<std::string>{"comedy", "concert", "conference", "festival", "other", "sports", "theatre"});

  auto opera = json({{"slug", "opera"}, {"name", "Opera"}});
  CHECK(server.post("/api/v1/events/categories", opera).status == 401);
  CHECK(server.post("/api/v1/events/categories", opera, TestServer::bearer(organizer)).status == 403);
  CHECK(server.post("/api/v1/events/categories", opera, TestServer::bearer(admin)).status == 201);
  CHECK(server.post("/api/v1/events/categories", opera, TestServer::bearer(admin)).status == 409);
  CHECK(hasProblemField(
      server.post("/api/v1/events/categories", json({{"slug", "Bad Slug"}, {"name", "x"}}), TestServer::bearer(admin)),
      "slug"));
  CHECK(total(server.get("/api/v1/events/categories")) == 8);
  auto id = createPublished(server, organizer, eventBody("Tosca", "2030-06-01T18:00:00Z", "opera"));
  CHECK(itemNames(server.get("/api/v1/events?category=opera")) == std::vector<std::string>{"Tosca"});
  (void)id;
}

TEST_CASE("seed 003 concerts: a view over events of category concert") {
  TestServer server;
  auto organizer = server.tokenFor("Organizer");
  auto auth = TestServer::bearer(organizer);
  auto concert = createPublished(server, organizer, eventBody("Symphony Night", "2030-07-01T18:00:00Z"));
  auto play = createPublished(server, organizer, eventBody("Hamlet", "2030-07-02T18:00:00Z", "theatre"));

  auto list = server.get("/api/v1/concerts");
  REQUIRE(list.status == 200);
  CHECK(itemNames(list) == std::vector<std::string>{"Symphony Night"});
  auto item = list.json().at("items").as_array().at(0).as_object();
  CHECK(str(item.at("artist")) == "Symphony Night");
  CHECK(str(item.at("date")) == "2030-07-01T18:00:00Z");
  CHECK(item.at("totalSeats").as_int64() == 900);

  auto one = server.get("/api/v1/concerts/" + concert);
  CHECK(one.status == 200);
  CHECK(one.header("etag") == "\"2\"");
  CHECK(server.get("/api/v1/concerts/" + play).status == 404);
  CHECK(hasProblemField(server.get("/api/v1/concerts?page=0"), "page"));

  // availableSeats appears once inventory has built the event from the messages.
  HttpResult withSeats;
  CHECK(eventually([&] {
    withSeats = server.get("/api/v1/concerts/" + concert);
    return withSeats.json().as_object().contains("availableSeats");
  }));
  CHECK(withSeats.json().at("availableSeats").as_int64() == 900);

  auto body = eventBody("New Concert");
  body.erase("category");
  auto created = server.post("/api/v1/concerts", json(body), auth);
  REQUIRE_MESSAGE(created.status == 201, created.body);
  auto id = str(created.json().at("id"));
  CHECK(created.header("location") == "/api/v1/concerts/" + id);
  CHECK(str(created.json().at("category")) == "concert");
  CHECK(str(created.json().at("status")) == "Draft");
  CHECK(server.get("/api/v1/events/" + id, auth).status == 200);  // the same event under /events
  auto theatre = eventBody("Not a concert", "2030-07-01T18:00:00Z", "theatre");
  CHECK(hasProblemField(server.post("/api/v1/concerts", json(theatre), auth), "category"));
  CHECK(server.post("/api/v1/concerts", json(body), TestServer::bearer(server.tokenFor("User"))).status == 403);
}

TEST_CASE("demo catalogue: a dozen Published events, loaded once") {
  TestServer::Options options;
  options.extraArgs = {"--demo"};
  TestServer server(options);
  auto list = server.get("/api/v1/events?size=100");
  REQUIRE(list.status == 200);
  CHECK(total(list) == 12);
  std::vector<std::string> categories, cities;
  auto listed = list.json();
  for (const auto& item : listed.at("items").as_array()) {
    CHECK(str(item.at("status")) == "Published");
    CHECK(str(item.at("organizerId")) == kDemoOrganizer);
    CHECK(!item.at("priceCategories").as_array().empty());
    categories.push_back(str(item.at("category")));
    cities.push_back(str(item.at("venue").at("city")));
  }
  std::sort(categories.begin(), categories.end());
  categories.erase(std::unique(categories.begin(), categories.end()), categories.end());
  std::sort(cities.begin(), cities.end());
  cities.erase(std::unique(cities.begin(), cities.end()), cities.end());
  CHECK(categories.size() == 6);
  CHECK(cities.size() >= 10);
  CHECK(itemNames(server.get("/api/v1/events/search?q=rad")).front() == "Radiohead Tribute Night");
  CHECK(total(server.get("/api/v1/events/organizer/" + std::string(kDemoOrganizer))) == 12);

  server.restart();  // --demo again on the same data: nothing is added twice
  CHECK(total(server.get("/api/v1/events")) == 12);
  auto rows = queryDb(server.dataDir() / "events.db", "SELECT COUNT(*) FROM outbox WHERE topic = 'events'");
  CHECK(rows.at(0).at(0) == "24");
}
