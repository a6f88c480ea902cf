// Lifecycle and edit rules: who sees and edits, what a Published event may change.
#include "rules.hpp"

#include <doctest/doctest.h>

#include "support.hpp"

using namespace boxoffice;
using namespace boxoffice::events;
using events::testing::problemOf;

namespace {

EventContent content() {
  EventContent c;
  c.name = "Show";
  c.category = "concert";
  c.startsAt = parseRfc3339("2030-01-01T20:00:00Z").value();
  c.endsAt = parseRfc3339("2030-01-01T23:00:00Z").value();
  c.timezone = "Europe/Berlin";
  c.venue = {"Hall", "", "Berlin", "DE"};
  c.maxCapacity = 1000;
  c.priceCategories = {{"vip", "VIP", {10000, "EUR"}, 100}, {"general", "General", {5000, "EUR"}, 500}};
  return c;
}

InventoryView usage(int vipCommitted, int generalCommitted) {
  return {true,
          std::vector<inventory::CategoryUsage>{{"vip", 100, vipCommitted, 0}, {"general", 500, 0, generalCommitted}}};
}

const InventoryView kNoInventoryModule{false, std::nullopt};
const InventoryView kNotYetKnown{true, std::nullopt};

auth::Principal principal(const std::string& id, auth::Role role) { return {id, id + "@example.test", {role}}; }

}  // namespace

TEST_CASE("a Draft may change anything, even without inventory") {
  auto after = content();
  after.priceCategories = {{"general", "General", {4000, "USD"}, 10}};
  CHECK(problemOf([&] { checkEdit(Status::Draft, content(), after, kNoInventoryModule); }).status == 0);
}

TEST_CASE("Cancelled and Completed events are final") {
  for (auto status : {Status::Cancelled, Status::Completed}) {
    auto caught = problemOf([&] { checkEdit(status, content(), content(), usage(0, 0)); });
    CHECK(caught.status == 409);
    CHECK(caught.slug == "event-final");
  }
}

TEST_CASE("a Published event's categories may grow, be added, renamed or repriced without asking inventory") {
  auto after = content();
  after.priceCategories[0].totalSeats = 150;
  after.priceCategories[1].name = "General Admission";
  after.priceCategories[1].price.amount = 5500;
  after.priceCategories.push_back({"balcony", "Balcony", {3000, "EUR"}, 50});
  after.startsAt += std::chrono::hours(24);
  after.endsAt += std::chrono::hours(24);
  CHECK(problemOf([&] { checkEdit(Status::Published, content(), after, kNoInventoryModule); }).status == 0);
}

TEST_CASE("shrinking a Published category: down to held + sold, never below") {
  auto after = content();
  after.priceCategories[1].totalSeats = 300;
  CHECK(problemOf([&] { checkEdit(Status::Published, content(), after, usage(0, 300)); }).status == 0);
  auto caught = problemOf([&] { checkEdit(Status::Published, content(), after, usage(0, 301)); });
  CHECK(caught.status == 409);
  CHECK(caught.slug == "price-category-in-use");
}

TEST_CASE("removing a Published category only when nothing in it is held or sold") {
  auto after = content();
  after.priceCategories.erase(after.priceCategories.begin());  // drop vip
  CHECK(problemOf([&] { checkEdit(Status::Published, content(), after, usage(0, 40)); }).status == 0);
  CHECK(problemOf([&] { checkEdit(Status::Published, content(), after, usage(1, 0)); }).status == 409);
}

TEST_CASE("changing the currency of a Published event needs an empty inventory") {
  auto after = content();
  for (auto& c : after.priceCategories) c.price.currency = "CHF";
  CHECK(problemOf([&] { checkEdit(Status::Published, content(), after, usage(0, 0)); }).status == 0);
  CHECK(problemOf([&] { checkEdit(Status::Published, content(), after, usage(0, 2)); }).status == 409);
}

TEST_CASE("when inventory cannot tell, a Published event's categories can only grow") {
  auto after = content();
  after.priceCategories[1].totalSeats = 499;
  CHECK(problemOf([&] { checkEdit(Status::Published, content(), after, kNoInventoryModule); }).status == 409);
  CHECK(problemOf([&] { checkEdit(Status::Published, content(), after, kNotYetKnown); }).status == 409);
}

TEST_CASE("publishing needs a Draft with a price category and a future start") {
  Event e;
  e.content = content();
  auto now = parseRfc3339("2029-01-01T00:00:00Z").value();
  CHECK(problemOf([&] { checkPublish(e, now); }).status == 0);
  e.status = Status::Published;
  CHECK(problemOf([&] { checkPublish(e, now); }).slug == "invalid-status-transition");
  e.status = Status::Draft;
  e.content.priceCategories.clear();
  CHECK(problemOf([&] { checkPublish(e, now); }).slug == "event-not-sellable");
  e.content = content();
  CHECK(problemOf([&] { checkPublish(e, e.content.startsAt); }).slug == "event-not-sellable");
}

TEST_CASE("cancelling is final") {
  Event e;
  for (auto status : {Status::Draft, Status::Published}) {
    e.status = status;
    CHECK(problemOf([&] { checkCancel(e); }).status == 0);
  }
  for (auto status : {Status::Cancelled, Status::Completed}) {
    e.status = status;
    CHECK(problemOf([&] { checkCancel(e); }).status == 409);
  }
}

TEST_CASE("visibility and edit rights") {
  Event e;
  e.organizerId = "owner";
  auto owner = principal("owner", auth::Role::Organizer);
  auto other = principal("other", auth::Role::Organizer);
  auto admin = principal("admin", auth::Role::Admin);
  auto buyer = principal("buyer", auth::Role::User);
  e.status = Status::Draft;
  CHECK(canSee(owner, e));
  CHECK(canSee(admin, e));
  CHECK_FALSE(canSee(other, e));
  CHECK_FALSE(canSee(std::nullopt, e));
  e.status = Status::Published;
  CHECK(canSee(std::nullopt, e));
  CHECK(canEdit(owner, e));
  CHECK(canEdit(admin, e));
  CHECK_FALSE(canEdit(other, e));
  CHECK_FALSE(canEdit(buyer, e));
  auto ownerAsUser = principal("owner", auth::Role::User);  // owns it but lacks events:update
  CHECK_FALSE(canEdit(ownerAsUser, e));
}

TEST_CASE("changed fields use the API's names") {
  auto after = content();
  CHECK(changedFields(content(), after).empty());
  after.startsAt += std::chrono::minutes(30);
  after.venue.city = "Potsdam";
  after.priceCategories[0].price.amount = 1;
  CHECK(changedFields(content(), after) == std::vector<std::string>{"startsAt", "venue", "priceCategories"});
}
