// The inventory module's wiring: its engine, live updates, routes and subscriptions.
#include <boost/json.hpp>
#include <mutex>
#include <set>

#include "boxoffice/inventory/api.hpp"
#include "boxoffice/inventory/messages.hpp"
#include "boxoffice/kernel/background_worker.hpp"
#include "boxoffice/kernel/bus.hpp"
#include "boxoffice/kernel/cluster_signals.hpp"
#include "boxoffice/kernel/config.hpp"
#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/live_documents.hpp"
#include "boxoffice/kernel/message_json.hpp"
#include "engine.hpp"
#include "routes.hpp"
#include "subscriptions.hpp"

namespace boxoffice::inventory {

std::vector<ConfigKey> configKeys() {
  using T = ConfigType;
  return {
      {"inventory.maxTicketsPerUser", T::Int, 10, "Default per-buyer limit per event (active holds plus purchases).", 1,
       1000},
      {"inventory.reservationTimeoutMinutes", T::Int, 15, "Default hold lifetime.", 1, 1440},
      {"inventory.lowInventoryThreshold", T::Int, 50, "Available seats at or below which LowInventory is published.", 0,
       1000000},
      {"inventory.lastMinuteReservationMinutes", T::Int, 30,
       "Window before the start in which holds last half as long and never past the start.", 0, 1440},
      {"inventory.reservationTimeoutSeconds", T::Int, 0,
       "If set, holds last this many seconds instead of reservationTimeoutMinutes (demos and tests).", 0, 86400},
      {"inventory.maxBatch", T::Int, 512, "Most commands committed in one inventory transaction (group commit).", 1,
       10000},
      {"inventory.livePushesPerSecond", T::Int, 10, "Most availability pushes per event per second to live watchers.",
       1, 100},
      {"inventory.livePushBudgetPerSecond", T::Int, 20000,
       "Total live messages per second across watchers of one event; more watchers stretch the interval.", 100,
       10000000},
  };
}

namespace {

class InventoryModuleImpl final : public InventoryModule, public InventoryQueries {
 public:
  explicit InventoryModuleImpl(const ModuleDeps& deps)
      : deps_(deps),
        engine_(deps_.store, settingsFrom(deps_.config), deps_.metrics, deps_.log, deps_.clock),
        live_(
            "inventory_live",
            [this](const std::string& eventId) {
              auto snapshot = engine_.snapshot(eventId);
              return snapshot ? snapshot->json : std::string();
            },
            static_cast<int>(deps_.config.getInt("inventory.livePushesPerSecond")),
            static_cast<int>(deps_.config.getInt("inventory.livePushBudgetPerSecond")), deps_.metrics, deps_.clock,
            deps_.log),
        routes_(engine_, deps_.store, live_) {
    engine_.onChange([this](const std::vector<std::string>& eventIds) { live_.changed(eventIds); });
    // Memory mirrors the database before any message or request can arrive.
    engine_.load();
  }

  std::string name() const override { return "inventory"; }
  const InventoryQueries& queries() const override { return *this; }

  void registerRoutes(Router& router) override { routes_.registerAll(router); }

  void subscribe(MessageBus& bus) override {
    // Every events message carries the event's full state (they all derive from EventState), so
    // one engine entry point applies them, told apart by type only where the effect differs
    // (a deletion or a cancellation releases holds). The saga's commands each have their own.
    // The typed list still decides which messages arrive and that each decodes and has the
    // expected version.
    subscribeMessages<Subscriptions>(bus, deps_.store, [this](const auto& message, const Envelope& envelope, Tx& tx) {
      using Message = std::remove_cvref_t<decltype(message)>;
      if constexpr (std::is_base_of_v<events::messages::EventState, Message>) {
        engine_.applyEventMessage(tx, Message::type, message, envelope.correlationId);
      } else {
        engine_.applyCommand(tx, message, envelope.correlationId);
      }
    });
  }

  void joinCluster(SeatOwnership& ownership, ClusterSignals& signals) override {
    ownership_ = &ownership;
    signals_ = &signals;
    routes_.forwardThrough(ownership);
    engine_.onChanging([this](Tx& tx, const std::vector<std::string>& eventIds) {
      for (const auto& id : eventIds) signals_->publish(tx, kSeatsChannel, id);
    });
  }

