// The audit module's wiring (scaffold; the audit part replaces it).
#include "boxoffice/audit/api.hpp"
#include "boxoffice/kernel/config.hpp"

namespace boxoffice::audit {

std::vector<ConfigKey> configKeys() { return {}; }

namespace {

class AuditModuleImpl final : public AuditModule {
 public:
  explicit AuditModuleImpl(const ModuleDeps& /*deps*/) {}
  std::string name() const override { return "audit"; }
  void registerRoutes(Router& /*router*/) override {}
};

}  // namespace

std::unique_ptr<AuditModule> createModule(const ModuleDeps& deps) { return std::make_unique<AuditModuleImpl>(deps); }

}  // namespace boxoffice::audit
