#include "app/bus_topology.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <stdexcept>

namespace boxoffice::app {

void SubscriptionRecorder::subscribe(std::string_view topic, std::string subscriber, Database&, MessageHandler,
                                     std::vector<std::string> types) {
  auto it = std::find_if(subscriptions_.begin(), subscriptions_.end(),
                         [&](const Subscription& s) { return s.topic == topic && s.subscriber == subscriber; });
  if (it == subscriptions_.end()) {
    subscriptions_.push_back({std::string(topic), std::move(subscriber), std::move(types)});
  } else if (types.empty() || it->types.empty()) {
    it->types.clear();
  } else {
    it->types.insert(it->types.end(), types.begin(), types.end());
  }
}

void SubscriptionRecorder::publish(const Envelope&) {
  throw std::logic_error("SubscriptionRecorder only records subscriptions");
}

DeliveryCounts SubscriptionRecorder::deliverTo(std::string_view, std::span<const Envelope>) {
  throw std::logic_error("SubscriptionRecorder only records subscriptions");
}

boost::json::object SubscriptionRecorder::toJson(std::span<const std::string_view> modules) const {
  auto sorted = subscriptions_;
  std::sort(sorted.begin(), sorted.end(), [](const Subscription& a, const Subscription& b) {
    return std::tie(a.topic, a.subscriber) < std::tie(b.topic, b.subscriber);
  });
  boost::json::array subscriptions;
  for (auto& s : sorted) {
    std::sort(s.types.begin(), s.types.end());
    s.types.erase(std::unique(s.types.begin(), s.types.end()), s.types.end());
    boost::json::array types;
    for (const auto& type : s.types) types.emplace_back(type);
    subscriptions.push_back(boost::json::object{{"topic", s.topic}, {"subscriber", s.subscriber}, {"types", types}});
  }
  boost::json::array names;
  for (auto module : modules) names.emplace_back(module);
  return {{"modules", names}, {"subscriptions", subscriptions}};
}

}  // namespace boxoffice::app
