// Unsubscribe tokens (signing, forgery, tampering), preference rules and the digest time.
#include <boost/json.hpp>
#include <doctest/doctest.h>

#include "boxoffice/kernel/problem.hpp"
#include "boxoffice/kernel/time.hpp"
#include "preferences.hpp"
#include "service.hpp"
#include "unsubscribe_tokens.hpp"

using namespace boxoffice;
using namespace boxoffice::notifications;

namespace {

std::vector<std::string> errorFields(const boost::json::object& body) {
  try {
    parsePreferences(body, std::string("a@example.com"));
  } catch (const Problem& problem) {
    CHECK(problem.status() == 400);
    std::vector<std::string> out;
    for (const auto& e : problem.errors()) out.push_back(e.field);
    return out;
  }
  return {};
}

boost::json::object defaults() { return toJson(Preferences{}, std::string("a@example.com")); }

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::chrono::sys_seconds at(const char* text) {
  return std::chrono::time_point_cast<std::chrono::seconds>(*parseRfc3339(text));
}

}  // namespace

TEST_CASE("an unsubscribe token round-trips its user, channel and category") {
  UnsubscribeTokens tokens("secret-one");
  auto token = tokens.sign({"user-1", Channel::Email, Category::Marketing});
  auto claim = tokens.verify(token);
  REQUIRE(claim);
  CHECK(claim->userId == "user-1");
  CHECK(toString(claim->channel) == "email");
  CHECK(toString(claim->category) == "marketing");
  CHECK(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") ==
        std::string::npos);
}

TEST_CASE("a token signed with another key, truncated, or with any character changed is refused") {
  UnsubscribeTokens tokens("secret-one");
  UnsubscribeTokens other("secret-two");
  auto token = tokens.sign({"user-1", Channel::Email, Category::Marketing});
  CHECK_FALSE(tokens.verify(other.sign({"user-1", Channel::Email, Category::Marketing})));
  CHECK_FALSE(tokens.verify(token.substr(0, token.size() - 1)));
  CHECK_FALSE(tokens.verify(""));
  CHECK_FALSE(tokens.verify("v1.."));
  CHECK_FALSE(tokens.verify("v2" + token.substr(2)));
  for (std::size_t i = 0; i < token.size(); ++i) {
    auto tampered = token;
    tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
    CHECK_FALSE(tokens.verify(tampered));
  }
}

TEST_CASE("a token for another user cannot be made by swapping the payload of a valid one") {
  UnsubscribeTokens tokens("secret-one");
  auto mine = tokens.sign({"user-1", Channel::Email, Category::Marketing});
  auto theirs = tokens.sign({"user-2", Channel::Email, Category::Marketing});
  auto swapped = theirs.substr(0, theirs.rfind('.')) + mine.substr(mine.rfind('.'));
  CHECK_FALSE(tokens.verify(swapped));
}

TEST_CASE("the defaults parse back to themselves") {
  auto p = parsePreferences(defaults(), std::string("a@example.com"));
  CHECK(p.language == "en");
  CHECK(p.email.enabled);
  CHECK_FALSE(p.sms.enabled);
}

TEST_CASE("every violated preference rule is named in errors") {
  auto body = defaults();
  body["language"] = "fr";
  body["timezone"] = "Mars/Olympus";
  body["frequency"] = "weekly";
  auto& channels = body["channels"].as_object();
  channels["email"].as_object()["enabled"] = false;
  channels["email"].as_object()["address"] = "other@example.com";
  channels["inApp"].as_object()["enabled"] = false;
  channels["inApp"].as_object()["categories"].as_object()["transactional"] = false;
  channels["sms"].as_object()["enabled"] = true;
  channels["push"].as_object()["enabled"] = true;
  auto fields = errorFields(body);
  for (const char* f : {"language", "timezone", "frequency", "channels.email.enabled", "channels.email.address",
                        "channels.inApp.enabled", "channels.inApp.categories.transactional", "channels.sms.phoneNumber",
                        "channels.push.deviceTokens"})
    CHECK_MESSAGE(has(fields, f), f);
}

