#pragma once
// Integration messages of the payments module: what it publishes on topic "payments" (its
// `Messaging` contract: the outcome of every charge, refund and chargeback, each written to the
// payments outbox in the same transaction as the change) and the commands it accepts on topic
// "payment-commands" (sent by the orders module's checkout saga; each answered on "payments").
// Card numbers and CVCs never appear in a message: a card travels as a PaymentMethod, whose
// `cardToken` points into the in-memory card vault (payments/api.hpp). JSON:
// boxoffice/kernel/message_json.hpp.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "boxoffice/kernel/message.hpp"

namespace boxoffice::payments::messages {

// How a buyer pays, safe to store and send: never the card number or the CVC.
struct PaymentMethod {
  std::string method;                    // CreditCard | PayPal | BankTransfer
  std::optional<std::string> cardToken;  // CreditCard: the vault's short-lived token for the number and CVC
  std::optional<std::string> brand;      // Visa | Mastercard | Amex | Discover | Unknown
  std::optional<std::string> last4;
  std::optional<int> expMonth;
  std::optional<int> expYear;
  std::optional<std::string> fingerprint;  // keyed hash of the card number (same card, same value)
  std::optional<std::string> holderName;
};
BOOST_DESCRIBE_STRUCT(PaymentMethod, (), (method, cardToken, brand, last4, expMonth, expYear, fingerprint, holderName))

// One line of what is paid for: the refund rules need it (never return more seats than bought).
struct PaidItem {
  std::string categoryId;
  int ticketCount = 0;
  Money unitPrice;
  Money amount;  // ticketCount * unitPrice
};
BOOST_DESCRIBE_STRUCT(PaidItem, (), (categoryId, ticketCount, unitPrice, amount))

// Seats a refund or chargeback gives back, per price category.
struct ReturnedSeats {
  std::string categoryId;
  int ticketCount = 0;
};
BOOST_DESCRIBE_STRUCT(ReturnedSeats, (), (categoryId, ticketCount))

// ---- Commands (topic "payment-commands"), idempotent by order id (or refund id) ----
// Every command is answered; a repeated command is answered again with the same reply (none
// while the outcome is still to come: it follows once).

struct ChargePayment {
  static constexpr std::string_view topic = topics::paymentCommands;
  static constexpr std::string_view type = "ChargePayment";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary =
      "Command: charge the order's total once. Replied to by PaymentCompleted or PaymentFailed.";
  std::string orderId;
  std::string userId;
  std::string eventId;
  std::vector<std::string> reservationIds;
  std::vector<PaidItem> items;
  Money amount;
  PaymentMethod paymentMethod;
  std::string ipAddress;
  std::string userAgent;
};
BOOST_DESCRIBE_STRUCT(ChargePayment, (),
                      (orderId, userId, eventId, reservationIds, items, amount, paymentMethod, ipAddress, userAgent))

struct VoidPayment {
  static constexpr std::string_view topic = topics::paymentCommands;
  static constexpr std::string_view type = "VoidPayment";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary =
      "Command (compensation): make sure the order ends up not charged. A charge not yet made is "
      "abandoned (PaymentFailed); one made, or made later, is refunded in full (PaymentRefunded).";
  std::string orderId;
  std::string reason;  // seatsUnavailable | sagaTimedOut | orderCancelled
};
BOOST_DESCRIBE_STRUCT(VoidPayment, (), (orderId, reason))

struct RefundPayment {
  static constexpr std::string_view topic = topics::paymentCommands;
  static constexpr std::string_view type = "RefundPayment";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary =
      "Command: refund what is left of the order's payment (an event cancelled or deleted, an Admin's "
      "cancellation). Replied to by PaymentRefunded (amount 0 if nothing is left), or PaymentFailed if the "
      "order was never charged.";
  std::string orderId;
  std::string refundId;  // chosen by the sender: the idempotency key
  std::string reason;    // eventCancelled | eventDeleted | orderCancelled
};
BOOST_DESCRIBE_STRUCT(RefundPayment, (), (orderId, refundId, reason))

// ---- Published on topic "payments" ----

struct PaymentCompleted {
  static constexpr std::string_view topic = topics::payments;
  static constexpr std::string_view type = "PaymentCompleted";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary = "The order's total was captured.";
  std::string paymentId;
  std::string orderId;
  std::string userId;
  std::string eventId;
  Money amount;
  std::string method;   // CreditCard | PayPal | BankTransfer
  std::string gateway;  // stripe | paypal | bank
  std::string gatewayTransactionId;
  std::string processedAt;  // RFC 3339 UTC
};
BOOST_DESCRIBE_STRUCT(PaymentCompleted, (),
                      (paymentId, orderId, userId, eventId, amount, method, gateway, gatewayTransactionId, processedAt))

struct PaymentFailed {
  static constexpr std::string_view topic = topics::payments;
  static constexpr std::string_view type = "PaymentFailed";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary = "The order was not charged, and why.";
  std::string paymentId;
  std::string orderId;
  std::string userId;
  std::string eventId;
  Money amount;
  // card-declined | insufficient-funds | fraud-suspected | gateway-unavailable | card-details-lost |
  // voided | invalid-amount | unsupported-method
  std::string reason;
  std::string detail;
};
BOOST_DESCRIBE_STRUCT(PaymentFailed, (), (paymentId, orderId, userId, eventId, amount, reason, detail))

struct PaymentRefunded {
  static constexpr std::string_view topic = topics::payments;
  static constexpr std::string_view type = "PaymentRefunded";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary = "Money went back to the buyer: the seats it names come back on sale.";
  std::string paymentId;
  std::string orderId;
  std::string userId;
  std::string eventId;
  std::string refundId;  // never empty: the command's, an Admin refund's, or derived from the payment (a void)
  Money amount;          // this refund
  Money refundedTotal;   // every refund of the payment so far
  bool full = false;     // nothing captured is left
  std::string reason;  // the Admin's words, or eventCancelled | eventDeleted | orderCancelled | seatsUnavailable | ...
  std::vector<ReturnedSeats> seats;  // what comes back on sale with this refund (may be empty)
};
BOOST_DESCRIBE_STRUCT(PaymentRefunded, (),
                      (paymentId, orderId, userId, eventId, refundId, amount, refundedTotal, full, reason, seats))

struct PaymentChargedBack {
  static constexpr std::string_view topic = topics::payments;
  static constexpr std::string_view type = "PaymentChargedBack";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary =
      "The buyer's bank took the money back (a gateway webhook): the order is cancelled, its seats return.";
  std::string paymentId;
  std::string orderId;
  std::string userId;
  std::string eventId;
  Money amount;
  std::string reason;
  std::string gatewayEventId;
};
BOOST_DESCRIBE_STRUCT(PaymentChargedBack, (), (paymentId, orderId, userId, eventId, amount, reason, gatewayEventId))

struct Messaging {
  static constexpr std::string_view module = "payments";
  using Publishes = MessageList<PaymentCompleted, PaymentFailed, PaymentRefunded, PaymentChargedBack>;
  // Commands other modules send it (topic "payment-commands").
  using Accepts = MessageList<ChargePayment, VoidPayment, RefundPayment>;
};

}  // namespace boxoffice::payments::messages
