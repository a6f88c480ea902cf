#pragma once
// What a refund may return: never more money than captured minus what was already refunded (or
// is being refunded), never more seats of a category than bought minus already returned.
#include <cstdint>
#include <optional>
#include <vector>

#include "model.hpp"

namespace boxoffice::payments {

struct RefundAsk {
  std::optional<std::int64_t> amount;
  std::optional<std::vector<messages::ReturnedSeats>> seats;
};

struct RefundPlan {
  std::int64_t amount = 0;
  std::vector<messages::ReturnedSeats> seats;
};

// Money and seats not yet refunded, counting refunds that are not Failed.
std::int64_t remainingAmount(const Payment& payment, const std::vector<Refund>& refunds);
std::vector<messages::ReturnedSeats> remainingSeats(const Payment& payment, const std::vector<Refund>& refunds);

// amount absent + seats given: the seats' unit prices; both absent: everything left with every
// remaining seat; amount only: money back, no seats. Throws Problem: 409 refund-exceeds-captured,
// 409 refund-exceeds-seats, 409 payment-not-refundable, 400 for an unknown category.
RefundPlan planRefund(const Payment& payment, const std::vector<Refund>& refunds, const RefundAsk& ask);

}  // namespace boxoffice::payments
