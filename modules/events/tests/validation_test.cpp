// Request-body validation of events: each rule rejects with the offending field named.
#include "validation.hpp"

#include <doctest/doctest.h>

#include "support.hpp"

using namespace boxoffice;
using namespace boxoffice::events;
using events::testing::problemOf;
using events::testing::validBody;

namespace {

const TimezoneCheck& zones() {
  static const TimezoneCheck check;
  return check;
}

events::testing::Caught rejectionOf(const boost::json::object& body) {
  return problemOf([&] { parseEventInput(body, zones()); });
}

boost::json::object& category(boost::json::object& body, std::size_t i) {
  return body["priceCategories"].as_array()[i].as_object();
}

}  // namespace

TEST_CASE("a complete body is accepted and read field by field") {
  auto input = parseEventInput(validBody(), zones());
  CHECK(input.content.name == "Radiohead Tribute Night");
  CHECK(input.content.category == "concert");
  CHECK(formatRfc3339(input.content.startsAt) == "2030-03-12T19:00:00Z");
  CHECK(input.content.venue.city == "Berlin");
  CHECK(input.content.maxCapacity == 1000);
  REQUIRE(input.content.priceCategories.size() == 2);
  CHECK(input.content.priceCategories[1].categoryId == "general");
  CHECK(input.content.priceCategories[1].price.amount == 5900);
  CHECK(input.content.priceCategories[1].price.currency == "EUR");
  CHECK_FALSE(input.organizerId);
}

TEST_CASE("required fields are named when missing") {
  for (const char* field : {"name", "category", "startsAt", "endsAt", "timezone", "venue", "maxCapacity"}) {
    CAPTURE(field);
    auto body = validBody();
    body.erase(field);
    auto caught = rejectionOf(body);
    CHECK(caught.status == 400);
    CHECK(caught.hasField(field));
  }
  auto body = validBody();
  body.erase("priceCategories");  // optional: a Draft may be priced later
  CHECK(rejectionOf(body).status == 0);
}

