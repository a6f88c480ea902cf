#include "refund_rules.hpp"

#include <map>

#include "problems.hpp"

namespace boxoffice::payments {

std::int64_t remainingAmount(const Payment& payment, const std::vector<Refund>& refunds) {
  std::int64_t refunded = 0;
  for (const auto& refund : refunds) {
    if (refund.counts()) refunded += refund.amount.amount;
  }
  return payment.amount.amount - refunded;
}

std::vector<messages::ReturnedSeats> remainingSeats(const Payment& payment, const std::vector<Refund>& refunds) {
  std::map<std::string, int> returned;
  for (const auto& refund : refunds) {
    if (!refund.counts()) continue;
    for (const auto& seat : refund.seats) returned[seat.categoryId] += seat.ticketCount;
  }
  std::vector<messages::ReturnedSeats> out;
  for (const auto& item : payment.items) {
    int left = item.ticketCount - returned[item.categoryId];
    returned[item.categoryId] = std::max(0, -left);  // a category listed twice: carry what is used up
    if (left > 0) out.push_back({item.categoryId, left});
  }
  return out;
}

RefundPlan planRefund(const Payment& payment, const std::vector<Refund>& refunds, const RefundAsk& ask) {
  if (!payment.captured()) throw problems::notRefundable(payment.status);
  auto moneyLeft = remainingAmount(payment, refunds);
  auto seatsLeft = remainingSeats(payment, refunds);
  RefundPlan plan;
  if (!ask.amount && !ask.seats) {
    plan.amount = moneyLeft;
    plan.seats = seatsLeft;
  } else {
    if (ask.seats) {
      std::map<std::string, int> wanted;
      for (const auto& seat : *ask.seats) wanted[seat.categoryId] += seat.ticketCount;
      std::int64_t seatsValue = 0;
      for (const auto& [categoryId, count] : wanted) {
        const messages::PaidItem* item = nullptr;
        for (const auto& candidate : payment.items) {
          if (candidate.categoryId == categoryId) item = &candidate;
        }
        if (!item)
          throw Problem::validation({{"seats", "category " + categoryId + " was not bought with this payment"}});
        int left = 0;
        for (const auto& seat : seatsLeft) {
          if (seat.categoryId == categoryId) left = seat.ticketCount;
        }
        if (count > left) throw problems::refundExceedsSeats(categoryId, left);
        seatsValue += item->unitPrice.amount * count;
        plan.seats.push_back({categoryId, count});
      }
      plan.amount = ask.amount.value_or(seatsValue);
    } else {
      plan.amount = *ask.amount;
    }
  }
  if (plan.amount <= 0 && plan.seats.empty()) throw problems::nothingToRefund();
  if (plan.amount > moneyLeft) throw problems::refundExceedsCaptured(moneyLeft, payment.amount.currency);
  return plan;
}

}  // namespace boxoffice::payments
