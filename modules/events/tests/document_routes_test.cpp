// GET /api/v1/events/{id} and GET /api/v1/events in process (the real router, handlers, service
// and events.db): what is answered from memory and what goes to a worker, the same body and ETag
// either way, 304, Drafts never shared, and every kind of write visible on the next GET.
#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <map>
#include <optional>
#include <string>

#include "boxoffice/inventory/messages.hpp"
#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/context.hpp"
#include "boxoffice/kernel/metrics.hpp"
#include "boxoffice/kernel/router.hpp"
#include "render.hpp"
#include "routes.hpp"
#include "support.hpp"

using namespace boxoffice;
using namespace boxoffice::events;
using events::testing::validBody;

namespace {

struct Answer {
  int status = 0;
  http::Headers headers;
  std::string body;
  bool offloaded = false;  // the handler handed the work to a worker (read events.db)

  std::string etag() const {
    auto it = headers.find("ETag");
    return it == headers.end() ? "" : it->second;
  }
  boost::json::object json() const { return boost::json::parse(body).as_object(); }
};

struct Fixture {
  explicit Fixture(std::size_t documentEntries = 20000)
      : service(*temp.db, nullptr, temp.log, metrics, clock, 1024, documentEntries),
        routes(service, zones, RouteSettings{}) {
    routes.registerAll(router);
  }

  // What the server answers: the route's handler on a context whose offload records that it
  // was used and runs the work at once (the pipeline would run it on a worker). A Problem
  // thrown on either side becomes its status.
  Answer call(const std::string& path, std::multimap<std::string, std::string> query = {},
              const std::optional<auth::Principal>& caller = std::nullopt, http::Headers headers = {}) {
    auto match = router.match(http::Method::Get, path);
    REQUIRE(match.route != nullptr);
    http::Request request;
    request.method = http::Method::Get;
    request.path = path;
    request.query = std::move(query);
    request.headers = std::move(headers);
    request.pathParams = match.params;
    Answer answer;
    RequestContext ctx{"req", "corr", caller, temp.log, {}};
    ctx.offload = [&](const std::function<void()>& work) {
      answer.offloaded = true;
      work();
    };
    std::optional<http::Response> response;
    try {
      match.route->handler(request, ctx, [&](http::Response r) { response = std::move(r); });
    } catch (const Problem& problem) {
      answer.status = problem.status();
      return answer;
    }
    REQUIRE(response);
    answer.status = response->status;
    answer.headers = response->headers;
    answer.body = response->body;
    return answer;
  }

  Answer getEvent(const std::string& id, const std::optional<auth::Principal>& caller = std::nullopt,
                  http::Headers headers = {}) {
    return call("/api/v1/events/" + id, {}, caller, std::move(headers));
  }

  Actor as(const auth::Principal& p) { return {p, "corr-test"}; }
  EventInput input(boost::json::object body = validBody()) { return parseEventInput(body, zones); }
  Event created(const std::string& name = "Cached Show", const std::string& startsAt = "2030-03-12T19:00:00Z") {
    auto body = validBody();
    body["name"] = name;
    body["startsAt"] = startsAt;
    body["endsAt"] = startsAt.substr(0, 11) + "23:00:00Z";
    return service.create(as(owner), input(body));
  }
  Event published(const std::string& name = "Cached Show", const std::string& startsAt = "2030-03-12T19:00:00Z") {
    return service.publish(as(owner), created(name, startsAt).id, std::nullopt);
  }

  events::testing::TempStore temp;
  Metrics metrics;
  SystemClock clock;
  TimezoneCheck zones;
  EventService service;
  Routes routes;
  Router router;
  auth::Principal owner{"11111111-1111-4111-8111-111111111111", "o@example.test", {auth::Role::Organizer}};
  auth::Principal other{"22222222-2222-4222-8222-222222222222", "x@example.test", {auth::Role::Organizer}};
  auth::Principal admin{"33333333-3333-4333-8333-333333333333", "a@example.test", {auth::Role::Admin}};
};

IfMatch tag(std::int64_t version) { return *IfMatch::parse(etagOf(version)); }

std::vector<std::string> names(const Answer& answer) {
  std::vector<std::string> out;
  auto body = answer.json();  // alive while iterating
  for (const auto& item : body.at("items").as_array()) out.emplace_back(item.at("name").as_string());
  return out;
}

}  // namespace

