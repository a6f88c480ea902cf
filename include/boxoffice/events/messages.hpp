#pragma once
// Integration messages the events module publishes on topic "events".
//
// Every message carries the event's complete state after the change (EventState), so a
// subscriber can build or refresh its own copy from any single message without calling back:
// the inventory module creates an event's inventory from EventCreated and adjusts it from
// EventUpdated's priceCategories. Messages are written to the events outbox in the same
// transaction as the change; `version` is the event's version (its ETag) after the change, so a
// subscriber can ignore a message older than what it already applied.
//
// fromJson throws std::invalid_argument on a payload that lacks a field or has a wrong type (a
// handler that lets it escape has the message retried and eventually dead-lettered).
#include <algorithm>
#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace boxoffice::events::messages {

inline constexpr std::string_view kTopic = "events";

// Event status names as they appear in messages and in the API.
namespace status {
inline constexpr std::string_view draft = "Draft";
inline constexpr std::string_view published = "Published";
inline constexpr std::string_view cancelled = "Cancelled";
inline constexpr std::string_view completed = "Completed";
}  // namespace status

namespace detail {
inline const boost::json::value& at(const boost::json::object& o, std::string_view key) {
  const auto* it = o.find(key);
  if (it == o.end()) throw std::invalid_argument("events message: missing field '" + std::string(key) + "'");
  return it->value();
}
inline std::string str(const boost::json::object& o, std::string_view key) {
  const auto& v = at(o, key);
  if (!v.is_string()) throw std::invalid_argument("events message: '" + std::string(key) + "' is not a string");
  return std::string(v.as_string());
}
inline std::int64_t integer(const boost::json::object& o, std::string_view key) {
  const auto& v = at(o, key);
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64()) return static_cast<std::int64_t>(v.as_uint64());
  throw std::invalid_argument("events message: '" + std::string(key) + "' is not an integer");
}
inline const boost::json::object& obj(const boost::json::object& o, std::string_view key) {
  const auto& v = at(o, key);
  if (!v.is_object()) throw std::invalid_argument("events message: '" + std::string(key) + "' is not an object");
  return v.as_object();
}
inline const boost::json::array& arr(const boost::json::object& o, std::string_view key) {
  const auto& v = at(o, key);
  if (!v.is_array()) throw std::invalid_argument("events message: '" + std::string(key) + "' is not an array");
  return v.as_array();
}
inline std::optional<std::string> optStr(const boost::json::object& o, std::string_view key) {
  const auto* it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::nullopt;
  return str(o, key);
}
}  // namespace detail

struct Money {
  std::int64_t amount = 0;  // minor units (cents)
  std::string currency;     // ISO 4217, e.g. "EUR"

  boost::json::object toJson() const { return {{"amount", amount}, {"currency", currency}}; }
  static Money fromJson(const boost::json::object& o) {
    return {detail::integer(o, "amount"), detail::str(o, "currency")};
  }
  bool operator==(const Money&) const = default;
};

struct PriceCategory {
  std::string categoryId;  // slug, unique within the event: "vip", "general"
  std::string name;
  Money price;
  int totalSeats = 0;

  boost::json::object toJson() const {
    return {{"categoryId", categoryId}, {"name", name}, {"price", price.toJson()}, {"totalSeats", totalSeats}};
  }
  static PriceCategory fromJson(const boost::json::object& o) {
    return {detail::str(o, "categoryId"), detail::str(o, "name"), Money::fromJson(detail::obj(o, "price")),
            static_cast<int>(detail::integer(o, "totalSeats"))};
  }
  bool operator==(const PriceCategory&) const = default;
};

struct Venue {
  std::string name;
  std::string address;
  std::string city;
  std::string country;  // ISO 3166-1 alpha-2

  boost::json::object toJson() const {
    return {{"name", name}, {"address", address}, {"city", city}, {"country", country}};
  }
  static Venue fromJson(const boost::json::object& o) {
    return {detail::str(o, "name"), detail::str(o, "address"), detail::str(o, "city"), detail::str(o, "country")};
  }
  bool operator==(const Venue&) const = default;
};

// The state of one event as every message reports it.
struct EventState {
  std::string eventId;
  std::string name;
  std::string category;  // "concert", "theatre", ...
  std::string organizerId;
  std::string status;    // Draft | Published | Cancelled | Completed (see status::)
  std::string startsAt;  // RFC 3339 UTC
  std::string endsAt;    // RFC 3339 UTC
  std::string timezone;  // IANA name of the venue's zone, for display
  Venue venue;
  int maxCapacity = 0;
  std::vector<PriceCategory> priceCategories;
  std::int64_t version = 1;

