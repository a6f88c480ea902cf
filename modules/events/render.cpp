#include "render.hpp"

#include "boxoffice/kernel/message_json.hpp"

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

}  // namespace boxoffice::events