TEST_CASE("event documents: the first GET reads the store, the next is answered from memory, same bytes") {
  Fixture f;
  auto event = f.published();
  auto first = f.getEvent(event.id);
  REQUIRE(first.status == 200);
  CHECK(first.offloaded);
  CHECK(first.etag() == "\"2\"");
  // Exactly what the route rendered before the cache: eventJson of the stored event.
  CHECK(first.body == boost::json::serialize(eventJson(f.service.get(std::nullopt, event.id))));
  CHECK(first.headers.at("Content-Type").find("application/json") == 0);

  auto second = f.getEvent(event.id);
  CHECK_FALSE(second.offloaded);
  CHECK(second.status == 200);
  CHECK(second.body == first.body);
  CHECK(second.etag() == first.etag());
  CHECK(second.headers.at("Content-Type") == first.headers.at("Content-Type"));
  // The owner and an Admin get the same public document from memory.
  CHECK(f.getEvent(event.id, f.owner).body == first.body);
  CHECK_FALSE(f.getEvent(event.id, f.admin).offloaded);
  CHECK(f.service.documents().hits() >= 3);
}

TEST_CASE("event documents: If-None-Match is answered 304 with the ETag, from memory and from the store") {
  Fixture f;
  auto event = f.published();
  auto fromStore = f.getEvent(event.id, std::nullopt, {{"If-None-Match", "\"2\""}});
  CHECK(fromStore.offloaded);
  CHECK(fromStore.status == 304);
  CHECK(fromStore.etag() == "\"2\"");
  CHECK(fromStore.body.empty());
  auto fromMemory = f.getEvent(event.id, std::nullopt, {{"If-None-Match", "W/\"2\""}});
  CHECK_FALSE(fromMemory.offloaded);
  CHECK(fromMemory.status == 304);
  CHECK(fromMemory.etag() == "\"2\"");
  CHECK(fromMemory.body.empty());
  auto older = f.getEvent(event.id, std::nullopt, {{"If-None-Match", "\"1\""}});
  CHECK(older.status == 200);
  CHECK_FALSE(older.body.empty());
}

TEST_CASE("event documents: a Draft is never kept, and stays 404 for anyone but its organizer and Admins") {
  Fixture f;
  auto draft = f.created("Secret Draft");
  for (int i = 0; i < 3; ++i) {
    auto own = f.getEvent(draft.id, f.owner);
    CHECK(own.status == 200);
    CHECK(own.offloaded);  // read from the store every time
    CHECK(f.getEvent(draft.id, f.admin).status == 200);
    auto anonymous = f.getEvent(draft.id);
    CHECK(anonymous.status == 404);
    CHECK(anonymous.offloaded);
    CHECK(f.getEvent(draft.id, f.other).status == 404);
  }
  CHECK(f.service.documents().eventEntries() == 0);
  CHECK(f.getEvent("not-a-uuid").status == 404);
  CHECK_FALSE(f.getEvent("not-a-uuid").offloaded);  // refused on the io thread
  CHECK(f.getEvent("44444444-4444-4444-8444-444444444444").status == 404);
}

