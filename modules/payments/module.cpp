// The payments module's wiring. (Scaffolding: gateways, store and routes are being built.)
#include "boxoffice/kernel/config.hpp"
#include "boxoffice/payments/api.hpp"

namespace boxoffice::payments {

std::vector<ConfigKey> configKeys() { return {}; }

namespace {

class PaymentsModuleImpl final : public PaymentsModule, public PaymentMethods {
 public:
  PaymentsModuleImpl(const ModuleDeps& deps, Collaborators collaborators) : deps_(deps), collaborators_(collaborators) {}
  std::string name() const override { return "payments"; }
  void registerRoutes(Router& /*router*/) override {}
  const PaymentMethods& methods() const override { return *this; }
  messages::PaymentMethod prepare(const PaymentInput& input, const std::string& /*fieldPrefix*/) const override {
    messages::PaymentMethod method;
    method.method = input.method;
    return method;
  }

 private:
  ModuleDeps deps_;
  Collaborators collaborators_;
};

}  // namespace

std::unique_ptr<PaymentsModule> createModule(const ModuleDeps& deps, Collaborators collaborators) {
  return std::make_unique<PaymentsModuleImpl>(deps, collaborators);
}

}  // namespace boxoffice::payments
