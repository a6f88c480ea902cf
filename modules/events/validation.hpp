#pragma once
// Turning request bodies into validated domain input. Every rule that concerns a single request
// lives here (lengths, formats, the time zone, the currency, price category consistency);
// rules that need stored state (category list, status, sales) live in the service.
#include <boost/json/object.hpp>
#include <filesystem>
#include <string>
#include <string_view>

#include "model.hpp"

namespace boxoffice::events {

inline constexpr int kMaxCapacity = 1'000'000;
inline constexpr std::size_t kMaxPriceCategories = 50;
inline constexpr std::int64_t kMaxPriceAmount = 100'000'000'00;  // 100 million in major units

// IANA time zone names, checked against the system's tz database (<dir>/<name> must be a TZif
// file). Without a tz database a compiled list of common zones is used instead.
class TimezoneCheck {
 public:
  explicit TimezoneCheck(std::filesystem::path zoneinfoDir = "/usr/share/zoneinfo");
  bool valid(std::string_view name) const;

 private:
  std::filesystem::path dir_;
  bool haveDatabase_;
};

// [a-z0-9-]{1,maxLength}
bool isSlug(std::string_view text, std::size_t maxLength = 40);
// An active ISO 4217 currency code that can price a ticket (no metals or test codes).
bool isCurrency(std::string_view code);
// ISO 3166-1 alpha-2 shape: two upper-case ASCII letters.
bool isCountryCode(std::string_view code);

// The body of POST /events and PUT /events/{id}. Throws Problem::validation naming each bad
// field ("priceCategories[1].price.amount"). Does not check that the category exists.
EventInput parseEventInput(const boost::json::object& body, const TimezoneCheck& zones);

// The body of POST /events/categories: {slug, name}.
Category parseCategoryInput(const boost::json::object& body);

}  // namespace boxoffice::events
