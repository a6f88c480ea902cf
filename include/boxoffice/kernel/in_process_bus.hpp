#pragma once
// The default MessageBus transport: publish hands the messages straight to the inbox of every
// subscriber of their topic (see bus.hpp and inbox.hpp for the contract). A batch reaches each
// inbox as one accept (one transaction in the subscriber's database), each envelope serialised
// once however many subscribers it has.
#include <string>
#include <vector>

#include "boxoffice/kernel/bus.hpp"
#include "boxoffice/kernel/bus_routes.hpp"
#include "boxoffice/kernel/inbox.hpp"
#include "boxoffice/kernel/metrics.hpp"

namespace boxoffice {

class InProcessBus final : public MessageBus {
 public:
  InProcessBus(Inboxes& inboxes, Metrics& metrics);

  using MessageBus::subscribe;
  void subscribe(std::string_view topic, std::string subscriber, Database& store, MessageHandler handler,
                 std::vector<std::string> types) override;
  // Throws std::invalid_argument for a subscriber no subscription names.
  void handleOnAccept(std::string_view subscriber) override;
  void publish(const Envelope& message) override;
  void publishBatch(std::span<const Envelope> messages) override;
  DeliveryCounts deliverTo(std::string_view subscriber, std::span<const Envelope> messages) override;
  // Nothing to connect or close: the inboxes' workers are started and stopped by Inboxes.
  void start() override {}
  void stop() override {}

 private:
  Metrics& metrics_;
  BusRoutes routes_;
};

}  // namespace boxoffice