TEST_CASE("event documents: every kind of write is visible on the next GET") {
  Fixture f;
  auto event = f.published();
  auto warm = [&](const std::string& id) {
    f.getEvent(id);
    auto cached = f.getEvent(id);
    REQUIRE_FALSE(cached.offloaded);  // the document is in memory before the write
    return cached;
  };

  SUBCASE("update with If-Match") {
    warm(event.id);
    auto body = validBody();
    body["name"] = "Renamed";
    f.service.update(f.as(f.owner), event.id, f.input(body), tag(2));
    auto after = f.getEvent(event.id);
    CHECK(after.etag() == "\"3\"");
    CHECK(after.json().at("name") == "Renamed");
  }
  SUBCASE("cancel") {
    warm(event.id);
    f.service.cancel(f.as(f.owner), event.id, "ill", std::nullopt);
    auto after = f.getEvent(event.id);
    CHECK(after.json().at("status") == "Cancelled");
    CHECK(after.etag() == "\"3\"");
  }
  SUBCASE("delete") {
    warm(event.id);
    f.service.remove(f.as(f.admin), event.id, std::nullopt);
    CHECK(f.getEvent(event.id).status == 404);
    CHECK(f.getEvent(event.id, f.admin).status == 404);
  }
  SUBCASE("publish") {
    auto draft = f.created("Soon Public");
    CHECK(f.getEvent(draft.id).status == 404);
    f.service.publish(f.as(f.owner), draft.id, std::nullopt);
    auto after = f.getEvent(draft.id);
    CHECK(after.status == 200);
    CHECK(after.json().at("status") == "Published");
  }
  SUBCASE("seats adopted from inventory's CapacityChanged") {
    warm(event.id);
    inventory::messages::CapacityChanged change;
    change.eventId = event.id;
    change.categoryId = "general";
    change.previousTotalSeats = 800;
    change.totalSeats = 850;
    change.totalCapacity = 950;
    f.temp.db->write([&](Tx& tx) { f.service.adoptCapacity(tx, change, "corr-capacity"); });
    auto after = f.getEvent(event.id);
    CHECK(after.etag() == "\"3\"");
    CHECK(after.json().at("priceCategories").as_array().at(1).at("totalSeats") == 850);
  }
  SUBCASE("the completion sweep") {
    warm(event.id);
    CHECK(f.service.completeEnded(parseRfc3339("2031-01-01T00:00:00Z").value()) == 1);
    auto after = f.getEvent(event.id);
    CHECK(after.json().at("status") == "Completed");
    CHECK(after.etag() == "\"3\"");
  }
  SUBCASE("a sweep that completes nothing keeps the documents") {
    warm(event.id);
    CHECK(f.service.completeEnded(parseRfc3339("2030-01-01T00:00:00Z").value()) == 0);
    CHECK_FALSE(f.getEvent(event.id).offloaded);
  }
  SUBCASE("a write to another event keeps this one's document") {
    warm(event.id);
    auto second = f.published("Second Show");
    f.service.cancel(f.as(f.owner), second.id, "", std::nullopt);
    CHECK_FALSE(f.getEvent(event.id).offloaded);
  }
  SUBCASE("a write that fails changes nothing") {
    warm(event.id);
    auto body = validBody();
    body["name"] = "Never";
    CHECK(events::testing::problemOf([&] {
            f.service.update(f.as(f.owner), event.id, f.input(body), tag(1));
          }).status == 412);
    auto after = f.getEvent(event.id);
    CHECK_FALSE(after.offloaded);  // the failed write retired nothing: still answered from memory
    CHECK(after.json().at("name") == "Cached Show");
  }
}

TEST_CASE("event documents: more events than entries still answer each one correctly") {
  Fixture f(2);
  std::vector<Event> events;
  for (int i = 0; i < 5; ++i) events.push_back(f.published("Show " + std::to_string(i)));
  for (int round = 0; round < 3; ++round) {
    for (const auto& event : events) {
      auto answer = f.getEvent(event.id);
      REQUIRE(answer.status == 200);
      CHECK(std::string(answer.json().at("name").as_string()) == event.content.name);
      CHECK(std::string(answer.json().at("id").as_string()) == event.id);
      CHECK(f.service.documents().eventEntries() <= 2);
    }
  }
}

TEST_CASE("list pages: the first pages of the unfiltered list come from memory and change with the catalogue") {
  Fixture f;
  f.published("Bravo", "2030-03-12T19:00:00Z");
  f.published("Charlie", "2030-03-13T19:00:00Z");
  auto first = f.call("/api/v1/events");
  REQUIRE(first.status == 200);
  CHECK(first.offloaded);
  CHECK(names(first) == std::vector<std::string>{"Bravo", "Charlie"});
  CHECK(first.etag() == etagOfContent(first.body));
  auto again = f.call("/api/v1/events", {{"page", "1"}, {"size", "20"}});  // the defaults, spelled out
  CHECK_FALSE(again.offloaded);
  CHECK(again.body == first.body);
  CHECK(again.etag() == first.etag());
  auto notModified = f.call("/api/v1/events", {}, std::nullopt, {{"If-None-Match", first.etag()}});
  CHECK(notModified.status == 304);
  CHECK(notModified.body.empty());
  CHECK(notModified.etag() == first.etag());

  // A newly published event is on the first page at once; the old ETag no longer matches.
  f.published("Alpha", "2030-03-11T19:00:00Z");
  auto after = f.call("/api/v1/events", {}, std::nullopt, {{"If-None-Match", first.etag()}});
  CHECK(after.status == 200);
  CHECK(after.offloaded);
  CHECK(names(after) == std::vector<std::string>{"Alpha", "Bravo", "Charlie"});
  CHECK(after.etag() != first.etag());
  // A new Draft is not listed, and the page says so at once too.
  f.created("Draft Only");
  CHECK(names(f.call("/api/v1/events")) == std::vector<std::string>{"Alpha", "Bravo", "Charlie"});
  // Sorted and sized pages are kept separately, in the common sizes only (10, 20, 50): another
  // size is read from the store every time, so many sizes cannot push the common pages out.
  auto newestFirst = f.call("/api/v1/events", {{"sort", "-startsAt"}, {"size", "10"}});
  CHECK(names(newestFirst) == std::vector<std::string>{"Charlie", "Bravo", "Alpha"});
  CHECK_FALSE(f.call("/api/v1/events", {{"sort", "-startsAt"}, {"size", "10"}}).offloaded);
  auto odd = f.call("/api/v1/events", {{"sort", "-startsAt"}, {"size", "2"}});
  CHECK(names(odd) == std::vector<std::string>{"Charlie", "Bravo"});
  CHECK(f.call("/api/v1/events", {{"sort", "-startsAt"}, {"size", "2"}}).offloaded);
  CHECK(names(f.call("/api/v1/events", {{"page", "2"}, {"size", "2"}})) == std::vector<std::string>{"Charlie"});
}

