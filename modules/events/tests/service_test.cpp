// The events use cases against a real (temporary) SQLite database: stored state, outbox
// messages, optimistic concurrency, search and soft delete.
#include "service.hpp"

#include <atomic>
#include <doctest/doctest.h>
#include <map>
#include <thread>

#include "boxoffice/kernel/message_json.hpp"
#include "boxoffice/kernel/metrics.hpp"
#include "demo_data.hpp"
#include "support.hpp"
#include "validation.hpp"

using namespace boxoffice;
using namespace boxoffice::events;
using events::testing::problemOf;
using events::testing::validBody;

namespace {

class FakeInventory : public inventory::InventoryQueries {
 public:
  std::optional<std::vector<inventory::CategoryUsage>> usage(const std::string& eventId) const override {
    auto it = usage_.find(eventId);
    if (it == usage_.end()) return std::nullopt;
    return it->second;
  }
  std::map<std::string, std::vector<inventory::CategoryUsage>> usage_;
};

struct Fixture {
  events::testing::TempStore temp;
  Metrics metrics;
  FakeInventory inventory;
  SystemClock clock;
  EventService service{*temp.db, &inventory, temp.log, metrics, clock};
  TimezoneCheck zones;
  auth::Principal owner{"11111111-1111-4111-8111-111111111111", "o@example.test", {auth::Role::Organizer}};
  auth::Principal other{"22222222-2222-4222-8222-222222222222", "x@example.test", {auth::Role::Organizer}};
  auth::Principal admin{"33333333-3333-4333-8333-333333333333", "a@example.test", {auth::Role::Admin}};

  Actor as(const auth::Principal& p) { return {p, "corr-test"}; }

  EventInput input(boost::json::object body = validBody()) { return parseEventInput(body, zones); }

  Event created(const std::string& name = "Radiohead Tribute Night",
                const std::string& description = "Live, start to finish.") {
    auto body = validBody();
    body["name"] = name;
    body["description"] = description;
    return service.create(as(owner), input(body));
  }

  Event published(const std::string& name = "Radiohead Tribute Night",
                  const std::string& description = "Live, start to finish.") {
    auto e = created(name, description);
    return service.publish(as(owner), e.id, std::nullopt);
  }

  struct OutboxRow {
    std::string type, payload, correlation;
  };
  std::vector<OutboxRow> outbox() {
    return temp.db->read([](soci::session& sql) {
      std::vector<OutboxRow> rows;
      OutboxRow row;
      soci::statement st = (sql.prepare << "SELECT type, payload, correlation_id FROM outbox ORDER BY seq",
                            soci::into(row.type), soci::into(row.payload), soci::into(row.correlation));
      st.execute();
      while (st.fetch()) rows.push_back(row);
      return rows;
    });
  }
  boost::json::object lastPayload() { return boost::json::parse(outbox().back().payload).as_object(); }
};

IfMatch tag(std::int64_t version) { return *IfMatch::parse(etagOf(version)); }

std::vector<std::string> names(const store::Page& page) {
  std::vector<std::string> result;
  for (const auto& e : page.items) result.push_back(e.content.name);
  return result;
}

}  // namespace

TEST_CASE("create stores a Draft owned by the caller and announces EventCreated") {
  Fixture f;
  auto event = f.created();
  CHECK(event.status == Status::Draft);
  CHECK(event.version == 1);
  CHECK(event.organizerId == f.owner.userId);
  auto stored = f.service.get(f.owner, event.id);
  CHECK(stored.content == event.content);

  auto rows = f.outbox();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].type == "EventCreated");
  CHECK(rows[0].correlation == "corr-test");
  auto message = fromJson<messages::EventCreated>(boost::json::parse(rows[0].payload).as_object());
  CHECK(message.eventId == event.id);
  CHECK(message.status == "Draft");
  CHECK(message.organizerId == f.owner.userId);
  REQUIRE(message.priceCategories.size() == 2);
  CHECK(message.priceCategories[0].price == messages::Money{12900, "EUR"});
  CHECK(message.maxCapacity == 1000);
  CHECK(message.timezone == "Europe/Berlin");
}

TEST_CASE("only an Admin creates for another organizer, the category must exist") {
  Fixture f;
  auto in = f.input();
  in.organizerId = f.other.userId;
  CHECK(problemOf([&] { f.service.create(f.as(f.owner), in); }).status == 403);
  CHECK(f.service.create(f.as(f.admin), in).organizerId == f.other.userId);

  auto body = validBody();
  body["category"] = "opera";
  auto caught = problemOf([&] { f.service.create(f.as(f.owner), f.input(body)); });
  CHECK(caught.status == 400);
  CHECK(caught.hasField("category"));
  f.service.addCategory(f.as(f.admin), {"opera", "Opera"});
  CHECK(f.service.create(f.as(f.owner), f.input(body)).content.category == "opera");
  CHECK(problemOf([&] { f.service.addCategory(f.as(f.admin), {"opera", "Opera"}); }).status == 409);
  CHECK(problemOf([&] { f.service.addCategory(f.as(f.owner), {"ballet", "Ballet"}); }).status == 403);
}