  void takeOver() override {
    std::lock_guard lock(followMutex_);
    if (engineRunning_) return;
    engine_.load();
    engine_.start();
    engineRunning_ = true;
    deps_.log.info("this instance now decides seats");
  }

  void start() override {
    live_.start();
    std::lock_guard lock(followMutex_);
    if (!engineRunning_ && (ownership_ == nullptr || ownership_->ownedHere())) {
      engine_.start();
      engineRunning_ = true;
    }
    if (signals_ != nullptr) {
      refresher_.start();
      following_ = signals_->subscribe(kSeatsChannel, [this](const ClusterSignal& signal) { follow(signal); });
    }
  }
  void stop() override {
    if (following_) signals_->unsubscribe(*following_);
    following_.reset();
    refresher_.stop();
    live_.stop();
    engine_.stop();
  }

  std::optional<std::vector<CategoryUsage>> usage(const std::string& eventId) const override {
    auto snapshot = engine_.snapshot(eventId);
    if (!snapshot) return std::nullopt;
    return snapshot->usage;
  }

 private:
  static EngineSettings settingsFrom(const Config& config) {
    EngineSettings settings;
    settings.defaultRules = {static_cast<int>(config.getInt("inventory.maxTicketsPerUser")),
                             static_cast<int>(config.getInt("inventory.reservationTimeoutMinutes")),
                             static_cast<int>(config.getInt("inventory.lowInventoryThreshold")),
                             static_cast<int>(config.getInt("inventory.lastMinuteReservationMinutes"))};
    settings.maxBatch = static_cast<std::size_t>(config.getInt("inventory.maxBatch"));
    settings.holdTimeoutOverrideMs = config.getInt("inventory.reservationTimeoutSeconds") * 1000;
    return settings;
  }

  // Another instance owns the seats: what it changed is read again from the database (a resync,
  // after signals may have been missed: everything). The owner itself hears no signals. The
  // listener's thread only notes what changed; refresher_ reads it, and keeps what it could not
  // read (the database, for a moment) for its next try.
  void follow(const ClusterSignal& signal) {
    {
      std::lock_guard lock(changedMutex_);
      if (signal.resync) {
        resyncPending_ = true;
      } else if (isUuid(signal.payload)) {
        changedEvents_.insert(std::string(signal.payload));
      }
    }
    refresher_.wake();
  }

  std::optional<std::chrono::milliseconds> refreshChanged() {
    std::set<std::string> events;
    bool resync = false;
    {
      std::lock_guard lock(changedMutex_);
      std::swap(events, changedEvents_);
      std::swap(resync, resyncPending_);
    }
    std::lock_guard lock(followMutex_);
    if (engineRunning_) return std::nullopt;  // this instance decides seats now: nothing to follow
    try {
      if (resync) {
        engine_.load();
      } else {
        for (const auto& id : events) engine_.refreshFromStore(id);
      }
    } catch (...) {
      std::lock_guard again(changedMutex_);
      changedEvents_.insert(events.begin(), events.end());
      resyncPending_ = resyncPending_ || resync;
      throw;  // logged; tried again after the worker's back-off
    }
    return std::nullopt;
  }

  static constexpr const char* kSeatsChannel = "inventory_seats";

  ModuleDeps deps_;
  SeatOwnership* ownership_ = nullptr;  // null: the only instance
  ClusterSignals* signals_ = nullptr;
  std::optional<ClusterSignals::SubscriptionId> following_;
  std::mutex followMutex_;      // a takeover never runs while a refresh does
  bool engineRunning_ = false;  // under followMutex_
  std::mutex changedMutex_;
  std::set<std::string> changedEvents_;  // under changedMutex_: signalled, not read yet
  bool resyncPending_ = false;           // under changedMutex_
  Engine engine_;
  LiveDocuments live_;
  Routes routes_;
  // Last: it stops before what it uses goes.
  BackgroundWorker refresher_{"inventory-follow", deps_.clock, deps_.log, [this] { return refreshChanged(); }};
};

}  // namespace

std::unique_ptr<InventoryModule> createModule(const ModuleDeps& deps) {
  return std::make_unique<InventoryModuleImpl>(deps);
}

}  // namespace boxoffice::inventory
