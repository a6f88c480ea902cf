// The audit module's wiring: the recorder on every topic, the Admin routes, replay and verify.
#include <array>
#include <boost/json/serialize.hpp>

#include "boxoffice/audit/api.hpp"
#include "boxoffice/kernel/bus.hpp"
#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/config.hpp"
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/time.hpp"
#include "replay.hpp"
#include "routes.hpp"
#include "store.hpp"

namespace boxoffice::audit {

std::vector<ConfigKey> configKeys() {
  return {
      {"audit.replayMaxMessages", ConfigType::Int, 100000,
       "The most stored messages one replay (route or command line) may re-deliver; a larger range is refused with "
       "400 asking to narrow it.",
       1, 10'000'000},
  };
}

namespace {

class AuditModuleImpl final : public AuditModule {
 public:
  explicit AuditModuleImpl(const ModuleDeps& deps)
      : store_(deps.store),
        bus_(deps.bus),
        clock_(deps.clock),
        limits_{deps.config.getInt("audit.replayMaxMessages"), 500},
        routes_(deps.store, *this) {}
  std::string name() const override { return "audit"; }
  void registerRoutes(Router& router) override { routes_.registerAll(router); }

  void subscribe(MessageBus& bus) override {
    for (auto topic : topics::all) {
      // Runs in the accepting transaction: the chain's last hash is read inside it.
      bus.subscribe(topic, "audit", store_, [this](const Envelope& message, Tx& tx) {
        store::append(tx, message, boost::json::serialize(message.toJson()), formatRfc3339(clock_.now()));
      });
    }
    // Every message on the bus reaches audit, and an append is a few index inserts: handled as it
    // is delivered, it costs one transaction instead of two and the envelope is stored once
    // (docs/performance.md, "A ticket rush, profiled again").
    bus.handleOnAccept("audit");
  }

  ReplayResult replay(const ReplayRequest& request) override { return audit::replay(store_, bus_, request, limits_); }

 private:
  Database& store_;
  MessageBus& bus_;
  const Clock& clock_;
  ReplayLimits limits_;
  Routes routes_;
};

}  // namespace

std::unique_ptr<AuditModule> createModule(const ModuleDeps& deps) { return std::make_unique<AuditModuleImpl>(deps); }

VerifyResult verify(Database& auditStore) {
  ChainVerifier verifier;
  store::forEachRecord(auditStore, 1000, [&](const Record& record) {
    verifier.check(record);
    return !verifier.fault();
  });
  VerifyResult result;
  result.records = verifier.checked();
  if (const auto& fault = verifier.fault())
    result.firstBad = VerifyResult::BadRecord{fault->sequence, fault->messageId, fault->problem};
  return result;
}

}  // namespace boxoffice::audit
