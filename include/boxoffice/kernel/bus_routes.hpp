#pragma once
// Which inbox gets which message: the subscriptions every MessageBus transport keeps (bus.hpp).
// One route per (topic, subscriber): a subscriber with two handlers for a topic stores each
// message once, and stores the union of the types they want (empty: every type). The in-process
// bus hands a published message to every route that wants it; the AMQP bus opens one receiver
// per route and asks its route whether a received message is wanted.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "boxoffice/kernel/bus.hpp"
#include "boxoffice/kernel/inbox.hpp"

namespace boxoffice {

class BusRoutes {
 public:
  struct Route {
    std::string topic;
    Inbox* inbox;
    std::vector<std::string> types;  // empty: every type
    bool wants(const Envelope& message) const;
  };

  explicit BusRoutes(Inboxes& inboxes) : inboxes_(inboxes) {}
  // Adds the handler to the subscriber's inbox and the types to its route of `topic`.
  void subscribe(std::string_view topic, const std::string& subscriber, Database& store, MessageHandler handler,
                 std::vector<std::string> types);
  // Throws std::invalid_argument for a subscriber no subscription names.
  Inbox& inboxOf(std::string_view subscriber) const;
  // MessageBus::deliverTo: straight into the named inbox, whatever the transport.
  DeliveryCounts deliverTo(std::string_view subscriber, std::span<const Envelope> messages) const;
  const std::vector<Route>& all() const { return routes_; }

 private:
  Inboxes& inboxes_;
  std::vector<Route> routes_;
};

}  // namespace boxoffice