TEST_CASE("sms needs an E.164 number and push 1 to 10 tokens of at most 512 characters") {
  auto body = defaults();
  auto& channels = body["channels"].as_object();
  channels["sms"].as_object()["phoneNumber"] = "0151 2345";
  CHECK(has(errorFields(body), "channels.sms.phoneNumber"));
  channels["sms"].as_object()["phoneNumber"] = "+4915123456789";
  channels["sms"].as_object()["enabled"] = true;
  boost::json::array many;
  for (int i = 0; i < 11; ++i) many.emplace_back("t");
  channels["push"].as_object()["deviceTokens"] = many;
  CHECK(has(errorFields(body), "channels.push.deviceTokens"));
  channels["push"].as_object()["deviceTokens"] = boost::json::array{std::string(513, 'x')};
  CHECK(has(errorFields(body), "channels.push.deviceTokens[0]"));
  channels["push"].as_object()["deviceTokens"] = boost::json::array{"device-1"};
  channels["push"].as_object()["enabled"] = true;
  auto p = parsePreferences(body, std::string("a@example.com"));
  CHECK(p.sms.enabled);
  CHECK(p.phoneNumber == "+4915123456789");
  CHECK(p.deviceTokens == std::vector<std::string>{"device-1"});
}

TEST_CASE("transactional goes to every enabled channel, marketing is suppressed where its category is off") {
  Preferences p;
  p.email.marketing = false;
  auto transactional = decideChannels(p, Category::Transactional);
  REQUIRE(transactional.size() == 2);
  CHECK_FALSE(transactional[0].suppressedBecause);
  auto marketing = decideChannels(p, Category::Marketing);
  REQUIRE(marketing.size() == 2);
  CHECK(toString(marketing[0].channel) == "email");
  CHECK(marketing[0].suppressedBecause == std::optional<std::string>("category-off:marketing"));
  CHECK_FALSE(marketing[1].suppressedBecause);
}

TEST_CASE("the daily digest holds marketing and reminders, never transactional") {
  Preferences p;
  p.dailyDigest = true;
  CHECK_FALSE(decideChannels(p, Category::Transactional)[0].digest);
  CHECK(decideChannels(p, Category::Reminders)[0].digest);
  CHECK(decideChannels(p, Category::Marketing)[1].digest);
}

TEST_CASE("the digest time is the next local digest hour, across daylight saving changes") {
  // Berlin: CET (UTC+1) in winter, CEST (UTC+2) from 2027-03-28.
  CHECK(nextDigestAt(at("2027-01-10T06:00:00Z"), "Europe/Berlin", 8) == at("2027-01-10T07:00:00Z"));
  CHECK(nextDigestAt(at("2027-01-10T07:00:00Z"), "Europe/Berlin", 8) == at("2027-01-11T07:00:00Z"));
  // The night of the change: 08:00 on the 28th is already CEST.
  CHECK(nextDigestAt(at("2027-03-27T08:00:00Z"), "Europe/Berlin", 8) == at("2027-03-28T06:00:00Z"));
  // Autumn back to CET on 2027-10-31.
  CHECK(nextDigestAt(at("2027-10-30T07:00:00Z"), "Europe/Berlin", 8) == at("2027-10-31T07:00:00Z"));
  CHECK(nextDigestAt(at("2027-01-10T20:00:00Z"), "America/New_York", 8) == at("2027-01-11T13:00:00Z"));
  CHECK(nextDigestAt(at("2027-01-10T20:00:00Z"), "UTC", 8) == at("2027-01-11T08:00:00Z"));
}

TEST_CASE("only IANA zones are accepted") {
  CHECK(isIanaTimeZone("Europe/Berlin"));
  CHECK(isIanaTimeZone("UTC"));
  CHECK_FALSE(isIanaTimeZone("Mars/Olympus"));
  CHECK_FALSE(isIanaTimeZone(""));
}
