#include "boxoffice/kernel/time.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <limits>

namespace boxoffice {

using namespace std::chrono;

std::string formatRfc3339(TimePoint time) {
  auto millis = duration_cast<milliseconds>(time.time_since_epoch()).count();
  auto secondsPart = floor<seconds>(time);
  auto days = floor<std::chrono::days>(secondsPart);
  year_month_day ymd{days};
  hh_mm_ss hms{secondsPart - days};
  int ms = static_cast<int>(((millis % 1000) + 1000) % 1000);
  char buffer[40];
  if (ms == 0) {
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02ld:%02ld:%02ldZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                  static_cast<long>(hms.seconds().count()));
  } else {
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02ld:%02ld:%02ld.%03dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                  static_cast<long>(hms.seconds().count()), ms);
  }
  return buffer;
}

namespace {
constexpr int kEarliestYear = 1900;
constexpr int kLatestYear = 2200;

bool readInt(std::string_view text, std::size_t pos, std::size_t len, int& out) {
  if (pos + len > text.size()) return false;
  for (std::size_t i = pos; i < pos + len; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  std::from_chars(text.data() + pos, text.data() + pos + len, out);
  return true;
}

std::optional<sys_days> parseDate(std::string_view text) {
  int y = 0;
  int m = 0;
  int d = 0;
  if (text.size() < 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  if (!readInt(text, 0, 4, y) || !readInt(text, 5, 2, m) || !readInt(text, 8, 2, d)) return std::nullopt;
  // TimePoint counts nanoseconds in 64 bits: it reaches only the years 1678 to 2262, and a date
  // beyond would wrap around silently (9999-12-31 became 1816). Accept a range well inside it.
  if (y < kEarliestYear || y > kLatestYear) return std::nullopt;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days{ymd};
}
}  // namespace

std::optional<TimePoint> parseRfc3339(std::string_view text) {
  auto date = parseDate(text);
  if (!date || text.size() < 20) return std::nullopt;
  if (text[10] != 'T' && text[10] != 't' && text[10] != ' ') return std::nullopt;
  int hh = 0;
  int mm = 0;
  int ss = 0;
  if (!readInt(text, 11, 2, hh) || text[13] != ':' || !readInt(text, 14, 2, mm) || text[16] != ':' ||
      !readInt(text, 17, 2, ss)) {
    return std::nullopt;
  }
  if (hh > 23 || mm > 59 || ss > 60) return std::nullopt;
  std::size_t pos = 19;
  milliseconds fraction{0};
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t start = pos;
    int scale = 100;
    int ms = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (scale > 0) ms += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
    fraction = milliseconds{ms};
  }
  if (pos >= text.size()) return std::nullopt;
  minutes offset{0};
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    int oh = 0;
    int om = 0;
    if (!readInt(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !readInt(text, pos + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset = minutes{oh * 60 + om};
    if (text[pos] == '-') offset = -offset;
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  TimePoint t = *date + hours{hh} + minutes{mm} + seconds{ss} + fraction;
  return t - offset;
}

std::optional<TimePoint> parseDateOrDateTime(std::string_view text) {
  if (text.size() == 10) {
    auto date = parseDate(text);
    if (!date) return std::nullopt;
    return TimePoint{*date};
  }
  return parseRfc3339(text);
}

std::int64_t toUnixMillis(TimePoint time) { return duration_cast<milliseconds>(time.time_since_epoch()).count(); }

TimePoint fromUnixMillis(std::int64_t millis) {
  // TimePoint counts nanoseconds: beyond about ±9.2e12 ms (the year 2262) the conversion would
  // overflow. Stored times never get there; a corrupt or hostile value saturates instead.
  constexpr std::int64_t kLimit = std::numeric_limits<std::int64_t>::max() / 1'000'000;
  return TimePoint{milliseconds{std::clamp(millis, -kLimit, kLimit)}};
}

std::string formatUnixMillis(std::int64_t millis) { return formatRfc3339(fromUnixMillis(millis)); }

}  // namespace boxoffice
