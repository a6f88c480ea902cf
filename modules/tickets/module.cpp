// The tickets module's wiring: the signing keys (sealed under a configured key), the service
// that issues, voids, transfers and checks in, its subscriptions and its routes.
#include <sodium.h>

#include "boxoffice/events/api.hpp"
#include "boxoffice/identity/api.hpp"
#include "boxoffice/kernel/config.hpp"
#include "boxoffice/kernel/live_documents.hpp"
#include "boxoffice/kernel/log.hpp"
#include "boxoffice/kernel/message_json.hpp"
#include "boxoffice/kernel/metrics.hpp"
#include "boxoffice/kernel/rate_limit.hpp"
#include "boxoffice/tickets/api.hpp"
#include "key_ring.hpp"
#include "routes.hpp"
#include "service.hpp"
#include "stats.hpp"
#include "store.hpp"
#include "subscriptions.hpp"
#include "ticket_signature.hpp"

namespace boxoffice::tickets {

namespace {

const std::string kSealingKey = "tickets.keyEncryptionKey";
// Live check-in statistics: a door screen needs a fresh figure a second or so, no more.
constexpr int kLivePushesPerSecond = 2;
constexpr int kLivePushBudgetPerSecond = 5000;

// The configured key-encryption key, or (development) one generated once and kept in
// tickets.db, with a warning, as payments does for its secrets.
std::array<unsigned char, 32> resolveSealingKey(const ModuleDeps& deps) {
  if (auto value = deps.config.getString(kSealingKey); !value.empty()) {
    try {
      return parseSealingKey(value);
    } catch (const std::invalid_argument& e) {
      throw StartupError(kSealingKey + ": " + e.what());
    }
  }
  deps.log.warn("no " + kSealingKey +
                " configured: signing keys are sealed under a generated development key stored in tickets.db; set "
                "BOXOFFICE_" +
                ConfigSchema::envName(kSealingKey) + " in production");
  std::array<unsigned char, 32> fresh{};
  randombytes_buf(fresh.data(), fresh.size());
  auto stored =
      store::settingOrCreate(deps.store, "dev." + kSealingKey,
                             base64Url(std::string_view(reinterpret_cast<const char*>(fresh.data()), fresh.size())));
  sodium_memzero(fresh.data(), fresh.size());
  return parseSealingKey(stored);
}

class TicketsModuleImpl final : public TicketsModule {
 public:
  TicketsModuleImpl(const ModuleDeps& deps, Collaborators collaborators)
      : deps_(deps),
        keys_(deps.store, resolveSealingKey(deps)),
        access_(deps.store, *collaborators.events),
        service_(deps.store, keys_, access_, *collaborators.users, deps.clock, deps.log, deps.metrics),
        live_(
            "tickets_live",
            [this](const std::string& eventId) {
              return deps_.store.read([&](soci::session& sql) { return statsDocument(sql, eventId); });
            },
            kLivePushesPerSecond, kLivePushBudgetPerSecond, deps.metrics, deps.clock, deps.log),
        routes_(deps.store, service_, access_, keys_, *collaborators.users, live_, deps.rateLimiter, deps.clock) {
    auto perHour = static_cast<double>(deps.config.getInt("tickets.transfersPerHour"));
    deps.rateLimiter.definePolicy(kTransferPolicy, {perHour / 3600.0, std::max(1.0, perHour)});
    service_.onChange([this](const std::string& eventId) { live_.changed({eventId}); });
  }
  ~TicketsModuleImpl() override { stop(); }
  TicketsModuleImpl(const TicketsModuleImpl&) = delete;
  TicketsModuleImpl& operator=(const TicketsModuleImpl&) = delete;

  std::string name() const override { return "tickets"; }
  void registerRoutes(Router& router) override { routes_.registerAll(router); }
  void start() override { live_.start(); }
  void stop() override { live_.stop(); }
  void subscribe(MessageBus& bus) override {
    subscribeMessages<Subscriptions>(bus, deps_.store, [this](const auto& message, const Envelope& envelope, Tx& tx) {
      handle(message, envelope, tx);
    });
  }

 private:
  void handle(const orders::messages::OrderCompleted& m, const Envelope& e, Tx& tx) {
    service_.issue(tx, m, e.correlationId);
  }
  void handle(const inventory::messages::SeatsReturned& m, const Envelope& e, Tx& tx) {
    service_.voidReturned(tx, m, e.correlationId);
  }
  void handle(const events::messages::EventCancelled& m, const Envelope& e, Tx& tx) {
    service_.voidEvent(tx, m.eventId, "eventCancelled", e.correlationId);
  }
  void handle(const events::messages::EventDeleted& m, const Envelope& e, Tx& tx) {
    service_.voidEvent(tx, m.eventId, "eventDeleted", e.correlationId);
  }

  ModuleDeps deps_;
  KeyRing keys_;
  EventAccess access_;
  TicketService service_;
  LiveDocuments live_;
  Routes routes_;
};

}  // namespace

std::vector<ConfigKey> configKeys() {
  return {
      {kSealingKey, ConfigType::String, "",
       "Key that encrypts the organizers' ticket-signing keys at rest: the base64 of 32 random bytes (openssl rand "
       "-base64 32). Empty: a generated development key kept in tickets.db (a warning is logged). Changing it makes "
       "the stored signing keys unreadable.",
       0, INT64_MAX, true},
      {"tickets.transfersPerHour", ConfigType::Int, 10,
       "Transfers one holder may start per hour (a burst of as many); beyond it 429. Each transfer to an address "
       "without an account sends an email.",
       1, 100000},
  };
}

std::unique_ptr<TicketsModule> createModule(const ModuleDeps& deps, Collaborators collaborators) {
  if (!collaborators.events || !collaborators.users) {
    throw std::logic_error("the tickets module needs the events queries and the user directory");
  }
  return std::make_unique<TicketsModuleImpl>(deps, collaborators);
}

}  // namespace boxoffice::tickets
