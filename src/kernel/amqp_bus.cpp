#include "boxoffice/kernel/amqp_bus.hpp"

#include <map>
#include <proton/container.hpp>
#include <proton/work_queue.hpp>
#include <stdexcept>
#include <thread>

#include "amqp_module_link.hpp"
#include "boxoffice/kernel/error_text.hpp"

namespace boxoffice {

namespace {
// How long stop() waits, in all, for the connections to detach their links and close (they close
// at the same time, so eight modules take no longer than one).
constexpr auto kCloseTimeout = std::chrono::milliseconds(3000);

// What the outbox dispatcher of one module sees: the bus, publishing on that module's connection.
class ModulePublisher final : public MessageBus {
 public:
  ModulePublisher(MessageBus& bus, amqp::ModuleLink& link, Metrics& metrics)
      : bus_(bus), link_(link), metrics_(metrics) {}
  using MessageBus::subscribe;
  void subscribe(std::string_view topic, std::string subscriber, Database& store, MessageHandler handler,
                 std::vector<std::string> types) override {
    bus_.subscribe(topic, std::move(subscriber), store, std::move(handler), std::move(types));
  }
  void handleOnAccept(std::string_view subscriber) override { bus_.handleOnAccept(subscriber); }
  void publish(const Envelope& message) override { publishBatch(std::span<const Envelope>(&message, 1)); }
  void publishBatch(std::span<const Envelope> messages) override {
    link_.publish(messages);
    // The same counter as the in-process bus: handed over for good (here: accepted by the broker).
    for (const auto& message : messages) {
      metrics_.increment("bus_messages_published_total", {{"topic", message.topic}, {"type", message.type}});
    }
  }
  DeliveryCounts deliverTo(std::string_view subscriber, std::span<const Envelope> messages) override {
    return bus_.deliverTo(subscriber, messages);
  }
  void start() override {}
  void stop() override {}

 private:
  MessageBus& bus_;
  amqp::ModuleLink& link_;
  Metrics& metrics_;
};
}  // namespace

struct AmqpBus::Impl {
  Impl(AmqpSettings s, Inboxes& inboxes, Metrics& m, Logger l)
      : settings(std::move(s)), routes(inboxes), metrics(m), log(std::move(l)), queue(container) {}

  amqp::ModuleLink& linkOf(std::string_view module) {
    auto it = links.find(module);
    if (it == links.end()) {
      it = links
               .emplace(std::string(module), std::make_unique<amqp::ModuleLink>(std::string(module), settings,
                                                                                container, queue, metrics, log))
               .first;
    }
    return *it->second;
  }

  AmqpSettings settings;
  BusRoutes routes;
  Metrics& metrics;
  Logger log;
  proton::container container{"boxoffice"};
  proton::work_queue queue;
  std::map<std::string, std::unique_ptr<amqp::ModuleLink>, std::less<>> links;
  std::map<std::string, std::unique_ptr<ModulePublisher>, std::less<>> publishers;
  std::thread thread;
  bool started = false;
};

AmqpBus::AmqpBus(AmqpSettings settings, Inboxes& inboxes, Metrics& metrics, Logger log)
    : impl_(std::make_unique<Impl>(std::move(settings), inboxes, metrics, std::move(log))) {
  metrics.describe("bus_messages_published_total", "counter", "Messages handed from an outbox to the bus.");
  metrics.describe("bus_amqp_sent_total", "counter", "Messages sent to the broker, by module and topic.");
  metrics.describe("bus_amqp_accepted_total", "counter", "Sent messages the broker accepted, by module.");
  metrics.describe("bus_amqp_refused_total", "counter",
                   "Sent messages the broker did not accept (rejected, released, modified), by module.");
  metrics.describe("bus_amqp_received_total", "counter", "Messages received from the broker, by module and topic.");
  metrics.describe("bus_amqp_unwanted_total", "counter",
                   "Received messages of a type the subscription does not store, accepted without storing (by module "
                   "and topic; each new type is logged once).");
  metrics.describe("bus_amqp_redelivered_total", "counter",
                   "Received messages the broker had delivered before (at-least-once), by module and topic.");
}

AmqpBus::~AmqpBus() { stop(); }

void AmqpBus::subscribe(std::string_view topic, std::string subscriber, Database& store, MessageHandler handler,
                        std::vector<std::string> types) {
  impl_->routes.subscribe(topic, subscriber, store, std::move(handler), std::move(types));
}

void AmqpBus::handleOnAccept(std::string_view subscriber) { impl_->routes.inboxOf(subscriber).handleOnAccept(); }

void AmqpBus::publish(const Envelope&) {
  throw std::logic_error("AmqpBus: publish through publisherFor(module), the module's own connection");
}

void AmqpBus::publishBatch(std::span<const Envelope>) {
  throw std::logic_error("AmqpBus: publish through publisherFor(module), the module's own connection");
}

DeliveryCounts AmqpBus::deliverTo(std::string_view subscriber, std::span<const Envelope> messages) {
  return impl_->routes.deliverTo(subscriber, messages);
}

void AmqpBus::deferReceiving(std::string_view module) { impl_->linkOf(module).deferReceiving(); }

void AmqpBus::startReceiving(std::string_view module) { impl_->linkOf(module).startReceiving(); }

MessageBus& AmqpBus::publisherFor(std::string_view module) {
  auto it = impl_->publishers.find(module);
  if (it == impl_->publishers.end()) {
    auto& link = impl_->linkOf(module);
    it = impl_->publishers.emplace(std::string(module), std::make_unique<ModulePublisher>(*this, link, impl_->metrics))
             .first;
  }
  return *it->second;
}

void AmqpBus::start() {
  if (impl_->started) return;
  for (const auto& route : impl_->routes.all()) impl_->linkOf(route.inbox->subscriber()).addRoute(route);
  // Every password is read before anything connects: a missing secret fails the start.
  std::map<std::string, std::string> passwords;
  for (const auto& [module, link] : impl_->links) passwords[module] = impl_->settings.passwordOf(module);
  impl_->container.auto_stop(false);
  impl_->thread = std::thread([this] {
    try {
      impl_->container.run();
    } catch (const std::exception& e) {
      impl_->log.error("the AMQP container stopped with an error", {{"error", errorText(e)}});
    }
  });
  impl_->started = true;
  for (auto& [module, link] : impl_->links) link->connect(passwords[module]);
  impl_->log.info("message bus: AMQP 1.0", {{"url", impl_->settings.url},
                                            {"connections", static_cast<std::int64_t>(impl_->links.size())},
                                            {"subscriptions", static_cast<std::int64_t>(impl_->routes.all().size())}});
}

void AmqpBus::stop() {
  if (!impl_->started) return;
  impl_->started = false;
  auto deadline = std::chrono::steady_clock::now() + kCloseTimeout;
  for (auto& [module, link] : impl_->links) link->beginStop();
  for (auto& [module, link] : impl_->links) link->waitClosed(deadline);
  impl_->container.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::optional<std::string> AmqpBus::notReady() const {
  std::string missing;
  for (const auto& [module, link] : impl_->links) {
    if (auto reason = link->notReady()) missing += (missing.empty() ? "" : "; ") + *reason;
  }
  if (missing.empty()) return std::nullopt;
  return missing;
}

}  // namespace boxoffice
