#pragma once
// The checkout saga's state machine (seed 000's PaymentProcessing orchestrator), pure: given an
// order with its saga and one fact (a reply, a message, a buyer's or an Admin's request, a
// timeout), decide() returns the next state, the commands to send, the order messages to publish
// and what to record. No database, no clock, no bus: the caller (service.cpp) loads, applies and
// stores all of it in one transaction, which is what makes every step durable and every handler
// safe to run twice (a fact that does not fit the current step changes nothing, or compensates).
#include <chrono>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "boxoffice/inventory/messages.hpp"
#include "boxoffice/payments/messages.hpp"
#include "model.hpp"

namespace boxoffice::orders {

// A hold of the order ended on its own (ReservationExpired) or was released (ReservationReleased).
struct HoldEnded {
  std::string reservationId;
  bool expired = true;
  // ReservationReleased's reason: released | eventCancelled | eventDeleted (the holder or the
  // event), notConfirmed (ConfirmSeats failed), or the saga's own ReleaseSeats reason
  // (paymentFailed | orderCancelled | sagaTimedOut | orderFailed).
  std::string reason;
};

// The order's event was cancelled or deleted.
struct EventEnded {
  bool deleted = false;
};

// POST /api/v1/payments: the buyer gives the payment details of a Reserved order.
struct PaymentGiven {
  payments::messages::PaymentMethod method;
  std::string ipAddress;
  std::string userAgent;
};

// POST /api/v1/orders/{id}/cancel.
struct CancelRequest {
  bool byAdmin = false;
};

// The sweeper found the saga in its current step (or, Compensating, waiting for its compensations'
// answers) for longer than orders.sagaTimeoutSeconds.
struct Timeout {
  std::chrono::seconds limit{0};
};

using Fact =
    std::variant<inventory::messages::SeatsHeld, inventory::messages::SeatsNotHeld, inventory::messages::SeatsConfirmed,
                 inventory::messages::SeatsNotConfirmed, inventory::messages::SeatsReleased,
                 inventory::messages::SeatsReturned, HoldEnded, payments::messages::PaymentCompleted,
                 payments::messages::PaymentFailed, payments::messages::PaymentRefunded,
                 payments::messages::PaymentChargedBack, EventEnded, PaymentGiven, CancelRequest, Timeout>;

using Command =
    std::variant<inventory::messages::HoldSeats, inventory::messages::ConfirmSeats, inventory::messages::ReleaseSeats,
                 inventory::messages::ReturnSeats, payments::messages::ChargePayment, payments::messages::VoidPayment,
                 payments::messages::RefundPayment>;

// An order message to publish (the caller fills the order's state into it).
struct Announcement {
  enum class Kind { Reserved, Completed, Cancelled, Failed, Refunded };
  Kind kind = Kind::Reserved;
  std::string reason{};
  std::string step{};    // Failed: the failing step
  std::string detail{};  // Failed
  std::string refundId{};
  Money refunded{};
};

// A request the order's state does not allow (the HTTP edge answers it as a 409).
struct Refusal {
  std::string slug;
  std::string title;
  std::string detail;
};

struct Decision {
  Checkout next;
  bool changed = false;  // the order or saga changed (a new version is stored)
  std::vector<Command> commands;
  std::vector<Announcement> announcements;
  std::vector<HistoryEntry> history;
  std::vector<StepRecord> steps;
  std::vector<Compensation> compensations;
  std::optional<RefundRecord> refund;
  std::optional<ReturnRecord> returned;
  std::optional<Refusal> refusal;
  std::vector<std::string> resent;  // compensations the sweeper sent again (Timeout while Compensating)
};

// The name of a fact ("SeatsHeld", "Timeout", ...) for logs, metrics and the step records.
std::string factName(const Fact& fact);

// A new order's saga: Started in ValidateInventory, with the HoldSeats command to send.
Decision start(Checkout checkout, TimePoint now);

Decision decide(const Checkout& current, const Fact& fact, TimePoint now);

// The id a command derives from the order, the same on every run (so a redelivered message
// cannot make a second refund or return): a UUID-shaped hash of the order id and `purpose`.
std::string derivedId(const std::string& orderId, std::string_view purpose);

// Items priced from the holds (unitPrice = the category's held amount / its seats); an error
// reason slug when the holds cannot price the order (mixed currencies, a category missing).
struct Pricing {
  std::vector<Item> items;
  std::string currency;
  std::int64_t total = 0;
  std::optional<std::string> error;
  std::string errorDetail;
};
Pricing price(const std::vector<Item>& requested, const std::vector<inventory::messages::OrderHold>& holds);

}  // namespace boxoffice::orders
