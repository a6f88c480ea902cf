#pragma once
// What the composition root (src/main.cpp) hands a module, and what a module gives back.
// Each module is built explicitly in main with these dependencies; there are no registries
// filled by static initialisation.
#include <memory>
#include <string>

#include "boxoffice/kernel/bus.hpp"
#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/config.hpp"
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/log.hpp"
#include "boxoffice/kernel/metrics.hpp"
#include "boxoffice/kernel/rate_limit.hpp"
#include "boxoffice/kernel/router.hpp"

namespace boxoffice {

struct ModuleDeps {
  const Config& config;
  Logger log;       // already bound to the module's name
  Database& store;  // the module's own database, migrated
  MessageBus& bus;
  Metrics& metrics;
  RateLimiter& rateLimiter;
  const Clock& clock;  // every decision that depends on time asks this (tests pass a ManualClock)
};

class Module {
 public:
  virtual ~Module() = default;
  virtual std::string name() const = 0;
  virtual void registerRoutes(Router& router) = 0;
  // Subscribe to other modules' messages (called before the bus starts).
  virtual void subscribe(MessageBus& /*bus*/) {}
  // Background work (sweepers, caches) starts after the bus, stops before it.
  virtual void start() {}
  virtual void stop() {}
  // `serve --demo`: load demo data once; must be idempotent.
  virtual void loadDemoData() {}
};

}  // namespace boxoffice
