#pragma once
// A payment and its refunds as the module keeps them (table payments, table refunds).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "boxoffice/payments/messages.hpp"

namespace boxoffice::payments {

// Pending -> Processing -> Completed | Failed; Completed -> PartiallyRefunded -> Refunded;
// Completed | PartiallyRefunded -> ChargedBack.
namespace status {
inline constexpr const char* kPending = "Pending";
inline constexpr const char* kProcessing = "Processing";
inline constexpr const char* kCompleted = "Completed";
inline constexpr const char* kFailed = "Failed";
inline constexpr const char* kRefunded = "Refunded";
inline constexpr const char* kPartiallyRefunded = "PartiallyRefunded";
inline constexpr const char* kChargedBack = "ChargedBack";
}  // namespace status

// Pending -> Completed; Pending -> Failed (the gateway knows no charge to refund);
// Pending -> Cancelled (a chargeback took the money back first: never sent afterwards).
namespace refund_status {
inline constexpr const char* kPending = "Pending";
inline constexpr const char* kCompleted = "Completed";
inline constexpr const char* kFailed = "Failed";
inline constexpr const char* kCancelled = "Cancelled";
}  // namespace refund_status

// Why a refund exists: an Admin's request, a VoidPayment, or a RefundPayment command.
namespace refund_origin {
inline constexpr const char* kAdmin = "admin";
inline constexpr const char* kVoid = "void";
inline constexpr const char* kCommand = "command";
}  // namespace refund_origin

// The method of a placeholder payment: a VoidPayment (or RefundPayment) came before any
// ChargePayment for its order. It is not a payment anyone made: no route shows it.
inline constexpr const char* kNoMethod = "None";

struct Payment {
  std::string paymentId;
  std::string orderId;
  std::string userId;
  std::string eventId;
  std::vector<std::string> reservationIds;
  std::vector<messages::PaidItem> items;
  Money amount;
  std::string status;
  std::string method;
  std::string gateway;
  std::string gatewayTransactionId;
  std::string failureReason;
  std::string failureDetail;
  int fraudScore = 0;
  std::optional<std::int64_t> processedAt;
  std::string ipAddress;
  std::string userAgent;
  std::string cardBrand;
  std::string cardLast4;
  std::optional<int> cardExpMonth;
  std::optional<int> cardExpYear;
  std::string cardFingerprint;
  std::string cardHolderName;
  std::string cardToken;
  std::string correlationId;
  int attempts = 0;
  std::int64_t nextAttemptAt = 0;
  std::string voidReason;
  std::string voidRefundId;
  std::int64_t chargedBackAmount = 0;
  std::optional<std::int64_t> chargedBackAt;
  std::int64_t createdAt = 0;
  std::int64_t updatedAt = 0;

  // Captured money still with us: Completed or PartiallyRefunded.
  bool captured() const { return status == status::kCompleted || status == status::kPartiallyRefunded; }
  bool placeholder() const { return method == kNoMethod; }
};

struct Refund {
  std::string refundId;
  std::string paymentId;
  Money amount;
  std::vector<messages::ReturnedSeats> seats;
  std::string reason;
  std::string status;  // refund_status
  std::string origin = refund_origin::kAdmin;
  std::string requestedBy;
  std::string correlationId;
  int attempts = 0;
  std::int64_t nextAttemptAt = 0;
  std::string failureReason;
  std::int64_t createdAt = 0;
  std::optional<std::int64_t> completedAt;

  // Money that is back with the buyer or on its way (not Failed, not Cancelled).
  bool counts() const { return status == refund_status::kPending || status == refund_status::kCompleted; }
};

}  // namespace boxoffice::payments
