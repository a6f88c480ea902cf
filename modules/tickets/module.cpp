// The tickets module's wiring (being built: issue 11).
#include "boxoffice/kernel/config.hpp"
#include "boxoffice/tickets/api.hpp"

namespace boxoffice::tickets {

namespace {
class TicketsModuleImpl final : public TicketsModule {
 public:
  std::string name() const override { return "tickets"; }
  void registerRoutes(Router& /*router*/) override {}
};
}  // namespace

std::vector<ConfigKey> configKeys() { return {}; }

std::unique_ptr<TicketsModule> createModule(const ModuleDeps& /*deps*/, Collaborators /*collaborators*/) {
  return std::make_unique<TicketsModuleImpl>();
}

}  // namespace boxoffice::tickets
