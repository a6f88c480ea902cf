#pragma once
// The orders module's contract (seed 003 Order service, seed 000's checkout saga orchestrator):
// orders and the saga that takes one from held seats to paid and sold, or back to nothing.
// Other modules hear about orders through its messages (messages.hpp); nothing reads orders.db.
#include <memory>
#include <string>
#include <vector>

#include "boxoffice/kernel/module.hpp"
#include "boxoffice/orders/messages.hpp"

namespace boxoffice {
struct ConfigKey;  // boxoffice/kernel/config.hpp, for whoever calls configKeys()
}  // namespace boxoffice
namespace boxoffice::events {
class EventQueries;  // only pointers cross this contract (the module's sources USE events)
}  // namespace boxoffice::events
namespace boxoffice::payments {
class PaymentMethods;  // only pointers cross this contract (the module's sources USE payments)
}  // namespace boxoffice::payments

namespace boxoffice::orders {

class OrdersModule : public Module {};

// orders.* keys: saga timeout, sweep interval, items per order.
std::vector<ConfigKey> configKeys();

// What the orders module gets from other modules, handed over by the composition root.
struct Collaborators {
  // Who organizes an event (an Organizer sees the orders of their events).
  const events::EventQueries* events = nullptr;
  // Checks a payment's input and swaps a card for a vault token before anything is stored.
  const payments::PaymentMethods* paymentMethods = nullptr;
};

std::unique_ptr<OrdersModule> createModule(const ModuleDeps& deps, Collaborators collaborators);

}  // namespace boxoffice::orders