TEST_CASE("a Draft is visible to its owner and Admins only") {
  Fixture f;
  auto event = f.created();
  CHECK(problemOf([&] { f.service.get(std::nullopt, event.id); }).status == 404);
  CHECK(problemOf([&] { f.service.get(f.other, event.id); }).status == 404);
  CHECK(f.service.get(f.admin, event.id).id == event.id);
  f.service.publish(f.as(f.owner), event.id, std::nullopt);
  CHECK(f.service.get(std::nullopt, event.id).status == Status::Published);
}

TEST_CASE("update increments the version and announces what changed") {
  Fixture f;
  auto event = f.published();
  auto body = validBody();
  body["startsAt"] = "2030-03-13T19:00:00Z";
  body["endsAt"] = "2030-03-13T22:00:00Z";
  auto updated = f.service.update(f.as(f.owner), event.id, f.input(body), tag(event.version));
  CHECK(updated.version == event.version + 1);
  CHECK(formatRfc3339(updated.content.startsAt) == "2030-03-13T19:00:00Z");

  auto message = fromJson<messages::EventUpdated>(f.lastPayload());
  CHECK(f.outbox().back().type == "EventUpdated");
  CHECK(message.changedFields == std::vector<std::string>{"startsAt", "endsAt"});
  CHECK(message.previousStartsAt == "2030-03-12T19:00:00Z");
  CHECK(message.startsAt == "2030-03-13T19:00:00Z");
  CHECK(message.version == updated.version);
  CHECK(message.status == "Published");
}

TEST_CASE("an update without changes keeps the version and announces nothing") {
  Fixture f;
  auto event = f.created();
  auto before = f.outbox().size();
  auto same = f.service.update(f.as(f.owner), event.id, f.input(), tag(1));
  CHECK(same.version == 1);
  CHECK(f.outbox().size() == before);
}

TEST_CASE("stale ETags, other organizers and final events are refused") {
  Fixture f;
  auto event = f.published();
  auto caught = problemOf([&] { f.service.update(f.as(f.owner), event.id, f.input(), tag(1)); });
  CHECK(caught.status == 412);
  CHECK(problemOf([&] { f.service.update(f.as(f.other), event.id, f.input(), tag(event.version)); }).status == 403);
  CHECK(problemOf([&] { f.service.publish(f.as(f.other), event.id, std::nullopt); }).status == 403);
  // An Admin may edit anyone's event; "*" matches any version.
  auto body = validBody();
  body["name"] = "Renamed by Admin";
  auto any = IfMatch::any();
  CHECK(f.service.update(f.as(f.admin), event.id, f.input(body), any).content.name == "Renamed by Admin");

  auto cancelled = f.service.cancel(f.as(f.owner), event.id, "storm", std::nullopt);
  CHECK(cancelled.status == Status::Cancelled);
  auto message = fromJson<messages::EventCancelled>(f.lastPayload());
  CHECK(message.reason == "storm");
  CHECK(message.status == "Cancelled");
  CHECK(problemOf([&] { f.service.cancel(f.as(f.owner), event.id, "", std::nullopt); }).status == 409);
  CHECK(problemOf([&] { f.service.update(f.as(f.owner), event.id, f.input(), tag(cancelled.version)); }).slug ==
        "event-final");
}

TEST_CASE("of two concurrent updates with the same ETag exactly one wins") {
  Fixture f;
  auto event = f.created();
  std::atomic<int> won{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto body = validBody();
      body["name"] = "Edit " + std::to_string(i);
      auto caught = problemOf([&] { f.service.update(f.as(f.owner), event.id, f.input(body), tag(1)); });
      (caught.status == 0 ? won : refused)++;
      if (caught.status != 0) CHECK(caught.status == 412);
    });
  }
  for (auto& t : threads) t.join();
  CHECK(won == 1);
  CHECK(refused == 7);
  CHECK(f.service.get(f.owner, event.id).version == 2);
}

