#include "boxoffice/kernel/bus_routes.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <stdexcept>

namespace boxoffice {

void BusRoutes::subscribe(std::string_view topic, const std::string& subscriber, Database& store,
                          MessageHandler handler, std::vector<std::string> types) {
  Inbox& inbox = inboxes_.of(subscriber, store);
  inbox.addHandler(std::string(topic), std::move(handler));
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

Inbox& BusRoutes::inboxOf(std::string_view subscriber) const {
  auto it = std::find_if(routes_.begin(), routes_.end(),
                         [&](const Route& route) { return route.inbox->subscriber() == subscriber; });
  if (it == routes_.end()) throw std::invalid_argument("no subscriber named '" + std::string(subscriber) + "'");
  return *it->inbox;
}

bool BusRoutes::Route::wants(const Envelope& message) const {
  return message.topic == topic &&
         (types.empty() || std::find(types.begin(), types.end(), message.type) != types.end());
}

DeliveryCounts BusRoutes::deliverTo(std::string_view subscriber, std::span<const Envelope> messages) const {
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
