#pragma once
// An order and its checkout saga as the saga's decisions see them: plain values, no database.
// store.hpp loads and saves them; saga.hpp decides what happens next.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "boxoffice/kernel/message.hpp"
#include "boxoffice/kernel/time.hpp"
#include "boxoffice/payments/messages.hpp"

namespace boxoffice::orders {

// Order statuses (the API's and the messages' words).
namespace status {
inline constexpr std::string_view pending = "Pending";
inline constexpr std::string_view reserved = "Reserved";
inline constexpr std::string_view paid = "Paid";
inline constexpr std::string_view completed = "Completed";
inline constexpr std::string_view cancelled = "Cancelled";
inline constexpr std::string_view failed = "Failed";
inline constexpr std::string_view refunded = "Refunded";
inline constexpr std::string_view partiallyRefunded = "PartiallyRefunded";
}  // namespace status

// Saga states (seed 000's PaymentSagaState) and steps.
namespace saga_state {
inline constexpr std::string_view started = "Started";
inline constexpr std::string_view inProgress = "InProgress";
inline constexpr std::string_view completed = "Completed";
inline constexpr std::string_view failed = "Failed";
inline constexpr std::string_view compensating = "Compensating";
}  // namespace saga_state

// What became of a hold of the order (order_holds.status).
namespace hold_status {
inline constexpr std::string_view held = "Held";
inline constexpr std::string_view sold = "Sold";
inline constexpr std::string_view expired = "Expired";
inline constexpr std::string_view released = "Released";
}  // namespace hold_status

namespace step {
inline constexpr std::string_view validateInventory = "ValidateInventory";
inline constexpr std::string_view processPayment = "ProcessPayment";
inline constexpr std::string_view confirmInventory = "ConfirmInventory";
inline constexpr std::string_view complete = "Complete";
}  // namespace step

struct Item {
  std::string categoryId;
  int ticketCount = 0;
  std::optional<std::int64_t> unitPrice;  // minor units of the order's currency, once held
  int soldCount = 0;                      // seats of this item inventory sold to the order
  int returnRequested = 0;                // of those, asked back on sale (ReturnSeats sent)
};

struct Hold {
  std::string reservationId;
  std::string categoryId;
  int ticketCount = 0;
  Money amount;
  std::string status;  // Held | Sold | Expired | Released
};

struct SeatLine {
  std::string categoryId;
  int ticketCount = 0;
};

struct RefundRecord {
  std::string refundId;
  Money amount;
  bool full = false;
  std::string reason;
  std::vector<SeatLine> seats;
  TimePoint at{};
  // Landed while the order was Paid (ConfirmSeats in flight): its seats, status and OrderRefunded
  // wait until the order leaves Paid (saga.cpp, settleDeferredRefunds).
  bool deferred = false;
};

struct Order {
  std::string id;
  std::string userId;
  std::string eventId;
  std::string status{status::pending};
  std::vector<Item> items;
  std::vector<Hold> holds;
  std::optional<std::string> currency;
  std::int64_t totalAmount = 0;
  std::int64_t refundedAmount = 0;
  std::optional<std::string> adoptReservationId;
  std::optional<payments::messages::PaymentMethod> paymentMethod;
  std::optional<std::string> paymentId;
  std::string ipAddress;
  std::string userAgent;
  std::string correlationId;
  std::optional<std::string> failureReason;
  std::optional<std::string> failureDetail;
  std::optional<std::string> cancelReason;  // decided; pending while the cancellation's refund runs
  std::optional<std::string> cancelRefundId;
  bool heldAgain = false;
  std::optional<TimePoint> expiresAt;
  TimePoint createdAt{};
  TimePoint updatedAt{};
  std::int64_t version = 1;
  std::vector<std::string> refundIds;         // PaymentRefunded seen
  std::vector<std::string> returnIds;         // SeatsReturned seen
  std::vector<RefundRecord> deferredRefunds;  // refunds recorded while Paid, not applied yet

  // A cancellation decided whose refund has not come back yet.
  bool cancelPending() const { return cancelReason && status != status::cancelled; }
  // Nothing more happens to the order's seats or money (a Completed one may still be refunded).
  bool closed() const { return status == status::cancelled || status == status::failed || status == status::refunded; }
  // Every cent captured is back (nothing left for a void to refund).
  bool refundedInFull() const { return totalAmount > 0 && refundedAmount >= totalAmount; }
};

struct Saga {
  std::string state{saga_state::started};
  std::string step{step::validateInventory};
  int attempts = 1;              // commands sent for the current step
  bool awaitingPayment = false;  // Reserved, waiting for POST /api/v1/payments
  bool chargeSent = false;       // ChargePayment sent
  bool paid = false;             // PaymentCompleted seen
  bool seatsSold = false;        // SeatsConfirmed seen
  bool awaitRelease = false;     // ReleaseSeats sent, SeatsReleased not yet seen
  // VoidPayment or a cancellation's RefundPayment sent: waiting to hear the order is not charged.
  bool awaitReversal = false;
  std::string releaseReason;                    // the awaited ReleaseSeats' reason (the sweeper re-sends it)
  std::string voidReason;                       // the awaited VoidPayment's or cancellation RefundPayment's reason
  int compensationAttempts = 0;                 // times the awaited compensations were sent (1 + re-sends)
  std::optional<TimePoint> compensationSentAt;  // when they were last sent
  TimePoint stepStartedAt{};
  TimePoint startedAt{};
  TimePoint updatedAt{};
  std::optional<TimePoint> completedAt;

  bool running() const { return state == saga_state::started || state == saga_state::inProgress; }
  bool over() const { return state == saga_state::completed || state == saga_state::failed; }
};

struct Checkout {
  Order order;
  Saga saga;
};

// One line of an order's status history.
struct HistoryEntry {
  std::string status;
  std::optional<std::string> reason;
  std::optional<std::string> detail;
  TimePoint at{};
};

struct StepRecord {
  std::string step;
  int attempt = 0;
  std::string result;
  std::optional<std::string> detail;
  TimePoint at{};
};

struct Compensation {
  std::string action;  // ReleaseSeats | VoidPayment | ReturnSeats | RefundPayment
  std::string reason;
  TimePoint at{};
};

struct ReturnRecord {
  std::string returnId;
  std::string reason;
  std::vector<SeatLine> items;
  int ticketCount = 0;
  TimePoint at{};
};

}  // namespace boxoffice::orders
