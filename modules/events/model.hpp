#pragma once
// The events module's domain types. An event's editable content is kept apart from what the
// module manages itself (id, owner, status, timestamps, version), so create and update share
// one validated input type and "what changed" is a plain comparison.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "boxoffice/events/messages.hpp"
#include "boxoffice/kernel/time.hpp"

namespace boxoffice::events {

using messages::Money;
using messages::PriceCategory;
using messages::Venue;

enum class Status { Draft, Published, Cancelled, Completed };

std::string_view to_string(Status status);
std::optional<Status> parseStatus(std::string_view text);

// What POST and PUT set.
struct EventContent {
  std::string name;
  std::string description;
  std::string category;  // slug from the managed category list
  TimePoint startsAt;
  TimePoint endsAt;
  std::string timezone;  // IANA
  Venue venue;
  int maxCapacity = 0;
  std::vector<PriceCategory> priceCategories;

  bool operator==(const EventContent&) const = default;
};

// A validated request body: the content plus, for an Admin, the owner to assign.
struct EventInput {
  EventContent content;
  std::optional<std::string> organizerId;
};

struct Event {
  std::string id;
  EventContent content;
  std::string organizerId;
  Status status = Status::Draft;
  TimePoint createdAt;
  TimePoint updatedAt;
  std::int64_t version = 1;
};

struct Category {
  std::string slug;
  std::string name;
};

// The message/api view of an event.
messages::EventState toState(const Event& event);

}  // namespace boxoffice::events
