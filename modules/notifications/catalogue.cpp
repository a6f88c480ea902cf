#include "catalogue.hpp"

#include <algorithm>
#include <array>

namespace boxoffice::notifications {

namespace {

using K = VariableKind;

// Every template may name these.
constexpr VariableSpec kUserName{"userName", K::Text, "the reader's display name"};
constexpr VariableSpec kAppName{"appName", K::Text, "the product's name (notifications.appName)"};

constexpr std::array kWelcome{kUserName, kAppName,
                              VariableSpec{"email", K::Text, "the address the user signed up with"}};

constexpr std::array kAccountExists{kUserName, kAppName,
                                    VariableSpec{"email", K::Text, "the address someone tried to sign up with"}};

constexpr std::array kOrderConfirmation{
    kUserName,
    kAppName,
    VariableSpec{"eventName", K::Text, "the event's name"},
    VariableSpec{"eventStart", K::DateTime, "when the event starts"},
    VariableSpec{"venueName", K::Text, "the venue"},
    VariableSpec{"venueCity", K::Text, "the venue's city"},
    VariableSpec{"orderId", K::Text, "the order's id"},
    VariableSpec{"total", K::Money, "what was paid"},
    VariableSpec{"ticketCount", K::Integer, "tickets bought"},
    VariableSpec{"seats", K::Text, "one line per price category: count, name and amount"}};

constexpr std::array kOrderFailed{kUserName,
                                  kAppName,
                                  VariableSpec{"eventName", K::Text, "the event's name"},
                                  VariableSpec{"orderId", K::Text, "the order's id"},
                                  VariableSpec{"total", K::Money, "the order's total"},
                                  VariableSpec{"reason", K::Text, "why it failed, in words"}};

constexpr std::array kPaymentFailed{kUserName,
                                    kAppName,
                                    VariableSpec{"eventName", K::Text, "the event's name"},
                                    VariableSpec{"orderId", K::Text, "the order's id"},
                                    VariableSpec{"amount", K::Money, "the amount that was not charged"},
                                    VariableSpec{"reason", K::Text, "why, in words"}};

constexpr std::array kOrderCancelled{kUserName,
                                     kAppName,
                                     VariableSpec{"eventName", K::Text, "the event's name"},
                                     VariableSpec{"orderId", K::Text, "the order's id"},
                                     VariableSpec{"total", K::Money, "the order's total"},
                                     VariableSpec{"reason", K::Text, "why, in words"}};

constexpr std::array kPaymentRefunded{kUserName,
                                      kAppName,
                                      VariableSpec{"eventName", K::Text, "the event's name"},
                                      VariableSpec{"orderId", K::Text, "the order's id"},
                                      VariableSpec{"amount", K::Money, "this refund"},
                                      VariableSpec{"refundedTotal", K::Money, "everything refunded on the order"},
                                      VariableSpec{"reason", K::Text, "why, in words"}};

constexpr std::array kReservationExpired{kUserName, kAppName, VariableSpec{"eventName", K::Text, "the event's name"},
                                         VariableSpec{"ticketCount", K::Integer, "seats the hold had"}};

constexpr std::array kEventCancelled{kUserName, kAppName, VariableSpec{"eventName", K::Text, "the event's name"},
                                     VariableSpec{"eventStart", K::DateTime, "when it would have started"},
                                     VariableSpec{"reason", K::Text, "the organizer's reason"}};

constexpr std::array kEventRescheduled{kUserName,
                                       kAppName,
                                       VariableSpec{"eventName", K::Text, "the event's name"},
                                       VariableSpec{"previousStart", K::DateTime, "the old start"},
                                       VariableSpec{"eventStart", K::DateTime, "the new start"},
                                       VariableSpec{"venueName", K::Text, "the venue"}};

constexpr std::array kLowInventory{kUserName, kAppName, VariableSpec{"eventName", K::Text, "the event's name"},
                                   VariableSpec{"availableTickets", K::Integer, "seats still available"},
                                   VariableSpec{"threshold", K::Integer, "the event's low-inventory threshold"}};

constexpr std::array kSoldOut{kUserName, kAppName, VariableSpec{"eventName", K::Text, "the event's name"},
                              VariableSpec{"soldTickets", K::Integer, "seats sold"},
                              VariableSpec{"reservedTickets", K::Integer, "seats held, not yet paid"}};

constexpr std::array kEventReminder{kUserName,
                                    kAppName,
                                    VariableSpec{"eventName", K::Text, "the event's name"},
                                    VariableSpec{"eventStart", K::DateTime, "when it starts"},
                                    VariableSpec{"venueName", K::Text, "the venue"},
                                    VariableSpec{"venueCity", K::Text, "the venue's city"},
                                    VariableSpec{"ticketCount", K::Integer, "tickets the reader holds"},
                                    VariableSpec{"unsubscribeUrl", K::Text, "one-click opt-out of reminders"}};

constexpr std::array kAnnouncement{kUserName,
                                   kAppName,
                                   VariableSpec{"eventName", K::Text, "the event's name"},
                                   VariableSpec{"subject", K::Text, "the organizer's subject"},
                                   VariableSpec{"message", K::Text, "the organizer's text (escaped, never HTML)"},
                                   VariableSpec{"unsubscribeUrl", K::Text, "one-click opt-out of marketing"}};

constexpr std::array kDigest{kUserName, kAppName, VariableSpec{"count", K::Integer, "notifications in the digest"},
                             VariableSpec{"entries", K::Text, "each notification's subject and text, in order"},
                             VariableSpec{"unsubscribeUrl", K::Text, "one-click opt-out of the digest's category"}};

constexpr std::array kTicketReceived{kUserName,
                                     kAppName,
                                     VariableSpec{"eventName", K::Text, "the event's name"},
                                     VariableSpec{"eventStart", K::DateTime, "when the event starts"},
                                     VariableSpec{"fromName", K::Text, "who passed the ticket on"},
                                     VariableSpec{"categoryName", K::Text, "the ticket's price category"}};

constexpr std::array kTicketTransferOffer{kAppName, VariableSpec{"eventName", K::Text, "the event's name"},
                                          VariableSpec{"eventStart", K::DateTime, "when the event starts (UTC)"},
                                          VariableSpec{"fromName", K::Text, "who passes the ticket on"},
                                          VariableSpec{"claimUrl", K::Text, "the single-use link that claims it"}};

const std::array kTypes{
    NotificationTypeSpec{"Welcome", Category::Transactional, "UserRegistered: a welcome to the new user", kWelcome},
    NotificationTypeSpec{"AccountExists", Category::Transactional,
                         "RegistrationAttempted: someone tried to sign up with the address of this account",
                         kAccountExists},
    NotificationTypeSpec{"OrderConfirmation", Category::Transactional,
                         "OrderCompleted: the buyer's confirmation with order and seats (seed 000 TicketConfirmation)",
                         kOrderConfirmation},
    NotificationTypeSpec{"OrderFailed", Category::Transactional, "OrderFailed: the checkout failed, and why",
                         kOrderFailed},
    NotificationTypeSpec{"PaymentFailed", Category::Transactional,
                         "PaymentFailed: the buyer's payment was not taken, and why", kPaymentFailed},
    NotificationTypeSpec{"OrderCancelled", Category::Transactional, "OrderCancelled: the order was cancelled",
                         kOrderCancelled},
    NotificationTypeSpec{"PaymentRefunded", Category::Transactional, "PaymentRefunded: money went back to the buyer",
                         kPaymentRefunded},
    NotificationTypeSpec{"ReservationExpired", Category::Transactional, "ReservationExpired: the holder's hold ran out",
                         kReservationExpired},
    NotificationTypeSpec{"EventCancelled", Category::Transactional, "EventCancelled: to every buyer of the event",
                         kEventCancelled},
    NotificationTypeSpec{"EventRescheduled", Category::Transactional,
                         "EventUpdated with a new startsAt: to every buyer of the event", kEventRescheduled},
    NotificationTypeSpec{"LowInventory", Category::Transactional, "LowInventory: to the event's organizer",
                         kLowInventory},
    NotificationTypeSpec{"SoldOut", Category::Transactional, "SoldOut: to the event's organizer", kSoldOut},
    NotificationTypeSpec{"EventReminder", Category::Reminders,
                         "24 h before an event, to each user holding tickets for it (seed 000 EventReminder)",
                         kEventReminder},
    NotificationTypeSpec{"Announcement", Category::Marketing,
                         "An organizer's announcement to the event's buyers (POST /api/v1/events/{id}/announcements)",
                         kAnnouncement},
    NotificationTypeSpec{"TicketReceived", Category::Transactional,
                         "TicketTransferred: to the account a ticket was passed to", kTicketReceived},
    NotificationTypeSpec{"TicketTransferOffer", Category::Transactional,
                         "TicketTransferOffered: one email to an address with no account, with the claim link",
                         kTicketTransferOffer},
    NotificationTypeSpec{"Digest", Category::Marketing,
                         "The daily digest: what a user who chose it was held back, in one message", kDigest},
};

}  // namespace

std::span<const NotificationTypeSpec> notificationTypes() { return kTypes; }

const NotificationTypeSpec* findNotificationType(std::string_view type) {
  const auto* it = std::find_if(kTypes.begin(), kTypes.end(), [&](const auto& spec) { return spec.type == type; });
  return it == kTypes.end() ? nullptr : &*it;
}

}  // namespace boxoffice::notifications
