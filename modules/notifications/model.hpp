#pragma once
// The notifications module's vocabulary, shared by its parts: the trigger side (service,
// read model, preferences), the template engine (templates.hpp) and the delivery side
// (deliveries.hpp). Plain values only.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "boxoffice/kernel/message.hpp"

namespace boxoffice::notifications {

enum class Channel { Email, Sms, Push, InApp };
// Transactional always goes out (on the channels the user enabled, email at least); marketing
// respects opt-out; reminders are their own opt-out.
enum class Category { Transactional, Marketing, Reminders };
enum class DeliveryStatus { Queued, Sent, Failed, Suppressed };

// Wire spellings: email | sms | push | inApp; transactional | marketing | reminders;
// Queued | Sent | Failed | Suppressed.
std::string_view toString(Channel channel);
std::string_view toString(Category category);
std::string_view toString(DeliveryStatus status);
std::optional<Channel> parseChannel(std::string_view text);
std::optional<Category> parseCategory(std::string_view text);
std::optional<DeliveryStatus> parseDeliveryStatus(std::string_view text);

// A point in time a template shows in the reader's time zone and language.
struct DateTime {
  std::chrono::sys_seconds utc;
};

// Why something happened, as the slug a message carries: shown in the reader's language
// (reasons.hpp).
struct Reason {
  std::string slug;
};

// A value a template can show. Text is escaped in HTML bodies; Money is formatted with its
// currency's exponent in the reader's locale (en: €1,234.50, de: 1.234,50 €); DateTime in the
// reader's time zone and language; integers in the reader's locale; a Reason in the reader's words.
using TemplateValue = std::variant<std::string, std::int64_t, Money, DateTime, Reason>;
using Variables = std::map<std::string, TemplateValue, std::less<>>;

// Who reads a message, and how they want it written.
struct Reader {
  std::string userId;
  std::string language = "en";   // en | de (templates shipped); others fall back to en
  std::string timezone = "UTC";  // IANA name
};

// A message written for one reader and one channel.
struct Rendered {
  std::string subject;   // email subject, push and in-app title; empty for SMS
  std::string text;      // plain text: email text part, SMS, push and in-app body
  std::string html;      // email HTML part; empty for other channels
  std::string variant;   // A/B variant chosen ("" when the template has none)
  std::string language;  // the language actually used (after falling back)
};

}  // namespace boxoffice::notifications
