// Notification preferences, one-click unsubscribe and organizers' announcements through the real
// binary; the in-app confirmation after a purchase needs the template and delivery parts.
#include <doctest/doctest.h>
#include <sodium.h>

#include "checkout_helpers.hpp"

using namespace boxoffice::testing;
using namespace boxoffice::testing::checkout;
using boxoffice::test_support::eventually;

namespace {

const std::string kUnsubscribeKey = "unsubscribe-key-for-tests-0123456789";

TestServer::Options notificationOptions() {
  auto options = shopOptions();
  options.env.emplace_back("BOXOFFICE_NOTIFICATIONS_UNSUBSCRIBE_KEY", kUnsubscribeKey);
  options.env.emplace_back("BOXOFFICE_NOTIFICATIONS_ANNOUNCEMENTS_PER_HOUR", "2");
  return options;
}

std::string b64(const std::string& bytes) {
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

// The documented token format (docs/api/notifications.md), signed with `key`.
std::string unsubscribeToken(const std::string& key, const std::string& userId, const std::string& channel,
                             const std::string& category) {
  REQUIRE(sodium_init() >= 0);
  unsigned char k[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(k, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  std::string signedPart = "v1." + b64(userId + "\n" + channel + "\n" + category);
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256(mac, reinterpret_cast<const unsigned char*>(signedPart.data()), signedPart.size(), k);
  return signedPart + "." + b64(std::string(reinterpret_cast<const char*>(mac), sizeof mac));
}

boost::json::object preferences(TestServer& server, const std::string& token, std::string& etag) {
  auto r = server.get("/api/v1/notifications/preferences", TestServer::bearer(token));
  REQUIRE_MESSAGE(r.status == 200, r.body);
  etag = r.header("etag");
  return r.json().as_object();
}

HttpResult putPreferences(TestServer& server, const std::string& token, const boost::json::object& body,
                          const std::string& etag) {
  auto headers = TestServer::bearer(token);
  if (!etag.empty()) headers.emplace_back("If-Match", etag);
  return server.put("/api/v1/notifications/preferences", boost::json::serialize(body), headers);
}

}  // namespace

TEST_CASE("preferences: defaults, If-Match, every rule, and nobody else's") {
  TestServer server(notificationOptions());
  auto user = server.tokenFor("User", "prefs@example.com");
  std::string etag;
  // The registration address reaches notifications with the UserRegistered message, which a broker
  // may deliver after the first read: read until it is there, as a client would after a 400.
  boost::json::object body;
  REQUIRE(eventually([&] {
    body = preferences(server, user, etag);
    const auto* address = body.at("channels").at("email").as_object().if_contains("address");
    return address != nullptr && address->is_string() && address->as_string() == "prefs@example.com";
  }));
  CHECK(str(body.at("language")) == "en");
  CHECK(body.at("channels").at("email").at("enabled").as_bool());
  CHECK_FALSE(etag.empty());

  checkProblem(putPreferences(server, user, body, ""), 428);
  checkProblem(putPreferences(server, user, body, "\"999\""), 412);

  auto bad = body;
  bad["language"] = "fr";
  bad["timezone"] = "Nowhere/City";
  bad["frequency"] = "hourly";
  bad["channels"].as_object()["email"].as_object()["enabled"] = false;
  bad["channels"].as_object()["inApp"].as_object()["categories"].as_object()["transactional"] = false;
  bad["channels"].as_object()["sms"].as_object()["enabled"] = true;
  bad["channels"].as_object()["push"].as_object()["enabled"] = true;
  auto refused = putPreferences(server, user, bad, etag);
  checkProblem(refused, 400);
  for (const char* field :
       {"language", "timezone", "frequency", "channels.email.enabled", "channels.inApp.categories.transactional",
        "channels.sms.phoneNumber", "channels.push.deviceTokens"})
    CHECK_MESSAGE(hasProblemField(refused, field), field);

  auto good = body;
  good["language"] = "de";
  good["timezone"] = "Europe/Berlin";
  good["frequency"] = "dailyDigest";
  good["channels"].as_object()["email"].as_object()["categories"].as_object()["marketing"] = false;
  auto saved = putPreferences(server, user, good, etag);
  REQUIRE_MESSAGE(saved.status == 200, saved.body);
  CHECK(str(saved.json().at("language")) == "de");
  CHECK(saved.header("etag") != etag);
  checkProblem(putPreferences(server, user, good, etag), 412);  // the old tag is stale now

  // Another user sees their own defaults, never this user's.
  auto other = server.tokenFor("User", "other@example.com");
  std::string otherTag;
  CHECK(str(preferences(server, other, otherTag).at("language")) == "en");
  checkProblem(server.get("/api/v1/notifications/preferences"), 401);
}

TEST_CASE("unsubscribe: forged, tampered and other-key tokens are 400, a good one turns the category off") {
  TestServer server(notificationOptions());
  auto user = server.tokenFor("User", "unsub@example.com");
  auto userId = TestServer::userIdOf(user);
  auto good = unsubscribeToken(kUnsubscribeKey, userId, "email", "marketing");

  checkProblem(server.get("/api/v1/notifications/unsubscribe?token=" +
                          unsubscribeToken("another-key", userId, "email", "marketing")),
               400, "invalid-unsubscribe-token");
  checkProblem(server.get("/api/v1/notifications/unsubscribe?token=" + good.substr(0, good.size() - 2)), 400,
               "invalid-unsubscribe-token");
  auto tampered = good;
  tampered[5] = tampered[5] == 'A' ? 'B' : 'A';
  checkProblem(server.get("/api/v1/notifications/unsubscribe?token=" + tampered), 400, "invalid-unsubscribe-token");
  checkProblem(server.get("/api/v1/notifications/unsubscribe"), 400, "invalid-unsubscribe-token");
  // Another user's payload under this user's signature.
  auto theirs = unsubscribeToken(kUnsubscribeKey, "someone-else", "email", "marketing");
  checkProblem(server.get("/api/v1/notifications/unsubscribe?token=" + theirs.substr(0, theirs.rfind('.')) +
                          good.substr(good.rfind('.'))),
               400, "invalid-unsubscribe-token");

  auto page = server.get("/api/v1/notifications/unsubscribe?token=" + good);
  CHECK(page.status == 200);
  CHECK(page.header("content-type").find("text/html") != std::string::npos);
  std::string etag;
  auto prefs = preferences(server, user, etag);
  CHECK_FALSE(prefs.at("channels").at("email").at("categories").at("marketing").as_bool());
  CHECK(prefs.at("channels").at("email").at("categories").at("reminders").as_bool());

  auto reminders = unsubscribeToken(kUnsubscribeKey, userId, "email", "reminders");
  auto oneClick = server.post("/api/v1/notifications/unsubscribe?token=" + reminders, "List-Unsubscribe=One-Click",
                              {{"Content-Type", "application/x-www-form-urlencoded"}});
  CHECK_MESSAGE(oneClick.status == 200, oneClick.body);
  prefs = preferences(server, user, etag);
  CHECK_FALSE(prefs.at("channels").at("email").at("categories").at("reminders").as_bool());
}

TEST_CASE("announcements: the event's organizer 202, another organizer 404, a user 403, then 429") {
  TestServer server(notificationOptions());
  auto show = showOnSale(server, 20);
  auto announce = [&](const std::string& token, const std::string& eventId, const std::string& subject) {
    return server.post("/api/v1/events/" + eventId + "/announcements",
                       boost::json::serialize(boost::json::object{{"subject", subject}, {"body", "Doors open at 7"}}),
                       TestServer::bearer(token));
  };
  // The notifications module learns of the event from its messages.
  HttpResult first;
  REQUIRE(eventually([&] {
    first = announce(show.organizerToken, show.id, "Hello");
    return first.status == 202;
  }));
  CHECK(first.json().at("recipients").to_number<std::int64_t>() == 0);
  CHECK_FALSE(str(first.json().at("announcementId")).empty());

  checkProblem(announce(mintToken("Organizer").token, show.id, "Hi"), 404);
  checkProblem(announce(show.organizerToken, "00000000-0000-4000-8000-000000000000", "Hi"), 404);
  checkProblem(announce(server.tokenFor("User", "fan@example.com"), show.id, "Hi"), 403);
  auto extra = server.post("/api/v1/events/" + show.id + "/announcements",
                           R"({"subject":"Hi","body":"Doors open at 7","sendTo":"everyone"})",
                           TestServer::bearer(show.organizerToken));
  checkProblem(extra, 400);
  CHECK(hasProblemField(extra, "sendTo"));
  auto invalid = announce(show.organizerToken, show.id, std::string(201, 'x'));
  checkProblem(invalid, 400);
  CHECK(hasProblemField(invalid, "subject"));

  CHECK(announce(show.organizerToken, show.id, "Second").status == 202);
  auto limited = announce(show.organizerToken, show.id, "Third");
  checkProblem(limited, 429);
  CHECK_FALSE(limited.header("retry-after").empty());
}

TEST_CASE("a purchase puts an order confirmation in the buyer's in-app notifications") {
  TestServer server(notificationOptions());
  auto show = showOnSale(server, 20);
  auto buyer = server.tokenFor("User", "buyer@example.com");
  auto orderId = placeOrder(server, buyer, show.id, {{"general", 2}});
  CHECK(str(awaitOrder(server, buyer, orderId).at("status")) == "Completed");
  // The Welcome of the registration is there too: wait for the confirmation, newest first.
  boost::json::array items;
  bool arrived = eventually([&] {
    auto r = server.get("/api/v1/notifications", TestServer::bearer(buyer));
    if (r.status != 200) return false;
    items = r.json().at("items").as_array();
    return items.size() == 2;
  });
  REQUIRE(arrived);
  CHECK(str(items[0].at("type")) == "OrderConfirmation");
  CHECK(str(items[1].at("type")) == "Welcome");
  CHECK(str(items[0].at("body")).find(orderId) != std::string::npos);
}
