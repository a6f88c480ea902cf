#pragma once
// What the composition root (src/main.cpp) hands a module, and what a module gives back.
// Each module is built explicitly in main with these dependencies; there are no registries
// filled by static initialisation.
//
// Every contract (include/boxoffice/<m>/api.hpp) includes this header, so it stays light: the
// kernel services are only named here (references need no definition), and a module's .cpp
// files include the kernel headers they use. Including the full headers here would put SOCI
// and Boost.JSON into every translation unit that merely names a module.
#include <string>

namespace boxoffice {

class Clock;
class Config;
class Database;
class Logger;
class MessageBus;
class Metrics;
class RateLimiter;
class Router;

struct ModuleDeps {
  const Config& config;
  const Logger& log;  // already bound to the module's name; owned by the composition root, copy it to keep it
  Database& store;    // the module's own database, already opened and migrated
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
