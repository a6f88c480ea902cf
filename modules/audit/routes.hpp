#pragma once
// The HTTP surface of the audit module (docs/api/audit.md): Admin only (system:manage).
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/router.hpp"

namespace boxoffice::audit {

class AuditModule;

class Routes {
 public:
  Routes(Database& store, AuditModule& module);
  void registerAll(Router& router);

 private:
  http::Response list(const http::Request& request, RequestContext& ctx);
  http::Response story(const http::Request& request, RequestContext& ctx);
  http::Response replay(const http::Request& request, RequestContext& ctx);

  Database& store_;
  AuditModule& module_;
};

}  // namespace boxoffice::audit
