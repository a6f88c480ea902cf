#pragma once
// Time as the API speaks it: RFC 3339 UTC text; system_clock inside.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace boxoffice {

// Wall-clock time. The injected source of it is Clock (clock.hpp).
using TimePoint = std::chrono::system_clock::time_point;

// "2026-05-20T19:30:00Z" (with milliseconds when non-zero: "…00.250Z").
std::string formatRfc3339(TimePoint time);
// Accepts "Z" or a numeric offset, optional fractional seconds; nullopt if malformed or invalid,
// or outside the years 1900 to 2200 (beyond, the nanosecond TimePoint would overflow).
std::optional<TimePoint> parseRfc3339(std::string_view text);
// Accepts "YYYY-MM-DD" (midnight UTC) or full RFC 3339.
std::optional<TimePoint> parseDateOrDateTime(std::string_view text);
std::int64_t toUnixMillis(TimePoint time);
TimePoint fromUnixMillis(std::int64_t millis);
// formatRfc3339(fromUnixMillis(millis)): how stored Unix-millisecond times are shown.
std::string formatUnixMillis(std::int64_t millis);

}  // namespace boxoffice
