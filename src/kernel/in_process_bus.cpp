#include "boxoffice/kernel/in_process_bus.hpp"

#include <algorithm>

namespace boxoffice {

InProcessBus::InProcessBus(Inboxes& inboxes, Metrics& metrics) : inboxes_(inboxes), metrics_(metrics) {
  metrics_.describe("bus_messages_published_total", "counter", "Messages handed from an outbox to the bus.");
}

void InProcessBus::subscribe(std::string_view topic, std::string subscriber, Database& store, MessageHandler handler) {
  Inbox& inbox = inboxes_.of(subscriber, store);
  inbox.addHandler(std::string(topic), std::move(handler));
  // One route per (topic, inbox): a subscriber with two handlers for a topic stores the message once.
  bool routed = std::any_of(routes_.begin(), routes_.end(),
                            [&](const Route& route) { return route.topic == topic && route.inbox == &inbox; });
  if (!routed) routes_.push_back({std::string(topic), &inbox});
}

void InProcessBus::publish(const Envelope& message) {
  for (const auto& route : routes_) {
    if (route.topic == message.topic) route.inbox->accept(message);
  }
  metrics_.increment("bus_messages_published_total", {{"topic", message.topic}, {"type", message.type}});
}

}  // namespace boxoffice
