// The orders module's wiring: the service, routes, the saga's subscriptions and the sweeper
// that compensates sagas stuck past orders.sagaTimeoutSeconds.
#include <optional>

#include "boxoffice/kernel/background_worker.hpp"
#include "boxoffice/kernel/bus.hpp"
#include "boxoffice/kernel/config.hpp"
#include "boxoffice/kernel/error_text.hpp"
#include "boxoffice/kernel/log.hpp"
#include "boxoffice/kernel/message_json.hpp"
#include "boxoffice/orders/api.hpp"
#include "routes.hpp"
#include "service.hpp"
#include "subscriptions.hpp"

namespace boxoffice::orders {

std::vector<ConfigKey> configKeys() {
  using T = ConfigType;
  return {
      {"orders.sagaTimeoutSeconds", T::Int, 120,
       "A checkout saga that waits longer than this for inventory's or payments' answer in one step is compensated "
       "(payment voided, holds released, order Failed with reason saga-timed-out). Orders waiting for payment "
       "details are ended by their hold's expiry instead. A compensating saga whose compensations are unanswered this "
       "long sends them again.",
       1, 86400},
      {"orders.sweepIntervalSeconds", T::Int, 0,
       "How often the sweeper looks for timed-out sagas; 0 derives it: a tenth of orders.sagaTimeoutSeconds, at "
       "least 1 s.",
       0, 3600},
      {"orders.maxItemsPerOrder", T::Int, 10, "Most items (price categories) in one order; more is a 400.", 1, 100},
      {"orders.maxTicketsPerItem", T::Int, 20, "Most tickets of one item of an order; more is a 400.", 1, 1000},
      {"orders.placePerMinute", T::Int, 60,
       "Orders and payments (POST /api/v1/orders, POST /api/v1/payments) one buyer may send per minute (sustained); "
       "more is a 429.",
       1, 1'000'000},
      {"orders.placeBurst", T::Int, 20, "Orders and payments one buyer may send at once before the rate applies.", 1,
       1'000'000},
  };
}

namespace {

std::chrono::milliseconds sweepInterval(const Config& config) {
  auto configured = config.getInt("orders.sweepIntervalSeconds");
  if (configured > 0) return std::chrono::seconds(configured);
  auto derived = std::chrono::milliseconds(config.getInt("orders.sagaTimeoutSeconds") * 100);
  return std::max(derived, std::chrono::milliseconds(1000));
}

class OrdersModuleImpl final : public OrdersModule {
 public:
  OrdersModuleImpl(const ModuleDeps& deps, Collaborators collaborators)
      : deps_(deps),
        service_(deps.store, collaborators.events, deps.log, deps.metrics, deps.clock,
                 Settings{std::chrono::seconds(deps.config.getInt("orders.sagaTimeoutSeconds"))}),
        routes_(service_, collaborators.paymentMethods, deps.rateLimiter,
                RouteSettings{static_cast<int>(deps.config.getInt("orders.maxItemsPerOrder")),
                              static_cast<int>(deps.config.getInt("orders.maxTicketsPerItem"))}),
        sweepEvery_(sweepInterval(deps.config)),
        sweeper_("orders-sweeper", deps.clock, deps.log, [this] { return sweep(); }) {
    auto perMinute = static_cast<double>(deps.config.getInt("orders.placePerMinute"));
    deps.rateLimiter.definePolicy(kPlacePolicy,
                                  {perMinute / 60.0, static_cast<double>(deps.config.getInt("orders.placeBurst"))});
    if (!collaborators.paymentMethods) deps_.log.warn("payments module absent: orders cannot take payment details");
  }
  ~OrdersModuleImpl() override { stop(); }
  OrdersModuleImpl(const OrdersModuleImpl&) = delete;
  OrdersModuleImpl& operator=(const OrdersModuleImpl&) = delete;

  std::string name() const override { return "orders"; }
  void registerRoutes(Router& router) override { routes_.registerAll(router); }

  void subscribe(MessageBus& bus) override {
    subscribeMessages<Subscriptions>(
        bus, deps_.store,
        [this](const auto& message, const Envelope& /*envelope*/, Tx& tx) { service_.onMessage(message, tx); });
  }

  void start() override { sweeper_.start(); }
  void stop() override { sweeper_.stop(); }

 private:
  std::optional<std::chrono::milliseconds> sweep() {
    try {
      service_.sweep();
    } catch (const std::exception& e) {
      // The next round tries again; a busy database is no reason to stop sweeping.
      deps_.log.warn("saga timeout sweep failed", {{"error", errorText(e)}});
    }
    return sweepEvery_;
  }

  ModuleDeps deps_;
  OrdersService service_;
  Routes routes_;
  std::chrono::milliseconds sweepEvery_;
  // Declared last: it stops (joins) before the service its step uses is destroyed.
  BackgroundWorker sweeper_;
};

}  // namespace

std::unique_ptr<OrdersModule> createModule(const ModuleDeps& deps, Collaborators collaborators) {
  return std::make_unique<OrdersModuleImpl>(deps, collaborators);
}

}  // namespace boxoffice::orders
