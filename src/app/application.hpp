#pragma once
// The running system: kernel services and every module, built explicitly by the composition
// root (main.cpp). Owns start-up order and shutdown order.
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "app/seat_owner.hpp"
#include "app/stores.hpp"
#include "boxoffice/inventory/api.hpp"
#include "boxoffice/kernel/amqp_bus.hpp"
#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/cluster_lock.hpp"
#include "boxoffice/kernel/cluster_signals.hpp"
#include "boxoffice/kernel/config.hpp"
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/http_server.hpp"
#include "boxoffice/kernel/in_process_bus.hpp"
#include "boxoffice/kernel/inbox.hpp"
#include "boxoffice/kernel/log.hpp"
#include "boxoffice/kernel/metrics.hpp"
#include "boxoffice/kernel/module.hpp"
#include "boxoffice/kernel/outbox_dispatcher.hpp"
#include "boxoffice/kernel/rate_limit.hpp"
#include "boxoffice/kernel/router.hpp"

namespace boxoffice::app {

class Application {
 public:
  Application(const Config& config, std::shared_ptr<LogSink> sink, Stores::Purpose purpose = Stores::Purpose::Use);
  ~Application();
  Application(const Application&) = delete;
  Application& operator=(const Application&) = delete;

  // Opens (and migrates) the database of module `name` under the data dir, and has the outbox
  // dispatcher deliver what it publishes. Every module's store is opened before any is built.
  Database& openStore(std::string_view name);
  // What module `name` is built with; its store must be open. Valid as long as the application.
  ModuleDeps depsFor(std::string_view name);
  // Adds a module built by the composition root; it is started in the order added.
  Module& add(std::unique_ptr<Module> module);
  void setAuthenticator(const auth::Authenticator* authenticator) { authenticator_ = authenticator; }
  // The module whose seats one instance at a time decides when several share a database
  // (cluster.advertiseUrl; seat_owner.hpp). serve wires it into the cluster at start().
  void setSeatModule(inventory::InventoryModule& module) { seatModule_ = &module; }
  // True once this instance stopped because another took its seats over (serve exits with 3).
  bool lostSeats() const { return lostSeats_.load(); }
  // Routes that belong to no module (the web UI); registered after the modules' own, before the
  // API reference is rendered, so the document describes them too.
  void addRoutes(std::function<void(Router&)> registrar) { extraRoutes_.push_back(std::move(registrar)); }

  // Registers every module's subscriptions with the bus and nothing else (no routes, no workers,
  // no HTTP): for commands that deliver into inboxes without serving (audit replay).
  void subscribeOnly();
  // Has every module register its subscriptions with `bus` instead (`bus topology` records them).
  void subscribeTo(MessageBus& bus);
  // serve: routes, subscriptions, demo data, bus, modules, HTTP on `server`. Returns the bound port.
  std::uint16_t start(const ServerOptions& server);
  // Reverse order: HTTP (graceful), modules, outbox flush (dispatcher), bus, inboxes. The stores
  // close when the Application is destroyed.
  void stop();
  // SIGHUP: the TLS certificate and key are read again (logged either way); no-op without TLS.
  void reloadTls();

  const Config& config() const { return config_; }

  Logger& log() { return log_; }

 private:
  // cluster: the seat module follows seatOwner_; a follower leaves inventory's inbox and broker
  // receivers off until it takes the seats over (then takeOverSeats()).
  void joinCluster();
  void takeOverSeats();
  void loseSeats();

  // Members are built in this order and destroyed in reverse: each one refers only to those above
  // it (modules hold references to the stores, the bus, the clock...), so keep the order.
  const Config& config_;
  Logger log_;
  SystemClock clock_;
  Metrics metrics_;
  RateLimiter rateLimiter_;
  Inboxes inboxes_;
  // bus.transport: in-process, or amqp (then amqpBus_ is the same object: per-module publishers
  // and the broker's part of /ready).
  std::unique_ptr<MessageBus> bus_;
  AmqpBus* amqpBus_ = nullptr;
  // On PostgreSQL, which instance dispatches which module outbox (made with the first store;
  // before the dispatcher, which uses it until it is destroyed).
  std::unique_ptr<ClusterLocks> clusterLocks_;
  OutboxDispatcher dispatcher_;
  Router router_;
  // Set with cluster.advertiseUrl (serve only): before the stores, whose inventory writer runs its hook.
  std::unique_ptr<SeatOwner> seatOwner_;
  Stores stores_;
  std::unique_ptr<ClusterSignals> clusterSignals_;         // with seatOwner_; outlives the modules that use it
  std::map<std::string, Logger, std::less<>> moduleLogs_;  // ModuleDeps::log refers to these
  std::vector<std::unique_ptr<Module>> modules_;
  std::vector<std::function<void(Router&)>> extraRoutes_;
  const auth::Authenticator* authenticator_ = nullptr;
  inventory::InventoryModule* seatModule_ = nullptr;
  std::atomic<bool> lostSeats_{false};
  std::unique_ptr<HttpServer> server_;
  std::atomic<bool> ready_{false};
  bool started_ = false;
};

}  // namespace boxoffice::app
