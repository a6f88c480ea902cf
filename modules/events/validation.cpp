#include "validation.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <map>

#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/json.hpp"

namespace boxoffice::events {

namespace {

// Active ISO 4217 codes, sorted (binary search). Precious metals, SDR and testing codes
// (XAU, XDR, XTS, XXX, ...) are left out: nobody sells a ticket for an ounce of gold.
constexpr std::array<std::string_view, 169> kCurrencies = {
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN", "BHD", "BIF",
    "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHE", "CHF", "CHW", "CLF",
    "CLP", "CNY", "COP", "COU", "CRC", "CUC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB",
    "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR",
    "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD",
    "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR",
    "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK",
    "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP",
    "SLE", "SLL", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD",
    "TWD", "TZS", "UAH", "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VED", "VES", "VND", "VUV", "WST", "XAF",
    "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG", "ZWL",
};

// Used only when the machine has no tz database (minimal containers).
constexpr std::array<std::string_view, 48> kFallbackZones = {
    "Africa/Cairo",        "Africa/Johannesburg",
    "Africa/Lagos",        "Africa/Nairobi",
    "America/Bogota",      "America/Chicago",
    "America/Denver",      "America/Los_Angeles",
    "America/Mexico_City", "America/New_York",
    "America/Phoenix",     "America/Sao_Paulo",
    "America/Toronto",     "America/Vancouver",
    "Asia/Bangkok",        "Asia/Dubai",
    "Asia/Hong_Kong",      "Asia/Jakarta",
    "Asia/Kolkata",        "Asia/Seoul",
    "Asia/Shanghai",       "Asia/Singapore",
    "Asia/Tokyo",          "Australia/Melbourne",
    "Australia/Sydney",    "Etc/UTC",
    "Europe/Amsterdam",    "Europe/Athens",
    "Europe/Berlin",       "Europe/Brussels",
    "Europe/Dublin",       "Europe/Helsinki",
    "Europe/Istanbul",     "Europe/Lisbon",
    "Europe/London",       "Europe/Madrid",
    "Europe/Moscow",       "Europe/Oslo",
    "Europe/Paris",        "Europe/Prague",
    "Europe/Rome",         "Europe/Stockholm",
    "Europe/Vienna",       "Europe/Warsaw",
    "Europe/Zurich",       "Pacific/Auckland",
    "Pacific/Honolulu",    "UTC",
};

bool zoneNameShape(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() == '/' || name.back() == '/') return false;
  if (name.find("//") != std::string_view::npos) return false;
  bool ok = std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '+' || c == '/';
  });
  if (!ok) return false;
  // Files in the tz directory that are not zones, and the duplicate "posix"/"right" trees.
  if (name.starts_with("posix/") || name.starts_with("right/")) return false;
  for (std::string_view notZone : {"posixrules", "localtime", "Factory", "posix", "right", "leapseconds"}) {
    if (name == notZone) return false;
  }
  // Zone names start with a letter; "+VERSION" and friends do not.
  return (name.front() >= 'A' && name.front() <= 'Z') || (name.front() >= 'a' && name.front() <= 'z');
}

bool isBlank(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c) != 0; });
}

void readVenue(json::ObjectReader& in, Venue& venue) {
  const auto* object = in.requiredObject("venue");
  if (!object) return;
  json::ObjectReader v(*object, in.validation(), in.field("venue"));
  venue.name = v.requiredString("name", 1, 200);
  venue.address = v.optionalString("address", 0, 500).value_or("");
  venue.city = v.requiredString("city", 1, 100);
  venue.country = v.requiredString("country", 2, 2);
  if (!venue.country.empty() && !isCountryCode(venue.country)) {
    in.validation().add(v.field("country"), "must be an ISO 3166-1 alpha-2 code such as \"DE\"");
  }
  v.rejectUnknown();
}

// One price category; returns false if any of its fields was invalid.
bool readPriceCategory(const boost::json::value& value, const std::string& path, json::Validation& validation,
                       PriceCategory& out) {
  if (!value.is_object()) {
    validation.add(path, "must be an object");
    return false;
  }
  auto before = validation.errors().size();
  json::ObjectReader in(value.as_object(), validation, path);
  out.categoryId = in.requiredString("categoryId", 1, 40);
  if (!out.categoryId.empty() && !isSlug(out.categoryId)) {
    validation.add(in.field("categoryId"), "must be 1-40 characters of a-z, 0-9 and '-'");
  }
  out.name = in.requiredString("name", 1, 100);
  if (const auto* price = in.requiredObject("price")) {
    json::ObjectReader p(*price, validation, in.field("price"));
    out.price.amount = p.requiredInt("amount", 0, kMaxPriceAmount);
    out.price.currency = p.requiredString("currency", 3, 3);
    if (!out.price.currency.empty() && !isCurrency(out.price.currency)) {
      validation.add(p.field("currency"), "must be an ISO 4217 currency code such as \"EUR\"");
    }
    p.rejectUnknown();
  }
  out.totalSeats = static_cast<int>(in.requiredInt("totalSeats", 1, kMaxCapacity));
  in.rejectUnknown();
  return validation.errors().size() == before;
}

