// Values written for a reader: money with the currency's exponent in the reader's locale, dates
// in the reader's zone and language, integers grouped, HTML escaping.
#include <doctest/doctest.h>

#include "boxoffice/kernel/time.hpp"
#include "formats.hpp"

using namespace boxoffice;
using namespace boxoffice::notifications;

namespace {

DateTime at(std::string_view rfc3339) {
  return DateTime{std::chrono::time_point_cast<std::chrono::seconds>(*parseRfc3339(rfc3339))};
}

// ICU writes a narrow no-break space in places (e.g. before "PM", between amount and €): compare
// with it spelled out.
constexpr std::string_view kNbsp = "\u00a0";
constexpr std::string_view kNarrowNbsp = "\u202f";

std::string plainSpaces(std::string text) {
  for (auto space : {kNbsp, kNarrowNbsp}) {
    for (auto pos = text.find(space); pos != std::string::npos; pos = text.find(space))
      text.replace(pos, space.size(), " ");
  }
  return text;
}

}  // namespace

TEST_CASE("money: minor units with the currency's exponent, in the reader's locale") {
  DatePatterns patterns;
  Formats en(patterns, "en", "UTC");
  Formats de(patterns, "de", "UTC");
  CHECK(en.money({123450, "EUR"}) == "€1,234.50");
  CHECK(plainSpaces(de.money({123450, "EUR"})) == "1.234,50 €");
  CHECK(en.money({5, "EUR"}) == "€0.05");
  CHECK(en.money({-2500, "USD"}) == "-$25.00");
  CHECK(en.money({1234, "JPY"}) == "¥1,234");  // no minor unit
  CHECK(plainSpaces(de.money({1234, "JPY"})) == "1.234 ¥");
  CHECK(plainSpaces(en.money({1234, "BHD"})) == "BHD 1.234");  // three decimals
  CHECK(en.money({100, "ZZ"}) == "1.00 ZZ");                   // not a currency code: the number and the code
}

TEST_CASE("money: large amounts are exact (no floating point)") {
  DatePatterns patterns;
  Formats en(patterns, "en", "UTC");
  CHECK(en.money({900719925474099123, "EUR"}) == "€9,007,199,254,740,991.23");
}

TEST_CASE("dates: in the reader's time zone and language") {
  DatePatterns patterns;
  auto start = at("2027-03-13T19:00:00Z");
  CHECK(plainSpaces(Formats(patterns, "en", "Europe/Berlin").dateTime(start)) ==
        "Saturday, March 13, 2027 at 8:00 PM GMT+1");
  CHECK(plainSpaces(Formats(patterns, "de", "Europe/Berlin").dateTime(start)) == "Samstag, 13. März 2027 um 20:00 MEZ");
  CHECK(plainSpaces(Formats(patterns, "en", "America/New_York").dateTime(start)) ==
        "Saturday, March 13, 2027 at 2:00 PM EST");
  // Summer time is the zone's, not a fixed offset.
  CHECK(plainSpaces(Formats(patterns, "de", "Europe/Berlin").dateTime(at("2027-07-01T18:30:00Z"))) ==
        "Donnerstag, 1. Juli 2027 um 20:30 MESZ");
  // An unknown zone is written in UTC rather than failing a send.
  CHECK(plainSpaces(Formats(patterns, "en", "Mars/Olympus").dateTime(start)) ==
        "Saturday, March 13, 2027 at 7:00 PM UTC");
}

TEST_CASE("integers are grouped in the reader's locale, other languages are written as en") {
  DatePatterns patterns;
  CHECK(Formats(patterns, "en", "UTC").integer(1234567) == "1,234,567");
  CHECK(Formats(patterns, "de", "UTC").integer(1234567) == "1.234.567");
  CHECK(Formats(patterns, "fr", "UTC").integer(1234567) == "1,234,567");
  CHECK(Formats(patterns, "en", "UTC").value(TemplateValue{std::string("a&b")}) == "a&b");
  CHECK(Formats(patterns, "de", "UTC").value(TemplateValue{Reason{"card-declined"}}) == "die Karte wurde abgelehnt");
  CHECK(Formats(patterns, "en", "UTC").value(TemplateValue{Reason{"card-declined"}}) == "the card was declined");
}

TEST_CASE("HTML escaping covers & < > \" and '") {
  CHECK(htmlEscape(R"(<a href="x" onclick='y'>Tom & Jerry</a>)") ==
        "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;Tom &amp; Jerry&lt;/a&gt;");
  CHECK(htmlEscape("plain ünïcode") == "plain ünïcode");
}
