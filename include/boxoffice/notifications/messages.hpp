#pragma once
// Integration messages of the notifications module (topic "notifications"): the outcome of each
// delivery, so the audit store holds what was said to whom and a purchase's story ends with the
// confirmation. Published from the delivery sender's transaction, with the correlationId of the
// message that caused the notification. JSON: boxoffice/kernel/message_json.hpp.
#include <string>
#include <string_view>

#include "boxoffice/kernel/message.hpp"

namespace boxoffice::notifications::messages {

struct NotificationSent {
  static constexpr std::string_view topic = topics::notifications;
  static constexpr std::string_view type = "NotificationSent";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary =
      "A notification reached its channel (the SMTP server accepted the email, the provider took the SMS or push, "
      "the in-app notification was stored).";
  std::string deliveryId;
  std::string userId;
  std::string notificationType;  // OrderConfirmation, EventReminder, ... (docs/api/notifications.md)
  std::string channel;           // email | sms | push | inApp
  std::string variant;           // A/B variant shown ("" when the template has none)
  std::string sourceMessageId;   // the bus message (or announcement) it answers
  int attempts = 0;
  std::string sentAt;  // RFC 3339 UTC
};
BOOST_DESCRIBE_STRUCT(NotificationSent, (),
                      (deliveryId, userId, notificationType, channel, variant, sourceMessageId, attempts, sentAt))

struct NotificationFailed {
  static constexpr std::string_view topic = topics::notifications;
  static constexpr std::string_view type = "NotificationFailed";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary =
      "A notification could not be delivered after its last attempt (or its send was interrupted and is not "
      "retried, to never send it twice).";
  std::string deliveryId;
  std::string userId;
  std::string notificationType;
  std::string channel;
  std::string sourceMessageId;
  int attempts = 0;
  std::string error;
  std::string failedAt;  // RFC 3339 UTC
};
BOOST_DESCRIBE_STRUCT(NotificationFailed, (),
                      (deliveryId, userId, notificationType, channel, sourceMessageId, attempts, error, failedAt))

struct Messaging {
  static constexpr std::string_view module = "notifications";
  using Publishes = MessageList<NotificationSent, NotificationFailed>;
};

}  // namespace boxoffice::notifications::messages
