#pragma once
// Every notification type the module sends: its category and the variables its templates may
// name. The single list the trigger side fills and the template engine checks against (a
// template naming a variable its type does not have is rejected when saved, not when sent).
// docs/api/notifications.md prints the same table.
#include <span>
#include <string_view>

#include "model.hpp"

namespace boxoffice::notifications {

enum class VariableKind { Text, Integer, Money, DateTime };

struct VariableSpec {
  std::string_view name;
  VariableKind kind;
  std::string_view description;
};

struct NotificationTypeSpec {
  std::string_view type;  // "OrderConfirmation"
  Category category;
  std::string_view description;  // what it tells, to whom, on which message
  std::span<const VariableSpec> variables;
};

// Types: Welcome, OrderConfirmation, OrderFailed, PaymentFailed, OrderCancelled,
// PaymentRefunded, ReservationExpired, EventCancelled, EventRescheduled, LowInventory, SoldOut,
// EventReminder, Announcement, TicketReceived, TicketTransferOffer, Digest.
std::span<const NotificationTypeSpec> notificationTypes();
const NotificationTypeSpec* findNotificationType(std::string_view type);

}  // namespace boxoffice::notifications