TEST_CASE("list pages: filtered lists and later pages are read from the store every time, with an ETag") {
  Fixture f;
  f.published("Bravo");
  for (int i = 0; i < 2; ++i) {
    auto filtered = f.call("/api/v1/events", {{"city", "Berlin"}});
    CHECK(filtered.offloaded);
    CHECK(names(filtered) == std::vector<std::string>{"Bravo"});
    CHECK(filtered.etag() == etagOfContent(filtered.body));
    auto deep = f.call("/api/v1/events", {{"page", "4"}});
    CHECK(deep.offloaded);
    CHECK(deep.status == 200);
    CHECK(f.call("/api/v1/events", {{"page", "4"}}, std::nullopt, {{"If-None-Match", deep.etag()}}).status == 304);
  }
  CHECK(f.service.documents().pageEntries() == 0);
  // A bad parameter is refused on the io thread, as before.
  auto bad = f.call("/api/v1/events", {{"size", "101"}});
  CHECK(bad.status == 400);
  CHECK_FALSE(bad.offloaded);
}

TEST_CASE("events routes: one event and the list run on the io thread, search and the rest on workers") {
  Fixture f;
  auto executionOf = [&](http::Method method, const std::string& path) {
    auto match = f.router.match(method, path);
    REQUIRE(match.route != nullptr);
    return match.route->execution;
  };
  const std::string id = "/api/v1/events/44444444-4444-4444-8444-444444444444";
  CHECK(executionOf(http::Method::Get, id) == Execution::IoThread);
  CHECK(executionOf(http::Method::Get, "/api/v1/events") == Execution::IoThread);
  CHECK(executionOf(http::Method::Get, "/api/v1/events/search") == Execution::Worker);
  CHECK(executionOf(http::Method::Get, "/api/v1/events/categories") == Execution::Worker);
  CHECK(executionOf(http::Method::Get, "/api/v1/events/organizer/44444444-4444-4444-8444-444444444444") ==
        Execution::Worker);
  CHECK(executionOf(http::Method::Put, id) == Execution::Worker);
  CHECK(executionOf(http::Method::Get, "/api/v1/concerts/44444444-4444-4444-8444-444444444444") == Execution::Worker);
}

TEST_CASE("event documents: another instance on the same database sees a change after its next check") {
  Fixture here;
  // A second service on the same events store: another instance's memory.
  EventService elsewhere(*here.temp.db, nullptr, here.temp.log, here.metrics, here.clock);
  auto event = here.published();
  elsewhere.watchOtherWriters();  // its first reading
  auto cache = [&](const std::string& body) {
    auto& documents = elsewhere.documents();
    documents.putEvent(event.id, documents.stamp(),
                       std::make_shared<const DocumentCache::Document>(DocumentCache::Document{body, "\"x\""}));
    REQUIRE(documents.event(event.id) != nullptr);
  };
  cache("before");

  auto body = validBody();
  body["name"] = "Renamed here";
  here.service.update(here.as(here.owner), event.id, here.input(body), tag(2));
  CHECK(elsewhere.get(std::nullopt, event.id).content.name == "Renamed here");  // the store has it
  CHECK(elsewhere.documents().event(event.id)->body == "before");               // its memory does not yet
  elsewhere.watchOtherWriters();
  CHECK(elsewhere.documents().event(event.id) == nullptr);  // dropped: its next GET reads the store
  // Nothing changed since: the next check keeps what is cached.
  cache("after");
  elsewhere.watchOtherWriters();
  CHECK(elsewhere.documents().event(event.id) != nullptr);
}
