#pragma once
// The admin routes over the templates (Admin: notifications:send):
//   GET    /api/v1/admin/templates                               every type × channel × language
//   GET    /api/v1/admin/templates/{type}/{channel}/{language}   the one in force, with its ETag
//   PUT    /api/v1/admin/templates/{type}/{channel}/{language}   save an override (If-Match)
//   DELETE /api/v1/admin/templates/{type}/{channel}/{language}   back to the shipped file (If-Match)
#include "boxoffice/kernel/router.hpp"

namespace boxoffice::notifications {

class TemplateStore;

class TemplateRoutes {
 public:
  explicit TemplateRoutes(TemplateStore& store) : store_(store) {}
  void registerRoutes(Router& router);

 private:
  http::Response list(const http::Request& request, RequestContext& context);
  http::Response get(const http::Request& request, RequestContext& context);
  http::Response put(const http::Request& request, RequestContext& context);
  http::Response remove(const http::Request& request, RequestContext& context);

  TemplateStore& store_;
};

}  // namespace boxoffice::notifications
