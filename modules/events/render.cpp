#include "render.hpp"

#include "boxoffice/kernel/message_json.hpp"
#include "boxoffice/kernel/openapi_describe.hpp"
#include "validation.hpp"

namespace boxoffice::events {

boost::json::object eventJson(const Event& e) {
  return {{"id", e.id},
          {"name", e.content.name},
          {"description", e.content.description},
          {"category", e.content.category},
          {"startsAt", formatRfc3339(e.content.startsAt)},
          {"endsAt", formatRfc3339(e.content.endsAt)},
          {"timezone", e.content.timezone},
          {"venue", toJson(e.content.venue)},
          {"maxCapacity", e.content.maxCapacity},
          {"priceCategories", toJsonValue(e.content.priceCategories)},
          {"organizerId", e.organizerId},
          {"status", to_string(e.status)},
          {"createdAt", formatRfc3339(e.createdAt)},
          {"updatedAt", formatRfc3339(e.updatedAt)},
          {"version", e.version}};
}

boost::json::object concertJson(const Event& event, const std::optional<std::vector<inventory::CategoryUsage>>& usage) {
  auto json = eventJson(event);
  std::int64_t totalSeats = 0;
  for (const auto& c : event.content.priceCategories) totalSeats += c.totalSeats;
  json["artist"] = event.content.name;
  json["date"] = formatRfc3339(event.content.startsAt);
  json["totalSeats"] = totalSeats;
  if (usage) {
    std::int64_t total = 0;
    std::int64_t committed = 0;
    for (const auto& u : *usage) {
      total += u.totalSeats;
      committed += u.reservedSeats + u.soldSeats;
    }
    json["availableSeats"] = std::max<std::int64_t>(0, total - committed);
  }
  return json;
}

boost::json::object categoryJson(const Category& category) {
  return {{"slug", category.slug}, {"name", category.name}};
}

namespace {

namespace api = openapi;

std::vector<api::Field> eventFields() {
  return {{"id", api::uuid()},
          {"name", api::string()},
          {"description", api::string()},
          {"category", api::string()},
          {"startsAt", api::dateTime()},
          {"endsAt", api::dateTime()},
          {"timezone", api::described(api::string(), "IANA time zone of the venue, for display.")},
          {"venue", api::schemaOf<Venue>()},
          {"maxCapacity", api::integer(1, kMaxCapacity)},
          {"priceCategories", api::arrayOf(api::schemaOf<PriceCategory>())},
          {"organizerId", api::uuid()},
          {"status", api::enumeration({"Draft", "Published", "Cancelled", "Completed"})},
          {"createdAt", api::dateTime()},
          {"updatedAt", api::dateTime()},
          {"version", api::described(api::integer(), "Also the ETag; send it back in If-Match.")}};
}

}  // namespace

void defineApiSchemas(api::Components& components) {
  components.define("Event", api::object(eventFields()));
  auto concert = eventFields();
  concert.push_back({"artist", api::described(api::string(), "The event's name.")});
  concert.push_back({"date", api::described(api::dateTime(), "The event's startsAt.")});
  concert.push_back({"totalSeats", api::integer()});
  concert.push_back(api::optional(
      "availableSeats", api::described(api::integer(), "Seats not held or sold; absent when inventory has no data.")));
  components.define("Concert", api::object(std::move(concert)));
  components.define("Category", api::object({{"slug", api::string()}, {"name", api::string()}}));

  auto priceCategory = api::object(
      {{"categoryId", api::described(api::string(1, 40), "a-z, 0-9 and '-'; unique within the event.")},
       {"name", api::string(1, 100)},
       {"price", api::object({{"amount", api::described(api::integer(0, kMaxPriceAmount), "Minor units.")},
                              {"currency", api::described(api::string(3, 3), "ISO 4217; one per event.")}})},
       {"totalSeats", api::integer(1, kMaxCapacity)}});
  auto priceCategoryList = api::arrayOf(std::move(priceCategory));
  priceCategoryList["maxItems"] = kMaxPriceCategories;
  components.define(
      "EventInput",
      api::object(
          {{"name", api::string(1, 200)},
           api::optional("description", api::string(0, 10'000)),
           {"category", api::described(api::string(1, 40), "A category slug (GET /api/v1/events/categories).")},
           {"startsAt", api::dateTime()},
           {"endsAt", api::described(api::dateTime(), "After startsAt.")},
           {"timezone", api::described(api::string(1, 64), "IANA name, e.g. Europe/Berlin.")},
           {"venue", api::object({{"name", api::string(1, 200)},
                                  api::optional("address", api::string(0, 500)),
                                  {"city", api::string(1, 100)},
                                  {"country", api::described(api::string(2, 2), "ISO 3166-1 alpha-2.")}})},
           {"maxCapacity", api::integer(1, kMaxCapacity)},
           api::optional("priceCategories",
                         api::described(std::move(priceCategoryList), "Their seats add up to at most maxCapacity.")),
           api::optional("organizerId", api::described(api::uuid(), "Admins only: create for this organizer."))}));
  components.define("CategoryInput", api::object({{"slug", api::described(api::string(1, 40), "a-z, 0-9 and '-'.")},
                                                  {"name", api::string(1, 100)}}));
}

}  // namespace boxoffice::events
