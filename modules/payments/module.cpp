// The payments module's wiring: secrets, the card vault, the simulated gateways, the processor
// that carries out the saga's commands, and the routes.
#include <map>
#include <memory>

#include "boxoffice/kernel/config.hpp"
#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/log.hpp"
#include "boxoffice/kernel/message_json.hpp"
#include "boxoffice/kernel/metrics.hpp"
#include "boxoffice/kernel/rate_limit.hpp"
#include "boxoffice/payments/api.hpp"
#include "card.hpp"
#include "processor.hpp"
#include "routes.hpp"
#include "simulated_gateway.hpp"
#include "store.hpp"
#include "subscriptions.hpp"

namespace boxoffice::payments {

namespace {

const std::vector<std::string> kGateways{"stripe", "paypal", "bank"};

// A configured secret, or (development) one generated once and kept in payments.db, with a
// warning, as identity does for its JWT key.
SecretString resolveSecret(const ModuleDeps& deps, const std::string& key) {
  if (auto value = deps.config.getString(key); !value.empty()) return SecretString(std::move(value));
  deps.log.warn("no " + key +
                " configured: using a generated development secret stored in payments.db; set BOXOFFICE_" +
                ConfigSchema::envName(key) + " in production");
  return SecretString(store::settingOrCreate(deps.store, "dev." + key, randomToken(32)));
}

GatewaySettings gatewaySettings(const Config& config, const std::string& name) {
  GatewaySettings s;
  s.latencyMs = static_cast<int>(config.getInt("payments." + name + ".latencyMs"));
  s.transientFailurePercent = static_cast<int>(config.getInt("payments." + name + ".transientFailurePercent"));
  s.timeoutMs = static_cast<int>(config.getInt("payments." + name + ".timeoutMs"));
  if (name == "bank") s.settlementDelayMs = config.getInt("payments.bank.settlementDelayMs");
  return s;
}

ProcessorSettings processorSettings(const Config& config, const Database& store) {
  ProcessorSettings s;
  s.severalInstances = store.dialect() == Dialect::Postgresql && !config.getString("cluster.advertiseUrl").empty();
  s.maxInFlight = static_cast<int>(config.getInt("payments.maxInFlight"));
  s.maxAttempts = static_cast<int>(config.getInt("payments.maxAttempts"));
  s.retryBaseMs = config.getInt("payments.retryBaseMs");
  s.answerGraceMs = config.getInt("payments.answerGraceMs");
  s.fraud.threshold = static_cast<int>(config.getInt("payments.fraud.threshold"));
  s.fraud.windowMs = config.getInt("payments.fraud.windowSeconds") * 1000;
  s.fraud.userVelocityLimit = static_cast<int>(config.getInt("payments.fraud.userVelocityLimit"));
  s.fraud.cardVelocityLimit = static_cast<int>(config.getInt("payments.fraud.cardVelocityLimit"));
  s.fraud.declineLimit = static_cast<int>(config.getInt("payments.fraud.declinesInARow"));
  return s;
}

class PaymentsModuleImpl final : public PaymentsModule {
 public:
  PaymentsModuleImpl(const ModuleDeps& deps, Collaborators collaborators)
      : deps_(deps),
        vault_(deps.clock, static_cast<std::size_t>(deps.config.getInt("payments.cardVault.maxEntries")),
               std::chrono::seconds(deps.config.getInt("payments.cardVault.ttlSeconds"))),
        methods_(deps.clock, vault_, resolveSecret(deps, "payments.cardFingerprintKey")),
        remote_(deps.store, deps.clock, deps.log),
        processor_(deps.store, deps.clock, deps.log, deps.metrics, vault_, gatewayPointers(),
                   processorSettings(deps.config, deps.store)),
        routes_(deps.store, processor_, collaborators.events, webhookSecrets(deps), deps.rateLimiter, deps.clock) {
    describeMetrics(deps.metrics);
    auto perMinute = static_cast<double>(deps.config.getInt("payments.webhooksPerMinute"));
    deps.rateLimiter.definePolicy(kWebhookPolicy, {perMinute / 60.0, std::max(1.0, perMinute / 2)});
  }
  ~PaymentsModuleImpl() override { stop(); }
  PaymentsModuleImpl(const PaymentsModuleImpl&) = delete;
  PaymentsModuleImpl& operator=(const PaymentsModuleImpl&) = delete;

  std::string name() const override { return "payments"; }
  const PaymentMethods& methods() const override { return methods_; }
  void registerRoutes(Router& router) override { routes_.registerAll(router); }
  void subscribe(MessageBus& bus) override {
    subscribeMessages<Subscriptions>(bus, deps_.store, [this](const auto& command, const Envelope& envelope, Tx& tx) {
      processor_.handle(command, envelope, tx);
    });
  }
  void start() override {
    remote_.start();
    processor_.start();
  }
  void stop() override {
    // The gateways first: no answer arrives for a processor that has stopped.
    remote_.stop();
    processor_.stop();
  }

