#include "preferences.hpp"

#include <boost/json.hpp>
#include <regex>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/json.hpp"

namespace boxoffice::notifications {

namespace {

constexpr std::array kChannels{Channel::Email, Channel::Sms, Channel::Push, Channel::InApp};
constexpr std::size_t kMaxDeviceTokens = 10;
constexpr std::size_t kMaxDeviceTokenLength = 512;

boost::json::object channelJson(const ChannelPreferences& c) {
  return {
      {"enabled", c.enabled},
      {"categories", boost::json::object{
                         {"transactional", c.transactional}, {"marketing", c.marketing}, {"reminders", c.reminders}}}};
}

// Reads a bool field; a missing or mistyped one is an error naming it.
bool readBool(const boost::json::object& object, std::string_view key, const std::string& path,
              json::Validation& validation, bool fallback) {
  const auto* value = object.if_contains(key);
  if (!value || !value->is_bool()) {
    validation.add(path + std::string(key), "must be true or false");
    return fallback;
  }
  return value->as_bool();
}

const boost::json::object* readObject(const boost::json::object& object, std::string_view key, const std::string& path,
                                      json::Validation& validation) {
  const auto* value = object.if_contains(key);
  if (!value || !value->is_object()) {
    validation.add(path + std::string(key), "must be an object");
    return nullptr;
  }
  return &value->as_object();
}

ChannelPreferences readChannel(const boost::json::object& channels, Channel channel, json::Validation& validation) {
  const std::string path = "channels." + std::string(toString(channel));
  ChannelPreferences out;
  const auto* object = readObject(channels, toString(channel), "channels.", validation);
  if (!object) return out;
  out.enabled = readBool(*object, "enabled", path + ".", validation, false);
  if (const auto* categories = readObject(*object, "categories", path + ".", validation)) {
    const std::string prefix = path + ".categories.";
    out.transactional = readBool(*categories, "transactional", prefix, validation, true);
    out.marketing = readBool(*categories, "marketing", prefix, validation, false);
    out.reminders = readBool(*categories, "reminders", prefix, validation, false);
    if (!out.transactional)
      validation.add(prefix + "transactional", "transactional notifications cannot be turned off");
  }
  return out;
}

boost::json::object documentOf(const Preferences& p) {
  auto json = toJson(p, std::nullopt);
  json.erase("updatedAt");
  return json;
}

}  // namespace

bool ChannelPreferences::wants(Category category) const {
  switch (category) {
    case Category::Transactional:
      return transactional;
    case Category::Marketing:
      return marketing;
    case Category::Reminders:
      return reminders;
  }
  return false;
}

namespace {
// One switch for the const and the mutable accessor.
template <class Self>
auto& channelOf(Self& self, Channel c) {
  switch (c) {
    case Channel::Email:
      return self.email;
    case Channel::Sms:
      return self.sms;
    case Channel::Push:
      return self.push;
    case Channel::InApp:
      return self.inApp;
  }
  return self.inApp;
}
}  // namespace

ChannelPreferences& Preferences::channel(Channel c) { return channelOf(*this, c); }
const ChannelPreferences& Preferences::channel(Channel c) const { return channelOf(*this, c); }

bool isIanaTimeZone(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString canonical;
  UBool isSystem = false;
  icu::TimeZone::getCanonicalID(icu::UnicodeString::fromUTF8(name), canonical, isSystem, status);
  return U_SUCCESS(status) && isSystem;
}

// Described in api_schemas.cpp (NotificationPreferences): a member added here is added there too.
boost::json::object toJson(const Preferences& p, const std::optional<std::string>& address) {
  auto email = channelJson(p.email);
  email["address"] = address ? boost::json::value(*address) : boost::json::value(nullptr);
  auto sms = channelJson(p.sms);
  sms["phoneNumber"] = p.phoneNumber ? boost::json::value(*p.phoneNumber) : boost::json::value(nullptr);
  auto push = channelJson(p.push);
  boost::json::array tokens;
  for (const auto& t : p.deviceTokens) tokens.emplace_back(t);
  push["deviceTokens"] = std::move(tokens);
  return {{"language", p.language},
          {"timezone", p.timezone},
          {"frequency", p.dailyDigest ? "dailyDigest" : "immediate"},
          {"channels", boost::json::object{{"email", std::move(email)},
                                           {"sms", std::move(sms)},
                                           {"push", std::move(push)},
                                           {"inApp", channelJson(p.inApp)}}},
          {"updatedAt", p.updatedAt}};
}

Preferences parsePreferences(const boost::json::object& body, const std::optional<std::string>& address) {
  json::Validation validation;
  Preferences p;
  const auto* language = body.if_contains("language");
  if (!language || !language->is_string() || (language->as_string() != "en" && language->as_string() != "de")) {
    validation.add("language", "must be en or de");
  } else {
    p.language = std::string(language->as_string());
  }
  const auto* timezone = body.if_contains("timezone");
  if (!timezone || !timezone->is_string() || !isIanaTimeZone(std::string(timezone->as_string()))) {
    validation.add("timezone", "must be an IANA time zone such as Europe/Berlin");
  } else {
    p.timezone = std::string(timezone->as_string());
  }
  const auto* frequency = body.if_contains("frequency");
  if (!frequency || !frequency->is_string() ||
      (frequency->as_string() != "immediate" && frequency->as_string() != "dailyDigest")) {
    validation.add("frequency", "must be immediate or dailyDigest");
  } else {
    p.dailyDigest = frequency->as_string() == "dailyDigest";
  }
  if (const auto* channels = readObject(body, "channels", "", validation)) {
    for (auto c : kChannels) p.channel(c) = readChannel(*channels, c, validation);
    if (!p.email.enabled && channels->contains("email"))
      validation.add("channels.email.enabled", "email carries the receipts: turn its categories off instead");
    if (!p.inApp.enabled && channels->contains("inApp"))
      validation.add("channels.inApp.enabled", "in-app carries the receipts: turn its categories off instead");
    if (const auto* email = channels->if_contains("email"); email && email->is_object()) {
      const auto* given = email->as_object().if_contains("address");
      bool same =
          !given || (given->is_null() && !address) || (given->is_string() && address && given->as_string() == *address);
      if (!same) validation.add("channels.email.address", "is the registration address and cannot be changed here");
    }
    if (const auto* sms = channels->if_contains("sms"); sms && sms->is_object()) {
      const auto* number = sms->as_object().if_contains("phoneNumber");
      static const std::regex e164("^\\+[1-9][0-9]{6,14}$");
      if (number && number->is_string() && std::regex_match(std::string(number->as_string()), e164)) {
        p.phoneNumber = std::string(number->as_string());
      } else if (number && !number->is_null()) {
        validation.add("channels.sms.phoneNumber", "must be an E.164 number such as +4915123456789");
      } else if (p.sms.enabled) {
        validation.add("channels.sms.phoneNumber", "is required when sms is enabled");
      }
    }
    if (const auto* push = channels->if_contains("push"); push && push->is_object()) {
      const auto* tokens = push->as_object().if_contains("deviceTokens");
      if (tokens && !tokens->is_array()) {
        validation.add("channels.push.deviceTokens", "must be an array of strings");
      } else if (tokens) {
        const auto& list = tokens->as_array();
        if (list.size() > kMaxDeviceTokens) validation.add("channels.push.deviceTokens", "at most 10 device tokens");
        for (std::size_t i = 0; i < list.size() && i < kMaxDeviceTokens; ++i) {
          if (!list[i].is_string() || list[i].as_string().empty() ||
              list[i].as_string().size() > kMaxDeviceTokenLength) {
            validation.add("channels.push.deviceTokens[" + std::to_string(i) + "]", "must be 1-512 characters");
          } else {
            p.deviceTokens.emplace_back(list[i].as_string());
          }
        }
      }
      if (p.push.enabled && p.deviceTokens.empty() && (!tokens || tokens->is_array()))
        validation.add("channels.push.deviceTokens", "push needs at least one device token when enabled");
    }
  }
  validation.throwIfAny();
  return p;
}

Preferences loadPreferences(soci::session& sql, const std::string& userId) {
  std::string document;
  std::string updatedAt;
  long long version = 0;
  sql << "SELECT document, version, updated_at FROM notification_preferences WHERE user_id = :id", soci::into(document),
      soci::into(version), soci::into(updatedAt), soci::use(userId);
  if (!sql.got_data()) return Preferences{};
  // Stored documents passed parsePreferences when saved; the address is never stored.
  auto json = boost::json::parse(document).as_object();
  Preferences p = parsePreferences(json, std::nullopt);
  p.version = version;
  p.updatedAt = updatedAt;
  return p;
}

Preferences savePreferences(Tx& tx, const std::string& userId, Preferences p, const std::string& now) {
  p.version += 1;
  p.updatedAt = now;
  auto document = boost::json::serialize(documentOf(p));
  tx.exec(
      "INSERT INTO notification_preferences (user_id, document, version, updated_at) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT (user_id) DO UPDATE SET document = excluded.document, version = excluded.version, "
      "updated_at = excluded.updated_at",
      userId, document, p.version, now);
  return p;
}

Preferences turnOff(Tx& tx, const std::string& userId, Channel channel, Category category, const std::string& now) {
  auto p = loadPreferences(tx.sql(), userId);
  auto& c = p.channel(channel);
  // Already off (a mail scanner opening the link again): no new version, so the user's next save
  // with the ETag they hold still works.
  if (p.version > 0 && !c.wants(category)) return p;
  if (category == Category::Marketing) c.marketing = false;
  if (category == Category::Reminders) c.reminders = false;
  return savePreferences(tx, userId, std::move(p), now);
}

std::vector<ChannelDecision> decideChannels(const Preferences& p, Category category) {
  std::vector<ChannelDecision> out;
  for (auto c : kChannels) {
    const auto& channel = p.channel(c);
    if (!channel.enabled) continue;
    if (category == Category::Transactional) {
      out.push_back({c, std::nullopt, false});
    } else if (!channel.wants(category)) {
      out.push_back({c, "category-off:" + std::string(toString(category)), false});
    } else {
      out.push_back({c, std::nullopt, p.dailyDigest});
    }
  }
  return out;
}

}  // namespace boxoffice::notifications
