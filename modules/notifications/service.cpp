#include "service.hpp"

#include <algorithm>
#include <memory>
#include <unicode/calendar.h>
#include <unicode/timezone.h>

#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/error_text.hpp"
#include "boxoffice/kernel/log.hpp"
#include "catalogue.hpp"
#include "preferences.hpp"
#include "read_model.hpp"
#include "unsubscribe_tokens.hpp"

namespace boxoffice::notifications {

namespace {

bool hasVariable(const NotificationTypeSpec& spec, std::string_view name) {
  return std::ranges::any_of(spec.variables, [&](const auto& v) { return v.name == name; });
}

std::string addressFor(Channel channel, const Preferences& p, const std::optional<read_model::User>& user) {
  switch (channel) {
    case Channel::Email:
      return user ? user->email : std::string();
    case Channel::Sms:
      return p.phoneNumber.value_or("");
    case Channel::Push:
      return p.deviceTokens.empty() ? std::string() : p.deviceTokens.front();
    case Channel::InApp:
      return {};
  }
  return {};
}

}  // namespace

std::chrono::sys_seconds nextDigestAt(std::chrono::sys_seconds now, const std::string& timezone, int hour) {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::Calendar> calendar(
      icu::Calendar::createInstance(icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(timezone)), status));
  if (U_FAILURE(status)) throw std::runtime_error("ICU calendar: " + std::string(u_errorName(status)));
  const auto nowMs = static_cast<UDate>(now.time_since_epoch().count()) * 1000.0;
  calendar->setTime(nowMs, status);
  for (int day = 0; day < 3; ++day) {
    calendar->set(UCAL_HOUR_OF_DAY, hour);
    calendar->set(UCAL_MINUTE, 0);
    calendar->set(UCAL_SECOND, 0);
    calendar->set(UCAL_MILLISECOND, 0);
    auto at = calendar->getTime(status);
    if (U_FAILURE(status)) throw std::runtime_error("ICU calendar: " + std::string(u_errorName(status)));
    if (at > nowMs) return std::chrono::sys_seconds(std::chrono::seconds(static_cast<std::int64_t>(at / 1000.0)));
    calendar->add(UCAL_DATE, 1, status);
  }
  throw std::logic_error("no digest time found");
}

NotificationService::NotificationService(const Renderer& renderer, DeliverySink& sink, const UnsubscribeTokens& tokens,
                                         const Clock& clock, ServiceSettings settings)
    : renderer_(renderer), sink_(sink), tokens_(tokens), clock_(clock), settings_(std::move(settings)) {}

bool NotificationService::notifyOrSkip(Tx& tx, const Notification& notification, const Logger& log) {
  try {
    tx.savepoint([&](Tx& inner) { notify(inner, notification); });
    return true;
  } catch (const TransactionAborted&) {
    throw;  // the whole transaction is gone: nothing to skip to
  } catch (const std::exception& e) {
    log.error("notification skipped: it could not be written",
              {{"type", notification.type}, {"userId", notification.userId}, {"error", errorText(e)}});
    return false;
  }
}

Variables NotificationService::withCommonVariables(const NotificationTypeSpec& spec, const Notification& n,
                                                   const std::string& userName, const std::string& unsubscribe) const {
  Variables variables = n.variables;
  if (hasVariable(spec, "userName")) variables["userName"] = userName;
  if (hasVariable(spec, "appName")) variables["appName"] = settings_.appName;
  if (hasVariable(spec, "unsubscribeUrl")) variables["unsubscribeUrl"] = unsubscribe;
  if (hasVariable(spec, "claimUrl")) variables["claimUrl"] = settings_.publicBaseUrl + n.claimPath;
  return variables;
}

// A guest has no account, so no preferences and no other channel: one transactional email, in
// English, times in UTC; nothing to unsubscribe from.
int NotificationService::notifyGuest(Tx& tx, const Notification& n, const NotificationTypeSpec& spec) {
  NewDelivery d;
  d.sourceMessageId = n.sourceId;
  d.correlationId = n.correlationId;
  d.type = n.type;
  d.category = spec.category;
  d.channel = Channel::Email;
  d.reader = Reader{"", "en", "UTC"};
  d.address = n.guestEmail;
  d.content = renderer_.render(n.type, Channel::Email, d.reader, withCommonVariables(spec, n, "", ""));
  return sink_.enqueue(tx, d) ? 1 : 0;
}

std::string NotificationService::unsubscribeUrl(const std::string& userId, Channel channel, Category category) const {
  return settings_.publicBaseUrl +
         "/api/v1/notifications/unsubscribe?token=" + tokens_.sign({userId, channel, category});
}

int NotificationService::notify(Tx& tx, const Notification& n) {
  const auto* spec = findNotificationType(n.type);
  if (!spec) throw std::invalid_argument("unknown notification type " + n.type);
  if (!n.guestEmail.empty()) return notifyGuest(tx, n, *spec);
  const auto preferences = loadPreferences(tx.sql(), n.userId);
  const auto user = read_model::findUser(tx.sql(), n.userId);
  const Reader reader{n.userId, preferences.language, preferences.timezone};
  const auto now = std::chrono::time_point_cast<std::chrono::seconds>(clock_.now());
  int stored = 0;
  for (const auto& decision : decideChannels(preferences, spec->category)) {
    NewDelivery d;
    d.sourceMessageId = n.sourceId;
    d.correlationId = n.correlationId;
    d.type = n.type;
    d.category = spec->category;
    d.channel = decision.channel;
    d.reader = reader;
    d.userName = user ? user->displayName : std::string();
    d.address = addressFor(decision.channel, preferences, user);
    d.suppressedBecause = decision.suppressedBecause;
    if (!d.suppressedBecause && decision.channel != Channel::InApp && d.address.empty())
      d.suppressedBecause = "no-address";
    if (spec->category != Category::Transactional)
      d.unsubscribeUrl = unsubscribeUrl(n.userId, decision.channel, spec->category);
    if (!d.suppressedBecause) {
      d.content = renderer_.render(n.type, decision.channel, reader,
                                   withCommonVariables(*spec, n, d.userName, d.unsubscribeUrl));
      if (decision.digest) d.digestAt = nextDigestAt(now, preferences.timezone, settings_.digestHour);
    }
    if (sink_.enqueue(tx, d)) ++stored;
  }
  return stored;
}

}  // namespace boxoffice::notifications
