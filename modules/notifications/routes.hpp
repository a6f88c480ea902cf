#pragma once
// The trigger side's routes: preferences (own), one-click unsubscribe (no login, signed token),
// organizers' announcements.
#include <string>

#include "announcements.hpp"
#include "boxoffice/kernel/http.hpp"
#include "service.hpp"

namespace boxoffice {
class Database;
class RateLimiter;
class Router;
struct RequestContext;
}  // namespace boxoffice

namespace boxoffice::notifications {

class UnsubscribeTokens;

inline constexpr std::string_view kAnnouncementPolicy = "notifications.announcements";

struct RouteSettings {
  int announcementMaxRecipients = 100000;  // an event with more buyers gets 409
};

class Routes {
 public:
  Routes(Database& store, Announcements& announcements, const UnsubscribeTokens& tokens, RateLimiter& rateLimiter,
         const Clock& clock, RouteSettings settings);
  void registerAll(Router& router);

 private:
  http::Response getPreferences(const http::Request& request, RequestContext& ctx);
  http::Response putPreferences(const http::Request& request, RequestContext& ctx);
  http::Response unsubscribe(const http::Request& request, RequestContext& ctx);
  http::Response announce(const http::Request& request, RequestContext& ctx);

  Database& store_;
  Announcements& announcements_;
  const UnsubscribeTokens& tokens_;
  RateLimiter& rateLimiter_;
  const Clock& clock_;
  RouteSettings settings_;
};

}  // namespace boxoffice::notifications
