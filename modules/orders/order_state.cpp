#include "order_state.hpp"

namespace boxoffice::orders {

messages::OrderState orderState(const Order& order) {
  messages::OrderState state;
  state.orderId = order.id;
  state.userId = order.userId;
  state.eventId = order.eventId;
  state.status = order.status;
  std::string currency = order.currency.value_or("");
  for (const auto& item : order.items) {
    Money unit{item.unitPrice.value_or(0), currency};
    state.items.push_back({item.categoryId, item.ticketCount, unit, {unit.amount * item.ticketCount, currency}});
  }
  state.total = {order.totalAmount, currency};
  for (const auto& h : order.holds) state.reservationIds.push_back(h.reservationId);
  state.paymentId = order.paymentId;
  state.updatedAt = formatRfc3339(order.updatedAt);
  return state;
}

}  // namespace boxoffice::orders