 private:
  std::map<std::string, PaymentGateway*> gatewayPointers() {
    std::map<std::string, PaymentGateway*> out;
    for (const auto& name : kGateways) {
      gateways_.push_back(std::make_unique<SimulatedGateway>(name, gatewaySettings(deps_.config, name), remote_));
      out[name] = gateways_.back().get();
    }
    return out;
  }
  static std::map<std::string, SecretString> webhookSecrets(const ModuleDeps& deps) {
    std::map<std::string, SecretString> out;
    for (const auto& name : kGateways) out[name] = resolveSecret(deps, "payments.webhookSecrets." + name);
    return out;
  }

  ModuleDeps deps_;
  CardVault vault_;
  MethodPreparer methods_;
  SimulatedRemote remote_;
  std::vector<std::unique_ptr<SimulatedGateway>> gateways_;
  PaymentProcessor processor_;
  Routes routes_;
};

}  // namespace

std::vector<ConfigKey> configKeys() {
  std::vector<ConfigKey> keys{
      {"payments.cardFingerprintKey", ConfigType::String, "",
       "Key of the card fingerprint (libsodium generic hash). Empty: a generated development key kept in payments.db "
       "(a warning is logged).",
       0, INT64_MAX, true},
      {"payments.cardVault.maxEntries", ConfigType::Int, 20000,
       "Cards held in memory between checkout and charge; when full, new card payments get 503.", 1, 10'000'000},
      {"payments.cardVault.ttlSeconds", ConfigType::Int, 900,
       "How long a card's number and CVC stay in memory for its charge (default: the hold lifetime, 15 min); expired "
       "cards are wiped within seconds.",
       1, 86400},
      {"payments.bank.settlementDelayMs", ConfigType::Int, 5000,
       "Simulated bank transfers settle this long after they are accepted.", 0, 86'400'000},
      {"payments.maxInFlight", ConfigType::Int, 1000, "Gateway calls under way at once.", 1, 100000},
      {"payments.maxAttempts", ConfigType::Int, 5,
       "Charge attempts (transient failures) before a payment fails with gateway-unavailable; a refund failing this "
       "often is counted in payments_refunds_stuck and still retried.",
       1, 100},
      {"payments.answerGraceMs", ConfigType::Int, 30'000,
       "A charge sent without a recorded answer is asked about (status query) after this; keep it well below "
       "orders.sagaTimeoutSeconds.",
       100, 3'600'000},
      {"payments.retryBaseMs", ConfigType::Int, 500,
       "First retry delay after a transient gateway failure; doubles per attempt up to a minute.", 1, 3'600'000},
      {"payments.fraud.threshold", ConfigType::Int, 80,
       "A charge whose fraud score (0-100) is above this is refused (fraud-suspected); 100 turns refusals off.", 0,
       100},
      {"payments.fraud.windowSeconds", ConfigType::Int, 600, "The velocity rules' window.", 1, 86400LL * 30},
      {"payments.fraud.userVelocityLimit", ConfigType::Int, 10,
       "Payments by one account within the window from which the user-velocity rule adds 35 points.", 1, 1'000'000},
      {"payments.fraud.cardVelocityLimit", ConfigType::Int, 20,
       "Payments with one card within the window from which the card-velocity rule adds 35 points.", 1, 1'000'000},
      {"payments.fraud.declinesInARow", ConfigType::Int, 3,
       "Declined payments in a row from which the declines rule adds 30 points.", 1, 1000},
      {"payments.webhooksPerMinute", ConfigType::Int, 600, "Webhook calls accepted per minute per IP address.", 1,
       1'000'000},
  };
  for (const auto& name : kGateways) {
    keys.push_back({"payments." + name + ".latencyMs", ConfigType::Int, 0,
                    "Simulated " + name + " gateway: latency of each call in ms.", 0, 600'000});
    keys.push_back({"payments." + name + ".transientFailurePercent", ConfigType::Int, 0,
                    "Simulated " + name + " gateway: share of calls that fail transiently (nothing charged), in %.", 0,
                    100});
    keys.push_back({"payments." + name + ".timeoutMs", ConfigType::Int, 10000,
                    "Simulated " + name + " gateway: a call not answered within this is a timeout.", 1, 600'000});
    keys.push_back({"payments.webhookSecrets." + name, ConfigType::String, "",
                    "HMAC-SHA256 secret of " + name +
                        "'s webhooks. Empty: a generated development secret kept in payments.db (a warning is logged).",
                    0, INT64_MAX, true});
  }
  return keys;
}

std::unique_ptr<PaymentsModule> createModule(const ModuleDeps& deps, Collaborators collaborators) {
  return std::make_unique<PaymentsModuleImpl>(deps, collaborators);
}

}  // namespace boxoffice::payments
