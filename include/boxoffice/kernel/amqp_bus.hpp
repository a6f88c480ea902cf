#pragma once
// The AMQP 1.0 MessageBus transport (bus.transport = amqp), on Qpid Proton C++; tested against
// RabbitMQ 3.10's AMQP 1.0 plugin, addresses configurable for Azure Service Bus (amqp_settings.hpp).
//
// One connection per module, as the module's own broker user: the module's outbox is sent on it
// (a sender per topic) and its subscriptions are received on it (a receiver per topic). Proton
// runs its container on one thread of its own; other threads reach it through a work queue.
//
// Publishing (the outbox dispatcher, through publisherFor(module)): a batch returns once the
// broker accepted every message; rejected, released or no answer within bus.amqp.publishTimeoutMs
// throws, and the dispatcher sends the rows again later (at least once). bus.amqp.window messages
// may await their outcome at once.
//
// Receiving: a delivery is stored in the subscriber's inbox (Inbox::accept, which skips ids it
// holds) and only then accepted on the broker. A message of a type the subscription does not
// store is accepted without storing. deliverTo (audit replay) goes straight to the inbox.
//
// The broker down at start, or restarted: each connection retries with backoff
// (bus.amqp.reconnectMinMs..MaxMs); meanwhile publishing throws (the outbox keeps the rows) and
// notReady() names what is missing (/ready).
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "boxoffice/kernel/amqp_settings.hpp"
#include "boxoffice/kernel/bus.hpp"
#include "boxoffice/kernel/bus_routes.hpp"
#include "boxoffice/kernel/inbox.hpp"
#include "boxoffice/kernel/log.hpp"
#include "boxoffice/kernel/metrics.hpp"

namespace boxoffice {

class AmqpBus final : public MessageBus {
 public:
  AmqpBus(AmqpSettings settings, Inboxes& inboxes, Metrics& metrics, Logger log);
  ~AmqpBus() override;
  AmqpBus(const AmqpBus&) = delete;
  AmqpBus& operator=(const AmqpBus&) = delete;

  using MessageBus::subscribe;
  void subscribe(std::string_view topic, std::string subscriber, Database& store, MessageHandler handler,
                 std::vector<std::string> types) override;
  void handleOnAccept(std::string_view subscriber) override;
  // Which connection sends a message depends on the module whose outbox holds it: publish
  // through publisherFor(module). These throw std::logic_error.
  void publish(const Envelope& message) override;
  void publishBatch(std::span<const Envelope> messages) override;
  DeliveryCounts deliverTo(std::string_view subscriber, std::span<const Envelope> messages) override;
  // Reads every module's password (StartupError if one cannot be read) and opens the connections;
  // returns at once: a broker that is down is retried in the background.
  void start() override;
  // Stops storing, detaches and closes every connection, ends Proton's thread.
  void stop() override;

  // The bus `module`'s outbox publishes through: its own connection. Before start().
  MessageBus& publisherFor(std::string_view module);
  // Before start(): `module`'s connection opens without receivers (another instance consumes its
  // queues) until startReceiving(module). Its outbox is still published.
  void deferReceiving(std::string_view module);
  void startReceiving(std::string_view module);
  // nullopt when every connection is open with its receivers attached; else what is missing.
  std::optional<std::string> notReady() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace boxoffice
