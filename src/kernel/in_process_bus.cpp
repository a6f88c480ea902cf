#include "boxoffice/kernel/in_process_bus.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>

namespace boxoffice {

InProcessBus::InProcessBus(Inboxes& inboxes, Metrics& metrics) : metrics_(metrics), routes_(inboxes) {
  metrics_.describe("bus_messages_published_total", "counter", "Messages handed from an outbox to the bus.");
}

void InProcessBus::subscribe(std::string_view topic, std::string subscriber, Database& store, MessageHandler handler,
                             std::vector<std::string> types) {
  routes_.subscribe(topic, subscriber, store, std::move(handler), std::move(types));
}

void InProcessBus::handleOnAccept(std::string_view subscriber) { routes_.inboxOf(subscriber).handleOnAccept(); }

void InProcessBus::publish(const Envelope& message) { publishBatch(std::span<const Envelope>(&message, 1)); }

void InProcessBus::publishBatch(std::span<const Envelope> messages) {
  // Per inbox, the messages routed to it, in the order given; each envelope serialised once.
  std::vector<std::pair<Inbox*, std::vector<std::size_t>>> perInbox;
  std::vector<std::string> serialized(messages.size());
  for (std::size_t i = 0; i < messages.size(); ++i) {
    for (const auto& route : routes_.all()) {
      if (!route.wants(messages[i])) continue;
      if (serialized[i].empty()) serialized[i] = boost::json::serialize(messages[i].toJson());
      auto it =
          std::find_if(perInbox.begin(), perInbox.end(), [&](const auto& entry) { return entry.first == route.inbox; });
      if (it == perInbox.end()) it = perInbox.insert(perInbox.end(), {route.inbox, {}});
      it->second.push_back(i);
    }
  }
  std::vector<SerializedEnvelope> batch;
  for (auto& [inbox, indexes] : perInbox) {
    batch.clear();
    for (auto i : indexes) batch.push_back({&messages[i], serialized[i]});
    inbox->accept(batch);
  }
  for (const auto& message : messages) {
    metrics_.increment("bus_messages_published_total", {{"topic", message.topic}, {"type", message.type}});
  }
}

DeliveryCounts InProcessBus::deliverTo(std::string_view subscriber, std::span<const Envelope> messages) {
  return routes_.deliverTo(subscriber, messages);
}

}  // namespace boxoffice
