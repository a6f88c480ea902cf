#pragma once
// A user's notification preferences (GET/PUT /api/v1/notifications/preferences) and the rule that
// turns them into the channels one notification goes to.
#include <array>
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model.hpp"

namespace boxoffice {
class Tx;
}  // namespace boxoffice

namespace soci {
class session;
}  // namespace soci

namespace boxoffice::notifications {

struct ChannelPreferences {
  bool enabled = false;
  bool transactional = true;
  bool marketing = false;
  bool reminders = false;
  bool wants(Category category) const;
};

struct Preferences {
  std::string language = "en";
  std::string timezone = "UTC";
  bool dailyDigest = false;  // frequency: immediate | dailyDigest
  ChannelPreferences email{true, true, true, true};
  ChannelPreferences sms{};
  ChannelPreferences push{};
  ChannelPreferences inApp{true, true, true, true};
  std::optional<std::string> phoneNumber;
  std::vector<std::string> deviceTokens;
  std::int64_t version = 0;  // 0: never saved (the defaults)
  std::string updatedAt;

  ChannelPreferences& channel(Channel c);
  const ChannelPreferences& channel(Channel c) const;
};

// The response body; `address` is the registration address (read-only), null when unknown.
boost::json::object toJson(const Preferences& preferences, const std::optional<std::string>& address);
// Parses and checks a PUT body; throws Problem::validation naming every violated rule per field.
// `address`: the stored one (a different address in the body is refused: it is read-only).
Preferences parsePreferences(const boost::json::object& body, const std::optional<std::string>& address);
bool isIanaTimeZone(const std::string& name);

Preferences loadPreferences(soci::session& sql, const std::string& userId);
// Stores them with version + 1 and updatedAt; returns the stored copy.
Preferences savePreferences(Tx& tx, const std::string& userId, Preferences preferences, const std::string& now);
// Turns one category off for one channel (unsubscribe links).
Preferences turnOff(Tx& tx, const std::string& userId, Channel channel, Category category, const std::string& now);

// Where one notification of `category` goes for this user: each channel with either "send" or the
// reason it is suppressed (stored, so Admins see why). Channels the user has not enabled are left out.
struct ChannelDecision {
  Channel channel = Channel::Email;
  std::optional<std::string> suppressedBecause;
  bool digest = false;  // held for the daily digest (marketing and reminders only)
};
std::vector<ChannelDecision> decideChannels(const Preferences& preferences, Category category);

}  // namespace boxoffice::notifications
