// RFC 3339 time text and identifiers.
#include <chrono>
#include <doctest/doctest.h>
#include <limits>
#include <set>
#include <thread>

#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/time.hpp"

using namespace boxoffice;
using namespace std::chrono;

TEST_CASE("time: formats UTC with Z, milliseconds only when non-zero") {
  CHECK(formatRfc3339(fromUnixMillis(0)) == "1970-01-01T00:00:00Z");
  CHECK(formatRfc3339(fromUnixMillis(1779305400000)) == "2026-05-20T19:30:00Z");
  CHECK(formatRfc3339(fromUnixMillis(1779305400250)) == "2026-05-20T19:30:00.250Z");
  CHECK(formatRfc3339(fromUnixMillis(951782400000)) == "2000-02-29T00:00:00Z");  // leap day
}

TEST_CASE("time: parses Z, offsets and fractions to the same instant") {
  auto expected = fromUnixMillis(1779305400000);
  CHECK(parseRfc3339("2026-05-20T19:30:00Z") == expected);
  CHECK(parseRfc3339("2026-05-20T19:30:00z") == expected);
  CHECK(parseRfc3339("2026-05-20T21:30:00+02:00") == expected);
  CHECK(parseRfc3339("2026-05-20T14:30:00-05:00") == expected);
  CHECK(parseRfc3339("2026-05-20T19:30:00.250Z") == fromUnixMillis(1779305400250));
  CHECK(parseRfc3339("2026-05-20T19:30:00.5Z") == fromUnixMillis(1779305400500));
  CHECK(parseRfc3339("2026-05-20T19:30:00.123456789Z") == fromUnixMillis(1779305400123));
}

TEST_CASE("time: format and parse round-trip") {
  for (std::int64_t ms : {0LL, 1LL, 999LL, 1779305400250LL, 4102444799999LL}) {
    CAPTURE(ms);
    auto text = formatRfc3339(fromUnixMillis(ms));
    auto back = parseRfc3339(text);
    REQUIRE(back.has_value());
    CHECK(toUnixMillis(*back) == ms);
  }
}

TEST_CASE("time: malformed or impossible times are rejected") {
  for (auto text :
       {"", "2026-05-20", "2026-05-20T19:30:00", "2026-05-20T19:30Z", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
        "2025-02-29T00:00:00Z", "2026-05-20T24:00:00Z", "2026-05-20T19:60:00Z", "2026-05-20T19:30:00+2:00",
        "2026-05-20T19:30:00+02", "2026-05-20T19:30:00Zjunk", "2026-05-20T19:30:00.Z", "20260520T193000Z",
        "2026/05/20T19:30:00Z", "tomorrow", "2026-05-20T19:30:00+24:00"}) {
    CAPTURE(text);
    CHECK_FALSE(parseRfc3339(text).has_value());
  }
}

TEST_CASE("time: years a nanosecond TimePoint cannot hold are rejected, not wrapped around") {
  CHECK_FALSE(parseRfc3339("9999-12-31T23:00:00Z").has_value());  // used to come back as 1816
  CHECK_FALSE(parseRfc3339("2263-01-01T00:00:00Z").has_value());
  CHECK_FALSE(parseRfc3339("1677-01-01T00:00:00Z").has_value());
  CHECK_FALSE(parseDateOrDateTime("9999-12-31").has_value());
  REQUIRE(parseRfc3339("2200-12-31T23:59:59Z").has_value());
  CHECK(formatRfc3339(*parseRfc3339("2200-12-31T23:59:59Z")) == "2200-12-31T23:59:59Z");
  CHECK(parseRfc3339("1900-01-01T00:00:00Z").has_value());
}

TEST_CASE("time: Unix milliseconds beyond what a TimePoint holds saturate instead of overflowing") {
  // Under UBSan an overflowing conversion would fail this test; the values clamp at the year 2262.
  for (std::int64_t ms : {std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min(),
                          std::int64_t{9'300'000'000'000}, std::int64_t{-9'300'000'000'000}}) {
    auto text = formatUnixMillis(ms);
    CHECK(text.size() >= 20);
    CHECK(fromUnixMillis(ms) == fromUnixMillis(ms > 0 ? std::int64_t{9'300'000'000'000} : -9'300'000'000'000));
  }
  CHECK(formatUnixMillis(std::numeric_limits<std::int64_t>::max()).substr(0, 4) == "2262");
}

TEST_CASE("time: a date alone means midnight UTC") {
  CHECK(parseDateOrDateTime("2026-05-20") == parseRfc3339("2026-05-20T00:00:00Z"));
  CHECK(parseDateOrDateTime("2026-05-20T10:00:00Z") == parseRfc3339("2026-05-20T10:00:00Z"));
  CHECK_FALSE(parseDateOrDateTime("2026-02-31").has_value());
  CHECK_FALSE(parseDateOrDateTime("05/20/2026").has_value());
}

TEST_CASE("ids: UUID v7 in canonical lower-case form, unique") {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto id = newUuid();
    REQUIRE(id.size() == 36);
    CHECK(isUuid(id));
    CHECK(id[14] == '7');                                          // version
    CHECK(std::string("89ab").find(id[19]) != std::string::npos);  // variant
    CHECK(id == [&] {
      std::string lower = id;
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return lower;
    }());
    seen.insert(id);
  }
  CHECK(seen.size() == 1000);
}

TEST_CASE("ids: later ids sort later, and the first 48 bits are the creation time in milliseconds") {
  auto before =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
  auto first = newUuid();
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  auto second = newUuid();
  CHECK(first < second);
  auto stamp = std::stoll(first.substr(0, 8) + first.substr(9, 4), nullptr, 16);
  CHECK(stamp >= before.count());
  CHECK(stamp <= before.count() + 1000);
}

TEST_CASE("ids: isUuid rejects near misses") {
  CHECK(isUuid("123e4567-e89b-42d3-a456-426614174000"));
  for (auto text : {"", "123e4567e89b42d3a456426614174000", "123e4567-e89b-42d3-a456-42661417400",
                    "123e4567-e89b-42d3-a456-4266141740000", "123e4567-e89b-42d3-a456_426614174000",
                    "g23e4567-e89b-42d3-a456-426614174000", "../../etc/passwd"}) {
    CAPTURE(text);
    CHECK_FALSE(isUuid(text));
  }
}

TEST_CASE("ids: random tokens are URL-safe and carry the entropy asked for") {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto token = randomToken(32);
    CHECK(token.size() >= 43);  // 32 bytes in unpadded base64
    for (char c : token) {
      CHECK((std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'));
    }
    seen.insert(token);
  }
  CHECK(seen.size() == 200);
}

TEST_CASE("ids: sha256Hex") {
  CHECK(sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