TEST_CASE("a Published event's categories follow what inventory reports") {
  Fixture f;
  auto event = f.published();
  auto body = validBody();
  body["priceCategories"].as_array()[1].as_object()["totalSeats"] = 100;  // general 800 -> 100
  // Inventory has not built this event yet: cannot prove nothing was sold.
  CHECK(problemOf([&] { f.service.update(f.as(f.owner), event.id, f.input(body), tag(event.version)); }).status == 409);
  f.inventory.usage_[event.id] = {{"vip", 100, 0, 0}, {"general", 800, 30, 71}};
  CHECK(problemOf([&] { f.service.update(f.as(f.owner), event.id, f.input(body), tag(event.version)); }).slug ==
        "price-category-in-use");
  f.inventory.usage_[event.id] = {{"vip", 100, 0, 0}, {"general", 800, 30, 70}};
  CHECK(f.service.update(f.as(f.owner), event.id, f.input(body), tag(event.version))
            .content.priceCategories[1]
            .totalSeats == 100);
}

TEST_CASE("search: prefix, diacritics, bm25 ranking, Published only") {
  Fixture f;
  f.published("Radiohead Tribute Night", "Songs from OK Computer.");
  f.published("Jazz Brunch", "Radiohead covers on a grand piano.");
  f.published("Café Tacvba Unplugged", "Acoustic rock.");
  f.created("Radiohead Draft", "Not published.");

  auto page = PageRequest{1, 20};
  CHECK(names(f.service.search("\"rad\"*", page)) ==
        std::vector<std::string>{"Radiohead Tribute Night", "Jazz Brunch"});  // name hit ranks first
  CHECK(names(f.service.search("\"cafe\"*", page)) == std::vector<std::string>{"Café Tacvba Unplugged"});
  CHECK(names(f.service.search("\"CAFÉ\"*", page)) == std::vector<std::string>{"Café Tacvba Unplugged"});
  CHECK(names(f.service.search("\"berl\"*", page)).size() == 3);     // the venue city
  CHECK(names(f.service.search("\"concert\"*", page)).size() == 3);  // the category
  CHECK(f.service.search("\"rad\"*", PageRequest{2, 1}).items.size() == 1);
  CHECK(f.service.search("\"rad\"*", PageRequest{3, 1}).totalItems == 2);
  CHECK(f.service.search("\"rad\"*", PageRequest{3, 1}).items.empty());
}

TEST_CASE("renaming re-indexes the event for search") {
  Fixture f;
  auto event = f.published("Old Name", "x");
  auto body = validBody();
  body["name"] = "Brand New Title";
  body["description"] = "x";
  f.service.update(f.as(f.owner), event.id, f.input(body), tag(event.version));
  CHECK(f.service.search("\"old\"*", PageRequest{}).totalItems == 0);
  CHECK(f.service.search("\"brand\"*", PageRequest{}).totalItems == 1);
}

TEST_CASE("the search index follows the status: publish adds, cancel and completion remove") {
  Fixture f;
  auto event = f.created("Lantern Parade", "x");
  CHECK(f.service.search("\"lantern\"*", PageRequest{}).totalItems == 0);
  f.service.publish(f.as(f.owner), event.id, std::nullopt);
  CHECK(f.service.search("\"lantern\"*", PageRequest{}).totalItems == 1);
  f.service.cancel(f.as(f.owner), event.id, "", std::nullopt);
  CHECK(f.service.search("\"lantern\"*", PageRequest{}).totalItems == 0);
  f.published("Lantern Parade Two", "x");
  f.service.completeEnded(parseRfc3339("2031-01-01T00:00:00Z").value());
  CHECK(f.service.search("\"lantern\"*", PageRequest{}).totalItems == 0);
}

TEST_CASE("soft delete hides the event everywhere and announces EventDeleted") {
  Fixture f;
  auto event = f.published("Doomed Show", "x");
  f.service.remove(f.as(f.admin), event.id, std::nullopt);
  CHECK(f.outbox().back().type == "EventDeleted");
  CHECK(fromJson<messages::EventDeleted>(f.lastPayload()).eventId == event.id);
  CHECK(problemOf([&] { f.service.get(f.admin, event.id); }).status == 404);
  CHECK(f.service.search("\"doomed\"*", PageRequest{}).totalItems == 0);
  CHECK(f.service.list({}, PageRequest{}).totalItems == 0);
  CHECK(f.service.byOrganizer(f.owner, f.owner.userId, store::Sort::StartsAt, PageRequest{}).totalItems == 0);
  CHECK_FALSE(f.service.findEvent(event.id));
  CHECK(problemOf([&] { f.service.remove(f.as(f.admin), event.id, std::nullopt); }).status == 404);
  // The row is kept (seed: IsActive).
  auto kept = f.temp.db->read([&](soci::session& sql) {
    long long n = 0;
    sql << "SELECT COUNT(*) FROM events WHERE id = :id AND is_active = 0", soci::use(event.id), soci::into(n);
    return n;
  });
  CHECK(kept == 1);
}

