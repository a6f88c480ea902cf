#include "replies.hpp"

#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/time.hpp"

namespace boxoffice::payments::replies {

std::string derivedRefundId(const std::string& paymentId, std::string_view purpose) {
  auto hex = sha256Hex(paymentId + "/" + std::string(purpose));
  // UUID layout, version 8 (custom), RFC 9562 variant.
  hex[12] = '8';
  hex[16] = "89ab"[std::stoi(hex.substr(16, 1), nullptr, 16) & 3];
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20, 12);
}

std::string voidRefundIdOf(const Payment& payment) {
  return payment.voidRefundId.empty() ? derivedRefundId(payment.paymentId, "void") : payment.voidRefundId;
}

messages::PaymentCompleted completed(const Payment& p) {
  return {.paymentId = p.paymentId,
          .orderId = p.orderId,
          .userId = p.userId,
          .eventId = p.eventId,
          .amount = p.amount,
          .method = p.method,
          .gateway = p.gateway,
          .gatewayTransactionId = p.gatewayTransactionId,
          .processedAt = formatRfc3339(fromUnixMillis(p.processedAt.value_or(p.updatedAt)))};
}

messages::PaymentFailed failed(const Payment& p) {
  return {.paymentId = p.paymentId,
          .orderId = p.orderId,
          .userId = p.userId,
          .eventId = p.eventId,
          .amount = p.amount,
          .reason = p.failureReason,
          .detail = p.failureDetail};
}

std::int64_t refundedTotal(const std::vector<Refund>& all) {
  std::int64_t total = 0;
  for (const auto& r : all) {
    if (r.status == refund_status::kCompleted) total += r.amount.amount;
  }
  return total;
}

messages::PaymentRefunded refunded(const Payment& p, const Refund& refund, const std::vector<Refund>& all) {
  // The total as it was when this refund completed: a repeated reply says what the first said.
  std::int64_t total = 0;
  for (const auto& r : all) {
    if (r.status != refund_status::kCompleted) continue;
    bool before =
        r.completedAt < refund.completedAt || (r.completedAt == refund.completedAt && r.refundId <= refund.refundId);
    if (before) total += r.amount.amount;
  }
  return {.paymentId = p.paymentId,
          .orderId = p.orderId,
          .userId = p.userId,
          .eventId = p.eventId,
          .refundId = refund.refundId,
          .amount = refund.amount,
          .refundedTotal = Money{total, p.amount.currency},
          .full = total + p.chargedBackAmount >= p.amount.amount,
          .reason = refund.reason,
          .seats = refund.seats};
}

messages::PaymentRefunded nothingLeft(const Payment& p, const std::vector<Refund>& all, const std::string& refundId,
                                      const std::string& reason) {
  return {.paymentId = p.paymentId,
          .orderId = p.orderId,
          .userId = p.userId,
          .eventId = p.eventId,
          .refundId = refundId,
          .amount = Money{0, p.amount.currency},
          .refundedTotal = Money{refundedTotal(all), p.amount.currency},
          .full = true,
          .reason = reason,
          .seats = {}};
}

}  // namespace boxoffice::payments::replies
