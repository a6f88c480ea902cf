#pragma once
// The order as every orders message carries it (OrderPlaced, OrderReserved, ... share
// messages::OrderState), built from the stored order.
#include "boxoffice/orders/messages.hpp"
#include "model.hpp"

namespace boxoffice::orders {

messages::OrderState orderState(const Order& order);

}  // namespace boxoffice::orders
