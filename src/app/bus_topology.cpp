#include "app/bus_topology.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <stdexcept>
#include <vector>

#include "boxoffice/kernel/topics.hpp"

namespace boxoffice::app {

namespace {
// Who sends on each topic. The broker lets a module's user publish only to these routing keys
// (topic_permissions in config/rabbitmq/definitions.json), so one leaked module secret cannot
// forge another module's messages. A module that sends on a topic missing here is refused by the
// broker, which the integration suite's broker phase would show at once.
struct TopicPublishers {
  std::string_view topic;
  std::vector<std::string_view> modules;
};
const std::vector<TopicPublishers>& topicPublishers() {
  static const std::vector<TopicPublishers> table{
      {topics::events, {"events"}},
      {topics::tickets, {"inventory"}},  // seat holds, sales and returns
      {topics::orders, {"orders"}},
      {topics::payments, {"payments"}},
      {topics::notifications, {"identity", "notifications"}},
      {topics::admission, {"tickets"}},
      {topics::inventoryCommands, {"orders"}},  // the checkout saga's commands
      {topics::paymentCommands, {"orders"}},
  };
  return table;
}
}  // namespace

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
  boost::json::object publishers;
  for (auto topic : topics::all) {
    auto known = std::any_of(topicPublishers().begin(), topicPublishers().end(),
                             [&](const TopicPublishers& entry) { return entry.topic == topic; });
    if (!known) throw std::logic_error("bus topology: no publisher listed for topic " + std::string(topic));
  }
  for (const auto& entry : topicPublishers()) {
    boost::json::array senders;
    for (auto module : entry.modules) senders.emplace_back(module);
    publishers[entry.topic] = std::move(senders);
  }
  return {{"modules", names}, {"subscriptions", subscriptions}, {"publishers", publishers}};
}

}  // namespace boxoffice::app