TEST_CASE("name and description lengths") {
  auto body = validBody();
  body["name"] = std::string(201, 'a');
  CHECK(rejectionOf(body).hasField("name"));
  body["name"] = std::string(200, 'a');
  CHECK(rejectionOf(body).status == 0);
  body["name"] = "   ";
  CHECK(rejectionOf(body).hasField("name"));
  body = validBody();
  body["description"] = std::string(10'001, 'd');
  CHECK(rejectionOf(body).hasField("description"));
  body["description"] = std::string(10'000, 'd');
  CHECK(rejectionOf(body).status == 0);
}

TEST_CASE("dates must be RFC 3339 and end after they start") {
  auto body = validBody();
  body["startsAt"] = "12/03/2030";
  CHECK(rejectionOf(body).hasField("startsAt"));
  body = validBody();
  body["endsAt"] = "2030-03-12T19:00:00Z";  // equal to startsAt
  auto caught = rejectionOf(body);
  CHECK(caught.hasField("endsAt"));
  body["endsAt"] = "2030-03-12T21:00:00+01:00";  // 20:00Z: after 19:00Z
  CHECK(rejectionOf(body).status == 0);
}

TEST_CASE("time zones must be IANA names") {
  for (const char* bad : {"Mars/Olympus", "../../etc/passwd", "posixrules", "zone.tab", "Europe", "posix/Europe/Berlin",
                          "Europe//Berlin", "", "europe berlin"}) {
    CAPTURE(bad);
    CHECK_FALSE(zones().valid(bad));
  }
  for (const char* good : {"Europe/Berlin", "America/Argentina/Buenos_Aires", "UTC", "Etc/GMT+5", "Asia/Kolkata"}) {
    CAPTURE(good);
    CHECK(zones().valid(good));
  }
  auto body = validBody();
  body["timezone"] = "Mars/Olympus";
  CHECK(rejectionOf(body).hasField("timezone"));
}

TEST_CASE("without a tz database the built-in list decides") {
  TimezoneCheck fallback("/nonexistent/zoneinfo");
  CHECK(fallback.valid("Europe/Berlin"));
  CHECK(fallback.valid("UTC"));
  CHECK_FALSE(fallback.valid("America/Argentina/Buenos_Aires"));
  CHECK_FALSE(fallback.valid("Mars/Olympus"));
}

TEST_CASE("venue fields are checked under venue.*") {
  auto body = validBody();
  body["venue"].as_object()["country"] = "Germany";
  CHECK(rejectionOf(body).hasField("venue.country"));
  body["venue"].as_object()["country"] = "de";
  CHECK(rejectionOf(body).hasField("venue.country"));
  body = validBody();
  body["venue"].as_object().erase("city");
  CHECK(rejectionOf(body).hasField("venue.city"));
  body = validBody();
  body["venue"].as_object()["capacity"] = 5;
  CHECK(rejectionOf(body).hasField("venue.capacity"));
}

TEST_CASE("maxCapacity is between 1 and 1,000,000") {
  auto body = validBody();
  body.erase("priceCategories");
  body["maxCapacity"] = 0;
  CHECK(rejectionOf(body).hasField("maxCapacity"));
  body["maxCapacity"] = 1'000'001;
  CHECK(rejectionOf(body).hasField("maxCapacity"));
  body["maxCapacity"] = 1'000'000;
  CHECK(rejectionOf(body).status == 0);
  body["maxCapacity"] = 10.5;
  CHECK(rejectionOf(body).hasField("maxCapacity"));
}

TEST_CASE("price category fields are named with their index") {
  auto body = validBody();
  category(body, 1)["price"].as_object()["amount"] = -1;
  CHECK(rejectionOf(body).hasField("priceCategories[1].price.amount"));

  body = validBody();
  category(body, 0)["price"].as_object()["currency"] = "eur";
  CHECK(rejectionOf(body).hasField("priceCategories[0].price.currency"));
  category(body, 0)["price"].as_object()["currency"] = "XYZ";
  CHECK(rejectionOf(body).hasField("priceCategories[0].price.currency"));

  body = validBody();
  category(body, 1)["categoryId"] = "General Admission";
  CHECK(rejectionOf(body).hasField("priceCategories[1].categoryId"));
  category(body, 1)["categoryId"] = std::string(41, 'a');
  CHECK(rejectionOf(body).hasField("priceCategories[1].categoryId"));

  body = validBody();
  category(body, 0)["totalSeats"] = 0;
  CHECK(rejectionOf(body).hasField("priceCategories[0].totalSeats"));

  body = validBody();
  category(body, 1)["extra"] = true;
  CHECK(rejectionOf(body).hasField("priceCategories[1].extra"));

  body = validBody();
  body["priceCategories"].as_array()[0] = "vip";
  CHECK(rejectionOf(body).hasField("priceCategories[0]"));
}

TEST_CASE("all price categories of an event share one currency") {
  auto body = validBody();
  category(body, 1)["price"].as_object()["currency"] = "USD";
  auto caught = rejectionOf(body);
  CHECK(caught.hasField("priceCategories[1].price.currency"));
  CHECK_FALSE(caught.hasField("priceCategories[0].price.currency"));
}

TEST_CASE("price category ids are unique within an event") {
  auto body = validBody();
  category(body, 1)["categoryId"] = "vip";
  CHECK(rejectionOf(body).hasField("priceCategories[1].categoryId"));
}

TEST_CASE("seats add up to at most maxCapacity") {
  auto body = validBody();
  body["maxCapacity"] = 899;  // categories hold 100 + 800
  CHECK(rejectionOf(body).hasField("priceCategories"));
  body["maxCapacity"] = 900;
  CHECK(rejectionOf(body).status == 0);
}

TEST_CASE("unknown fields and a malformed organizerId are rejected") {
  auto body = validBody();
  body["status"] = "Published";
  CHECK(rejectionOf(body).hasField("status"));
  body = validBody();
  body["organizerId"] = "not-a-uuid";
  CHECK(rejectionOf(body).hasField("organizerId"));
  body["organizerId"] = "0d3e0000-0000-4000-8000-000000000001";
  CHECK(parseEventInput(body, zones()).organizerId == "0d3e0000-0000-4000-8000-000000000001");
}

TEST_CASE("several bad fields are reported together") {
  auto body = validBody();
  body["name"] = "";
  body["maxCapacity"] = -3;
  body["timezone"] = "Nowhere";
  auto caught = rejectionOf(body);
  CHECK(caught.status == 400);
  CHECK(caught.errors.size() == 3);
}

TEST_CASE("slugs, currencies and country codes") {
  CHECK(isSlug("vip"));
  CHECK(isSlug("front-row-2"));
  CHECK_FALSE(isSlug(""));
  CHECK_FALSE(isSlug("VIP"));
  CHECK_FALSE(isSlug("a_b"));
  CHECK(isCurrency("EUR"));
  CHECK(isCurrency("JPY"));
  CHECK(isCurrency("ZWL"));
  CHECK_FALSE(isCurrency("XAU"));  // gold is not a ticket currency
  CHECK_FALSE(isCurrency("EURO"));
  CHECK_FALSE(isCurrency("usd"));
  CHECK(isCountryCode("DE"));
  CHECK_FALSE(isCountryCode("DEU"));
}

TEST_CASE("category input") {
  auto ok = parseCategoryInput(boost::json::parse(R"({"slug":"opera","name":"Opera"})").as_object());
  CHECK(ok.slug == "opera");
  auto caught = problemOf([] { parseCategoryInput(boost::json::parse(R"({"slug":"Opera!","name":""})").as_object()); });
  CHECK(caught.hasField("slug"));
  CHECK(caught.hasField("name"));
}
