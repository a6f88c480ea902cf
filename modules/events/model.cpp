#include "model.hpp"

namespace boxoffice::events {

std::string_view to_string(Status status) {
  switch (status) {
    case Status::Draft:
      return messages::status::draft;
    case Status::Published:
      return messages::status::published;
    case Status::Cancelled:
      return messages::status::cancelled;
    case Status::Completed:
      return messages::status::completed;
  }
  return "Unknown";
}

std::optional<Status> parseStatus(std::string_view text) {
  for (auto s : {Status::Draft, Status::Published, Status::Cancelled, Status::Completed}) {
    if (to_string(s) == text) return s;
  }
  return std::nullopt;
}

messages::EventState toState(const Event& event) {
  messages::EventState s;
  s.eventId = event.id;
  s.name = event.content.name;
  s.category = event.content.category;
  s.organizerId = event.organizerId;
  s.status = std::string(to_string(event.status));
  s.startsAt = formatRfc3339(event.content.startsAt);
  s.endsAt = formatRfc3339(event.content.endsAt);
  s.timezone = event.content.timezone;
  s.venue = event.content.venue;
  s.maxCapacity = event.content.maxCapacity;
  s.priceCategories = event.content.priceCategories;
  s.version = event.version;
  return s;
}

}  // namespace boxoffice::events
