#pragma once
// The replies the payments module publishes, built from what it stores: the same state always
// gives the same reply, so a repeated command is answered again with what was answered first
// (docs/architecture.md, "Idempotent by order id").
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "boxoffice/payments/messages.hpp"
#include "model.hpp"

namespace boxoffice::payments::replies {

// A refund id derived from the payment id and a purpose ("void"): the same on every repeat, a
// UUID in form, never empty.
std::string derivedRefundId(const std::string& paymentId, std::string_view purpose);
// The id of the refund a void makes (or would make): a refund id the saga chose (a RefundPayment
// that came while the charge was under way) or the derived one.
std::string voidRefundIdOf(const Payment& payment);

messages::PaymentCompleted completed(const Payment& payment);
messages::PaymentFailed failed(const Payment& payment);
// `refund` (Completed), with the total refunded up to and including it.
messages::PaymentRefunded refunded(const Payment& payment, const Refund& refund, const std::vector<Refund>& all);
// Nothing (more) to give back: amount 0, full, no seats.
messages::PaymentRefunded nothingLeft(const Payment& payment, const std::vector<Refund>& all,
                                      const std::string& refundId, const std::string& reason);

// Sum of the Completed refunds in `all`.
std::int64_t refundedTotal(const std::vector<Refund>& all);

}  // namespace boxoffice::payments::replies
