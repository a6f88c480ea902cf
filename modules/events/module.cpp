// The events module: the catalogue of shows. Wires the service, routes, demo data and the
// sweeper that marks ended events Completed.
#include <optional>

#include "boxoffice/events/api.hpp"
#include "boxoffice/kernel/background_worker.hpp"
#include "boxoffice/kernel/config.hpp"
#include "boxoffice/kernel/error_text.hpp"
#include "boxoffice/kernel/log.hpp"
#include "boxoffice/kernel/message_json.hpp"
#include "demo_data.hpp"
#include "routes.hpp"
#include "service.hpp"
#include "subscriptions.hpp"
#include "validation.hpp"

namespace boxoffice::events {

namespace {

class EventsModuleImpl final : public EventsModule {
 public:
  EventsModuleImpl(const ModuleDeps& deps, Collaborators collaborators)
      : deps_(deps),
        demoOrganizerId_(std::move(collaborators.demoOrganizerId)),
        zones_(deps.config.getString("events.zoneinfoDir")),
        service_(deps.store, collaborators.inventory, deps.log, deps.metrics, deps.clock,
                 static_cast<std::size_t>(deps.config.getInt("events.listCountCacheEntries")),
                 static_cast<std::size_t>(deps.config.getInt("events.documentCacheEntries")),
                 static_cast<std::size_t>(deps.config.getInt("events.documentCacheMiB")) << 20),
        routes_(service_, zones_,
                RouteSettings{static_cast<std::size_t>(deps.config.getInt("events.searchMaxQueryLength"))}),
        sweepEvery_(std::chrono::seconds(deps.config.getInt("events.completionSweepSeconds"))),
        sweeper_("events-sweeper", deps.clock, deps.log, [this] { return sweep(); }),
        // Only PostgreSQL can have another writer: a SQLite file belongs to one process.
        cachePoll_(deps.store.dialect() == Dialect::Postgresql
                       ? std::chrono::milliseconds(deps.config.getInt("events.cachePollMilliseconds"))
                       : std::chrono::milliseconds(0)),
        cacheWatch_("events-cache-watch", deps.clock, deps.log, [this] { return watchCaches(); }) {
    if (!collaborators.inventory) {
      deps_.log.warn("inventory module absent: Published events' price categories can only grow");
    }
  }
  ~EventsModuleImpl() override { stop(); }
  EventsModuleImpl(const EventsModuleImpl&) = delete;
  EventsModuleImpl& operator=(const EventsModuleImpl&) = delete;

  std::string name() const override { return "events"; }
  const EventQueries& queries() const override { return service_; }
  void registerRoutes(Router& router) override { routes_.registerAll(router); }

  void start() override {
    if (sweepEvery_.count() > 0) sweeper_.start();
    if (cachePoll_.count() > 0) cacheWatch_.start();
  }

  void stop() override {
    sweeper_.stop();
    cacheWatch_.stop();
  }

  void subscribe(MessageBus& bus) override {
    subscribeMessages<Subscriptions>(
        bus, deps_.store,
        [this](const inventory::messages::CapacityChanged& message, const Envelope& envelope, Tx& tx) {
          service_.adoptCapacity(tx, message, envelope.correlationId);
        });
  }

  void loadDemoData() override {
    bool loaded = service_.loadOnce(kDemoMarker, demoCatalogue(deps_.clock.now(), demoOrganizerId_));
    deps_.log.info(loaded ? "demo catalogue loaded" : "demo catalogue already present",
                   {{"organizerId", demoOrganizerId_}});
  }

 private:
  std::optional<std::chrono::milliseconds> sweep() {
    try {
      service_.completeEnded(deps_.clock.now());
    } catch (const std::exception& e) {
      // The next round tries again; a busy database is no reason to stop sweeping.
      deps_.log.warn("completion sweep failed", {{"error", errorText(e)}});
    }
    return sweepEvery_;
  }

  std::optional<std::chrono::milliseconds> watchCaches() {
    try {
      service_.watchOtherWriters();
    } catch (const std::exception& e) {
      deps_.log.warn("catalogue change check failed", {{"error", errorText(e)}});
    }
    return cachePoll_;
  }

  ModuleDeps deps_;
  std::string demoOrganizerId_;
  TimezoneCheck zones_;
  EventService service_;
  Routes routes_;
  std::chrono::seconds sweepEvery_;
  // Declared last: they stop (join) before the service their steps use is destroyed.
  BackgroundWorker sweeper_;
  std::chrono::milliseconds cachePoll_;  // zero: no other writer can exist (SQLite)
  BackgroundWorker cacheWatch_;
};

}  // namespace

std::vector<ConfigKey> configKeys() {
  return {
      {"events.searchMaxQueryLength", ConfigType::Int, 200,
       "Longest accepted search query (q of GET /api/v1/events/search), in characters; longer is a 400.", 1, 1000},
      {"events.completionSweepSeconds", ConfigType::Int, 60,
       "How often Published events whose endsAt has passed are marked Completed; 0 disables the sweeper.", 0, 86400},
      {"events.listCountCacheEntries", ConfigType::Int, 1024,
       "List totals (COUNT for a filter) remembered until the catalogue next changes; 0 turns the cache off.", 0,
       1'000'000},
      {"events.documentCacheEntries", ConfigType::Int, 20000,
       "Public event documents (GET /api/v1/events/{id} of non-Draft events) kept rendered in memory, with the "
       "first pages of the unfiltered list, until the catalogue next changes; when full it starts over. 0 turns "
       "it off.",
       0, 10'000'000},
      {"events.documentCacheMiB", ConfigType::Int, 16,
       "The most memory the document cache's bodies may take (events and list pages together); when a new "
       "document would pass it, the cache starts over. 16 MiB holds about 13,000 events with short descriptions.",
       1, 4096},
      {"events.cachePollMilliseconds", ConfigType::Int, 1000,
       "On PostgreSQL only (more than one instance may share the database): how often each instance checks "
       "whether another one changed the catalogue, and if so drops its cached documents and list totals; the "
       "longest a page may show an event as it was before another instance's change.",
       100, 60000},
      {"events.zoneinfoDir", ConfigType::String, "/usr/share/zoneinfo",
       "The IANA tz database used to validate event time zones; without it a built-in list of common zones is used."},
  };
}

std::unique_ptr<EventsModule> createModule(const ModuleDeps& deps, Collaborators collaborators) {
  return std::make_unique<EventsModuleImpl>(deps, std::move(collaborators));
}

}  // namespace boxoffice::events
