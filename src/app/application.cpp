#include "app/application.hpp"

#include <csignal>
#include <ranges>
#include <stdexcept>
#include <unistd.h>

#include "app/postgres_storage.hpp"
#include "boxoffice/kernel/api_reference.hpp"
#include "boxoffice/kernel/ops_routes.hpp"

namespace boxoffice::app {

namespace {
RetryPolicy retryPolicy(const Config& config) {
  return {static_cast<int>(config.getInt("bus.maxAttempts")),
          std::chrono::milliseconds(config.getInt("bus.retryBaseMs")),
          std::chrono::milliseconds(config.getInt("bus.retryMaxMs"))};
}

// The transport bus.transport names; every bus.amqp.* key is checked here, before any store opens.
std::unique_ptr<MessageBus> makeBus(const Config& config, Inboxes& inboxes, Metrics& metrics, const Logger& log) {
  auto transport = config.getString("bus.transport");
  if (transport == "in-process") return std::make_unique<InProcessBus>(inboxes, metrics);
  if (transport == "amqp") {
    return std::make_unique<AmqpBus>(AmqpSettings::fromConfig(config), inboxes, metrics, log.forModule("bus"));
  }
  throw StartupError("config key 'bus.transport': must be in-process or amqp, not '" + transport + "'");
}
}  // namespace

Application::Application(const Config& config, std::shared_ptr<LogSink> sink, Stores::Purpose purpose)
    : config_(config),
      log_(std::move(sink), "kernel"),
      rateLimiter_(clock_),
      inboxes_(retryPolicy(config), clock_, metrics_, log_.forModule("bus"),
               static_cast<int>(config.getInt("bus.inboxBatch"))),
      bus_(makeBus(config, inboxes_, metrics_, log_)),
      amqpBus_(dynamic_cast<AmqpBus*>(bus_.get())),
      dispatcher_(*bus_, clock_, metrics_, log_.forModule("bus")),
      seatOwner_(purpose == Stores::Purpose::Serve && clusterEnabled(config)
                     ? std::make_unique<SeatOwner>(config, clock_, metrics_, log_.forModule("cluster"))
                     : nullptr),
      stores_(config_, log_, purpose, seatOwner_ ? seatOwner_->writerSessionHook() : nullptr) {
  rateLimiter_.definePolicy("anonymous", {static_cast<double>(config.getInt("rateLimit.anonymousPerSecond")),
                                          static_cast<double>(config.getInt("rateLimit.anonymousBurst"))});
  rateLimiter_.definePolicy("user", {static_cast<double>(config.getInt("rateLimit.userPerSecond")),
                                     static_cast<double>(config.getInt("rateLimit.userBurst"))});
  // The request pipeline charges this one for every 401 a bearer token earns (per network).
  rateLimiter_.definePolicy("authFailures",
                            {static_cast<double>(config.getInt("rateLimit.authFailuresPerMinute")) / 60.0,
                             static_cast<double>(config.getInt("rateLimit.authFailuresBurst"))});
}

Application::~Application() { stop(); }

void Application::reloadTls() {
  if (!server_) return;
  auto outcome = server_->reloadTls();
  if (!outcome) {
    log_.info("SIGHUP: nothing to reload (TLS is off)");
  } else if (outcome->empty()) {
    log_.info("TLS certificate reloaded; new connections use it");
  } else {
    log_.error("TLS certificate reload failed; the previous certificate stays", {{"error", *outcome}});
  }
}

Database& Application::openStore(std::string_view name) {
  auto& store = stores_.open(name);
  if (!clusterLocks_ && usesPostgres(config_)) {
    // Advisory locks belong to the database, not to a role: the first module's login serves all.
    clusterLocks_ = makePostgresClusterLocks({.connection = moduleConnection(config_, name).connection}, clock_,
                                             log_.forModule("bus"));
    dispatcher_.useClusterLocks(*clusterLocks_);
  }
  if (amqpBus_ != nullptr) {
    dispatcher_.addSource(store, amqpBus_->publisherFor(name));
  } else {
    dispatcher_.addSource(store);
  }
  return store;
}

ModuleDeps Application::depsFor(std::string_view name) {
  auto& store = stores_.at(name);
  auto log = moduleLogs_.find(name);
  if (log == moduleLogs_.end()) log = moduleLogs_.emplace(std::string(name), log_.forModule(std::string(name))).first;
  return ModuleDeps{config_, log->second, store, *bus_, metrics_, rateLimiter_, clock_};
}

Module& Application::add(std::unique_ptr<Module> module) {
  modules_.push_back(std::move(module));
  return *modules_.back();
}

void Application::subscribeOnly() {
  for (auto& module : modules_) module->subscribe(*bus_);
}

void Application::subscribeTo(MessageBus& bus) {
  for (auto& module : modules_) module->subscribe(bus);
}

std::uint16_t Application::start(const ServerOptions& server) {
  registerOpsRoutes(router_, metrics_, [this]() -> std::optional<std::string> {
    if (!ready_) return "starting or stopping";
    if (amqpBus_ != nullptr) return amqpBus_->notReady();
    return std::nullopt;
  });
  registerDeadLetterRoutes(router_, inboxes_);
  for (auto& module : modules_) {
    module->registerRoutes(router_);
    module->subscribe(*bus_);
  }
  for (const auto& registrar : extraRoutes_) registrar(router_);
  registerApiReferenceRoutes(router_, BOXOFFICE_VERSION);
  if (config_.getBool("demo")) {
    for (auto& module : modules_) module->loadDemoData();
  }
  if (seatOwner_) joinCluster();
  started_ = true;
  inboxes_.start();
  bus_->start();
  dispatcher_.start();
  for (auto& module : modules_) module->start();

  server_ = std::make_unique<HttpServer>(server, router_, authenticator_, rateLimiter_, metrics_, log_);
  auto port = server_->start();
  if (seatOwner_) seatOwner_->watch();  // a follower now tries for the seats
  ready_ = true;
  log_.info("listening", {{"port", port},
                          {"tls", !server.tlsCertificateFile.empty()},
                          {"dataDir", config_.getString("storage.dataDir")},
                          {"version", BOXOFFICE_VERSION}});
  return port;
}

void Application::stop() {
  if (!started_) return;
  started_ = false;
  ready_ = false;
  if (server_) {
    server_->stop(std::chrono::milliseconds(config_.getInt("server.shutdownGraceMs")));
    server_.reset();
  }
  if (seatOwner_) seatOwner_->stop();                                            // no takeover while the modules stop
  for (auto it = modules_.rbegin(); it != modules_.rend(); ++it) (*it)->stop();  // reverse start order
  // Deliver what the last requests committed, then let the subscribers finish their work.
  dispatcher_.stop();
  bus_->stop();
  inboxes_.stop();
  log_.info("stopped");
}

void Application::joinCluster() {
  if (seatModule_ == nullptr) throw std::logic_error("cluster.advertiseUrl is set but no seat module was given");
  clusterSignals_ = makePostgresClusterSignals(
      {.connection = moduleConnection(config_, "inventory").connection, .instanceId = seatOwner_->instanceId()},
      log_.forModule("cluster"));
  seatModule_->joinCluster(*seatOwner_, *clusterSignals_);
  seatOwner_->start(
      stores_.at("inventory"), [this] { takeOverSeats(); }, [this] { loseSeats(); });
  if (!seatOwner_->ownedHere()) {
    inboxes_.defer("inventory");
    if (amqpBus_ != nullptr) amqpBus_->deferReceiving("inventory");
  }
}

void Application::takeOverSeats() {
  seatModule_->takeOver();
  inboxes_.startDeferred("inventory");
  if (amqpBus_ != nullptr) amqpBus_->startReceiving("inventory");
}

void Application::loseSeats() {
  lostSeats_ = true;
  log_.error(
      "another instance took the seats over while this one could not reach the database; stopping so "
      "that this instance restarts as a follower");
  // serve waits for SIGTERM (main.cpp): the same graceful stop as an operator's, exit status 3.
  ::kill(::getpid(), SIGTERM);
}

}  // namespace boxoffice::app
