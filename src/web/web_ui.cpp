#include "web/web_ui.hpp"

#include "boxoffice/kernel/static_files.hpp"
#include "web/web_assets.hpp"

namespace boxoffice::web {

void registerRoutes(Router& router) {
  // Keep in step with web/src/router.ts: a reload on any of these pages must find the page.
  registerStaticSite(
      router, assets(),
      {.pageRoutes = {"/events/{id}", "/orders/{id}", "/tickets", "/signin", "/signup",
                      // door scanner, admin and the rest of the buyer account
                      "/scan", "/scan/{id}", "/admin", "/orders", "/notifications",
                      // the organizer back office (web/src/organizer)
                      "/organizer", "/organizer/new", "/organizer/events/{id}", "/organizer/events/{id}/edit"},
       .contentSecurityPolicy = kContentSecurityPolicy});
}

}  // namespace boxoffice::web
