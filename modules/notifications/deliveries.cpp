// Placeholder until the delivery side lands (owned by the delivery part).
#include "deliveries.hpp"

#include <stdexcept>

#include "boxoffice/kernel/config.hpp"

namespace boxoffice::notifications {

std::vector<ConfigKey> deliveryConfigKeys() { return {}; }

struct Deliveries::State {};

Deliveries::Deliveries(Database& /*store*/, const Templates& /*templates*/, const Config& /*config*/,
                       const Clock& /*clock*/, const Logger& /*log*/, Metrics& /*metrics*/)
    : state_(std::make_unique<State>()) {}
Deliveries::~Deliveries() = default;

bool Deliveries::enqueue(Tx& /*tx*/, const NewDelivery& /*delivery*/) {
  throw std::logic_error("deliveries are not built yet");
}

void Deliveries::registerRoutes(Router& /*router*/) {}
void Deliveries::start() {}
void Deliveries::stop() {}

}  // namespace boxoffice::notifications