void readPriceCategories(json::ObjectReader& in, EventContent& content, bool capacityValid) {
  const auto* array = in.optionalArray("priceCategories", kMaxPriceCategories);
  if (!array) return;
  auto& validation = in.validation();
  bool allValid = true;
  std::map<std::string, std::size_t> firstIndexById;
  for (std::size_t i = 0; i < array->size(); ++i) {
    std::string path = in.field("priceCategories") + "[" + std::to_string(i) + "]";
    PriceCategory category;
    if (!readPriceCategory((*array)[i], path, validation, category)) {
      allValid = false;
      continue;
    }
    auto [it, inserted] = firstIndexById.emplace(category.categoryId, i);
    if (!inserted) {
      validation.add(path + ".categoryId", "duplicates priceCategories[" + std::to_string(it->second) + "].categoryId");
      allValid = false;
    }
    if (!content.priceCategories.empty() && category.price.currency != content.priceCategories.front().price.currency) {
      validation.add(path + ".price.currency", "must be " + content.priceCategories.front().price.currency +
                                                   ", like the other price categories of this event");
      allValid = false;
    }
    content.priceCategories.push_back(std::move(category));
  }
  if (allValid && capacityValid) {
    std::int64_t seats = 0;
    for (const auto& c : content.priceCategories) seats += c.totalSeats;
    if (seats > content.maxCapacity) {
      validation.add(in.field("priceCategories"), "seats add up to " + std::to_string(seats) +
                                                      ", more than maxCapacity " + std::to_string(content.maxCapacity));
    }
  }
}

}  // namespace

TimezoneCheck::TimezoneCheck(std::filesystem::path zoneinfoDir)
    : dir_(std::move(zoneinfoDir)), haveDatabase_(std::filesystem::is_directory(dir_)) {}

bool TimezoneCheck::valid(std::string_view name) const {
  if (!zoneNameShape(name)) return false;
  if (!haveDatabase_) {
    return std::find(kFallbackZones.begin(), kFallbackZones.end(), name) != kFallbackZones.end();
  }
  // A real zone is a TZif file; the directory also holds tables (zone.tab) and sub-directories.
  std::ifstream file(dir_ / std::string(name), std::ios::binary);
  if (!file) return false;
  char magic[4] = {};
  file.read(magic, sizeof magic);
  return file.gcount() == 4 && std::string_view(magic, 4) == "TZif";
}

bool isSlug(std::string_view text, std::size_t maxLength) {
  if (text.empty() || text.size() > maxLength) return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

bool isCurrency(std::string_view code) { return std::binary_search(kCurrencies.begin(), kCurrencies.end(), code); }

bool isCountryCode(std::string_view code) {
  return code.size() == 2 && std::all_of(code.begin(), code.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

EventInput parseEventInput(const boost::json::object& body, const TimezoneCheck& zones) {
  json::Validation validation;
  json::ObjectReader in(body, validation);
  EventInput input;
  auto& c = input.content;

  c.name = in.requiredString("name", 1, 200);
  if (!c.name.empty() && isBlank(c.name)) validation.add("name", "must not be blank");
  c.description = in.optionalString("description", 0, 10'000).value_or("");
  c.category = in.requiredString("category", 1, 40);
  if (!c.category.empty() && !isSlug(c.category)) {
    validation.add("category", "must be a category slug such as \"concert\"");
  }

  auto startsText = in.requiredString("startsAt", 1, 64);
  auto endsText = in.requiredString("endsAt", 1, 64);
  std::optional<TimePoint> starts;
  std::optional<TimePoint> ends;
  if (!startsText.empty() && !(starts = parseRfc3339(startsText))) {
    validation.add("startsAt", "must be an RFC 3339 date-time such as 2027-05-20T19:30:00Z, in the years 1900 to 2200");
  }
  if (!endsText.empty() && !(ends = parseRfc3339(endsText))) {
    validation.add("endsAt", "must be an RFC 3339 date-time such as 2027-05-20T23:00:00Z, in the years 1900 to 2200");
  }
  if (starts && ends && *ends <= *starts) validation.add("endsAt", "must be after startsAt");
  if (starts) c.startsAt = *starts;
  if (ends) c.endsAt = *ends;

  c.timezone = in.requiredString("timezone", 1, 64);
  if (!c.timezone.empty() && !zones.valid(c.timezone)) {
    validation.add("timezone", "must be an IANA time zone name such as \"Europe/Berlin\"");
  }

  readVenue(in, c.venue);

  auto errorsBefore = validation.errors().size();
  c.maxCapacity = static_cast<int>(in.requiredInt("maxCapacity", 1, kMaxCapacity));
  bool capacityValid = validation.errors().size() == errorsBefore;
  readPriceCategories(in, c, capacityValid);

  if (auto organizer = in.optionalString("organizerId", 1, 64)) {
    if (isUuid(*organizer)) {
      input.organizerId = std::move(*organizer);
    } else {
      validation.add("organizerId", "must be a UUID");
    }
  }

  in.rejectUnknown();
  validation.throwIfAny();
  return input;
}

Category parseCategoryInput(const boost::json::object& body) {
  json::Validation validation;
  json::ObjectReader in(body, validation);
  Category category;
  category.slug = in.requiredString("slug", 1, 40);
  if (!category.slug.empty() && !isSlug(category.slug)) {
    validation.add("slug", "must be 1-40 characters of a-z, 0-9 and '-'");
  }
  category.name = in.requiredString("name", 1, 100);
  if (!category.name.empty() && isBlank(category.name)) validation.add("name", "must not be blank");
  in.rejectUnknown();
  validation.throwIfAny();
  return category;
}

}  // namespace boxoffice::events
