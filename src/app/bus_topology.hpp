#pragma once
// `boxoffice bus topology`: the subscriptions the modules register, as JSON, so the broker's
// topology (config/rabbitmq/definitions.json, Service Bus subscriptions) is made from what the
// binary really subscribes to, and a test notices when the two drift apart.
#include <boost/json/object.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "boxoffice/kernel/bus.hpp"

namespace boxoffice::app {

// A MessageBus that only writes down subscribe() calls; it delivers nothing.
class SubscriptionRecorder final : public MessageBus {
 public:
  struct Subscription {
    std::string topic;
    std::string subscriber;
    std::vector<std::string> types;  // empty: every type
  };
  using MessageBus::subscribe;
  void subscribe(std::string_view topic, std::string subscriber, Database& store, MessageHandler handler,
                 std::vector<std::string> types) override;
  void publish(const Envelope& message) override;
  DeliveryCounts deliverTo(std::string_view subscriber, std::span<const Envelope> messages) override;
  void start() override {}
  void stop() override {}

  // {"modules": [...], "subscriptions": [{"topic", "subscriber", "types"}], "publishers":
  // {topic: [module, ...]}}: one subscription per (topic, subscriber), types merged as the
  // transports merge them (empty: every type), sorted; publishers: who may send on each topic.
  boost::json::object toJson(std::span<const std::string_view> modules) const;

 private:
  std::vector<Subscription> subscriptions_;
};

}  // namespace boxoffice::app