TEST_CASE("ended Published events become Completed") {
  Fixture f;
  auto event = f.published();
  auto draft = f.created("Still a draft");
  CHECK(f.service.completeEnded(parseRfc3339("2030-03-12T21:00:00Z").value()) == 0);  // not over yet
  CHECK(f.service.completeEnded(parseRfc3339("2031-01-01T00:00:00Z").value()) == 1);
  CHECK(f.service.get(std::nullopt, event.id).status == Status::Completed);
  CHECK(f.service.get(f.owner, draft.id).status == Status::Draft);
  CHECK(f.outbox().back().type == "EventCompleted");
}

// Whoever owns the demo catalogue: the composition root hands identity's demo organizer over.
constexpr const char* kOrganizer = "0d3e0000-0000-4000-8000-000000000001";

TEST_CASE("the demo catalogue loads once") {
  Fixture f;
  auto catalogue = demoCatalogue(std::chrono::system_clock::now(), kOrganizer);
  CHECK(catalogue.size() == 12);
  for (const auto& e : catalogue)
    CHECK(e.content.startsAt > std::chrono::system_clock::now());  // upcoming, whatever the year
  auto later = demoCatalogue(parseRfc3339("2029-06-01T00:00:00Z").value(), kOrganizer);
  CHECK(formatRfc3339(later.at(0).content.startsAt) == "2030-03-12T19:00:00Z");
  CHECK(f.service.loadOnce(kDemoMarker, catalogue));
  CHECK_FALSE(f.service.loadOnce(kDemoMarker, catalogue));
  CHECK(f.service.list({}, PageRequest{1, 100}).totalItems == 12);
  auto rows = f.outbox();
  CHECK(rows.size() == 24);  // EventCreated + EventPublished each
  CHECK(rows[0].type == "EventCreated");
  CHECK(fromJson<messages::EventCreated>(boost::json::parse(rows[0].payload).as_object()).status == "Draft");
  CHECK(rows[1].type == "EventPublished");
  // Every demo event passes the same validation an API client faces.
  TimezoneCheck zones;
  for (const auto& e : catalogue) {
    CAPTURE(e.content.name);
    CHECK(zones.valid(e.content.timezone));
    int seats = 0;
    for (const auto& c : e.content.priceCategories) seats += c.totalSeats;
    CHECK(seats <= e.content.maxCapacity);
    CHECK(isCountryCode(e.content.venue.country));
  }
}

TEST_CASE("list filters and sorts") {
  Fixture f;
  CHECK(f.service.loadOnce(kDemoMarker, demoCatalogue(parseRfc3339("2026-06-01T00:00:00Z").value(), kOrganizer)));
  store::ListFilter filter;
  filter.category = "theatre";
  CHECK(names(f.service.list(filter, PageRequest{})) == std::vector<std::string>{"Hamlet", "Le Malade imaginaire"});
  filter = {};
  filter.city = "BERLIN";
  CHECK(names(f.service.list(filter, PageRequest{})) == std::vector<std::string>{"Radiohead Tribute Night"});
  filter = {};
  filter.startsFrom = parseRfc3339("2027-03-12T19:00:00Z");   // inclusive
  filter.startsUntil = parseRfc3339("2027-04-03T18:30:00Z");  // inclusive
  CHECK(names(f.service.list(filter, PageRequest{})) ==
        std::vector<std::string>{"Radiohead Tribute Night", "Dublin Comedy Late Show", "Café Tacvba Unplugged"});
  filter = {};
  filter.sort = store::Sort::StartsAtDesc;
  CHECK(f.service.list(filter, PageRequest{1, 1}).items.at(0).content.name == "C++ Systems Summit");
  filter.sort = store::Sort::Name;
  CHECK(f.service.list(filter, PageRequest{1, 1}).items.at(0).content.name == "Amsterdam Marathon Expo Run");
}

TEST_CASE("cached list totals are retired by every change") {
  Fixture f;
  store::ListFilter all;
  CHECK(f.service.list(all, PageRequest{}).totalItems == 0);
  auto event = f.published("Counted");
  CHECK(f.service.list(all, PageRequest{}).totalItems == 1);
  CHECK(f.service.list(all, PageRequest{}).totalItems == 1);  // now from the cache
  f.service.cancel(f.as(f.owner), event.id, "", std::nullopt);
  CHECK(f.service.list(all, PageRequest{}).totalItems == 0);
  f.published("Counted again");
  f.service.remove(f.as(f.admin), f.published("And deleted").id, std::nullopt);
  CHECK(f.service.list(all, PageRequest{}).totalItems == 1);
}