  boost::json::object toJson() const {
    boost::json::array categories;
    for (const auto& c : priceCategories) categories.push_back(c.toJson());
    return {{"eventId", eventId},
            {"name", name},
            {"category", category},
            {"organizerId", organizerId},
            {"status", status},
            {"startsAt", startsAt},
            {"endsAt", endsAt},
            {"timezone", timezone},
            {"venue", venue.toJson()},
            {"maxCapacity", maxCapacity},
            {"priceCategories", std::move(categories)},
            {"version", version}};
  }
  static EventState fromJson(const boost::json::object& o) {
    EventState s;
    s.eventId = detail::str(o, "eventId");
    s.name = detail::str(o, "name");
    s.category = detail::str(o, "category");
    s.organizerId = detail::str(o, "organizerId");
    s.status = detail::str(o, "status");
    s.startsAt = detail::str(o, "startsAt");
    s.endsAt = detail::str(o, "endsAt");
    s.timezone = detail::str(o, "timezone");
    s.venue = Venue::fromJson(detail::obj(o, "venue"));
    s.maxCapacity = static_cast<int>(detail::integer(o, "maxCapacity"));
    for (const auto& c : detail::arr(o, "priceCategories")) {
      if (!c.is_object()) throw std::invalid_argument("events message: a price category is not an object");
      s.priceCategories.push_back(PriceCategory::fromJson(c.as_object()));
    }
    s.version = detail::integer(o, "version");
    return s;
  }
  bool operator==(const EventState&) const = default;
};

// A new event (always in status Draft).
struct EventCreated : EventState {
  static constexpr std::string_view type = "EventCreated";
  static EventCreated fromJson(const boost::json::object& o) {
    EventCreated m;
    static_cast<EventState&>(m) = EventState::fromJson(o);
    return m;
  }
};

// An edit. The payload is the full new state plus what changed. `changedFields` uses the API's
// field names ("name", "startsAt", "priceCategories", "venue", ...). When startsAt changed,
// `previousStartsAt` holds the old value so ticket holders can be told about the new date.
struct EventUpdated : EventState {
  static constexpr std::string_view type = "EventUpdated";
  std::vector<std::string> changedFields;
  std::optional<std::string> previousStartsAt;

  bool changed(std::string_view field) const {
    return std::ranges::any_of(changedFields, [field](const auto& f) { return f == field; });
  }
  boost::json::object toJson() const {
    auto o = EventState::toJson();
    boost::json::array fields;
    for (const auto& f : changedFields) fields.emplace_back(f);
    o["changedFields"] = std::move(fields);
    if (previousStartsAt) o["previousStartsAt"] = *previousStartsAt;
    return o;
  }
  static EventUpdated fromJson(const boost::json::object& o) {
    EventUpdated m;
    static_cast<EventState&>(m) = EventState::fromJson(o);
    for (const auto& f : detail::arr(o, "changedFields")) {
      if (!f.is_string()) throw std::invalid_argument("events message: changedFields holds a non-string");
      m.changedFields.emplace_back(f.as_string());
    }
    m.previousStartsAt = detail::optStr(o, "previousStartsAt");
    return m;
  }
};

// Draft -> Published: tickets may now be sold.
struct EventPublished : EventState {
  static constexpr std::string_view type = "EventPublished";
  std::string publishedAt;

  boost::json::object toJson() const {
    auto o = EventState::toJson();
    o["publishedAt"] = publishedAt;
    return o;
  }
  static EventPublished fromJson(const boost::json::object& o) {
    EventPublished m;
    static_cast<EventState&>(m) = EventState::fromJson(o);
    m.publishedAt = detail::str(o, "publishedAt");
    return m;
  }
};

// Final: no more sales; holds and paid orders are to be released / refunded by their owners.
struct EventCancelled : EventState {
  static constexpr std::string_view type = "EventCancelled";
  std::string cancelledAt;
  std::string reason;  // may be empty

  boost::json::object toJson() const {
    auto o = EventState::toJson();
    o["cancelledAt"] = cancelledAt;
    o["reason"] = reason;
    return o;
  }
  static EventCancelled fromJson(const boost::json::object& o) {
    EventCancelled m;
    static_cast<EventState&>(m) = EventState::fromJson(o);
    m.cancelledAt = detail::str(o, "cancelledAt");
    m.reason = detail::optStr(o, "reason").value_or("");
    return m;
  }
};

// Soft delete by an Admin: the event vanished from every public read. `status` is the status it
// had when deleted.
struct EventDeleted : EventState {
  static constexpr std::string_view type = "EventDeleted";
  std::string deletedAt;

  boost::json::object toJson() const {
    auto o = EventState::toJson();
    o["deletedAt"] = deletedAt;
    return o;
  }
  static EventDeleted fromJson(const boost::json::object& o) {
    EventDeleted m;
    static_cast<EventState&>(m) = EventState::fromJson(o);
    m.deletedAt = detail::str(o, "deletedAt");
    return m;
  }
};

// Published -> Completed, set by the module's sweeper once endsAt has passed.
struct EventCompleted : EventState {
  static constexpr std::string_view type = "EventCompleted";
  static EventCompleted fromJson(const boost::json::object& o) {
    EventCompleted m;
    static_cast<EventState&>(m) = EventState::fromJson(o);
    return m;
  }
};

}  // namespace boxoffice::events::messages
