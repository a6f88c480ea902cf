// The notifications module's wiring (the trigger side replaces this scaffold).
#include "boxoffice/kernel/config.hpp"
#include "boxoffice/notifications/api.hpp"

namespace boxoffice::notifications {

std::vector<ConfigKey> configKeys() { return {}; }

namespace {

class NotificationsModuleImpl final : public NotificationsModule {
 public:
  explicit NotificationsModuleImpl(const ModuleDeps& /*deps*/) {}
  std::string name() const override { return "notifications"; }
  void registerRoutes(Router& /*router*/) override {}
};

}  // namespace

std::unique_ptr<NotificationsModule> createModule(const ModuleDeps& deps) {
  return std::make_unique<NotificationsModuleImpl>(deps);
}

}  // namespace boxoffice::notifications
