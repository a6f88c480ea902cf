#include "boxoffice/kernel/in_process_bus.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <stdexcept>

namespace boxoffice {

InProcessBus::InProcessBus(Inboxes& inboxes, Metrics& metrics) : inboxes_(inboxes), metrics_(metrics) {
  metrics_.describe("bus_messages_published_total", "counter", "Messages handed from an outbox to the bus.");
}

void InProcessBus::subscribe(std::string_view topic, std::string subscriber, Database& store, MessageHandler handler,
                             std::vector<std::string> types) {
  Inbox& inbox = inboxes_.of(subscriber, store);
  inbox.addHandler(std::string(topic), std::move(handler));
  // One route per (topic, inbox): a subscriber with two handlers for a topic stores the message
  // once, and stores the types either of them wants.
  auto it = std::find_if(routes_.begin(), routes_.end(),
                         [&](const Route& route) { return route.topic == topic && route.inbox == &inbox; });
  if (it == routes_.end()) {
    routes_.push_back({std::string(topic), &inbox, std::move(types)});
  } else if (types.empty() || it->types.empty()) {
    it->types.clear();
  } else {
    it->types.insert(it->types.end(), types.begin(), types.end());
  }
}

Inbox& InProcessBus::inboxOf(std::string_view subscriber) const {
  auto it = std::find_if(routes_.begin(), routes_.end(),
                         [&](const Route& route) { return route.inbox->subscriber() == subscriber; });
  if (it == routes_.end()) throw std::invalid_argument("no subscriber named '" + std::string(subscriber) + "'");
  return *it->inbox;
}

void InProcessBus::handleOnAccept(std::string_view subscriber) { inboxOf(subscriber).handleOnAccept(); }

bool InProcessBus::Route::wants(const Envelope& message) const {
  return message.topic == topic &&
         (types.empty() || std::find(types.begin(), types.end(), message.type) != types.end());
}

void InProcessBus::publish(const Envelope& message) { publishBatch(std::span<const Envelope>(&message, 1)); }

void InProcessBus::publishBatch(std::span<const Envelope> messages) {
  // Per inbox, the messages routed to it, in the order given; each envelope serialised once.
  std::vector<std::pair<Inbox*, std::vector<std::size_t>>> perInbox;
  std::vector<std::string> serialized(messages.size());
  for (std::size_t i = 0; i < messages.size(); ++i) {
    for (const auto& route : routes_) {
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
  Inbox& inbox = inboxOf(subscriber);
  DeliveryCounts counts;
  std::vector<std::string> serialized;
  serialized.reserve(messages.size());
  std::vector<SerializedEnvelope> batch;
  batch.reserve(messages.size());
  for (const auto& message : messages) {
    bool wanted = std::any_of(routes_.begin(), routes_.end(),
                              [&](const Route& route) { return route.inbox == &inbox && route.wants(message); });
    if (!wanted) {
      ++counts.notSubscribed;
      continue;
    }
    // reserve() above keeps the strings in place, so the views stay valid.
    serialized.push_back(boost::json::serialize(message.toJson()));
    batch.push_back({&message, serialized.back()});
  }
  counts.delivered = inbox.accept(batch);
  counts.skipped = batch.size() - counts.delivered;
  return counts;
}

}  // namespace boxoffice
