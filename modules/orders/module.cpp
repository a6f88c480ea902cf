// The orders module's wiring. (Scaffolding: the saga, store and routes are being built.)
#include "boxoffice/kernel/config.hpp"
#include "boxoffice/orders/api.hpp"

namespace boxoffice::orders {

std::vector<ConfigKey> configKeys() { return {}; }

namespace {

class OrdersModuleImpl final : public OrdersModule {
 public:
  OrdersModuleImpl(const ModuleDeps& deps, Collaborators collaborators) : deps_(deps), collaborators_(collaborators) {}
  std::string name() const override { return "orders"; }
  void registerRoutes(Router& /*router*/) override {}

 private:
  ModuleDeps deps_;
  Collaborators collaborators_;
};

}  // namespace

std::unique_ptr<OrdersModule> createModule(const ModuleDeps& deps, Collaborators collaborators) {
  return std::make_unique<OrdersModuleImpl>(deps, collaborators);
}

}  // namespace boxoffice::orders
