#pragma once
// Routes: method + path template ("/api/v1/events/{id}") + declared access + handler.
// Handlers run on the worker pool by default, so they may block on the database. A route that
// never blocks (it answers from memory or hands its work to a queue) declares
// Execution::IoThread and runs where the request was read: no thread hop, which is most of the
// cost of a request answered from memory. A handler either returns its Response (the common
// case) or, registered with addAsync, answers later through `Respond` from any thread (e.g.
// after a group commit).
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "boxoffice/kernel/auth.hpp"
#include "boxoffice/kernel/context.hpp"
#include "boxoffice/kernel/http.hpp"
#include "boxoffice/kernel/openapi.hpp"

namespace boxoffice {

class BoundedExecutor;

// Who may call a route. Checked by the server before the handler runs:
// no/invalid token where one is needed -> 401, a role without the permission -> 403.
class Access {
 public:
  static Access anyone() { return {Kind::Anyone, {}}; }
  // Anonymous callers are allowed, but a token, if sent, must be valid (owners see more).
  static Access optionalUser() { return {Kind::OptionalUser, {}}; }
  static Access authenticated() { return {Kind::Authenticated, {}}; }
  static Access require(auth::Permission permission) { return {Kind::Permission, permission}; }

  bool needsPrincipal() const { return kind_ == Kind::Authenticated || kind_ == Kind::Permission; }
  bool readsToken() const { return kind_ != Kind::Anyone; }
  std::optional<auth::Permission> permission() const { return permission_; }
  // Health probes and metrics scrapes are not rate limited.
  Access unmetered() const {
    Access copy = *this;
    copy.metered_ = false;
    return copy;
  }
  bool metered() const { return metered_; }

 private:
  enum class Kind { Anyone, OptionalUser, Authenticated, Permission };
  Access(Kind kind, std::optional<auth::Permission> permission) : kind_(kind), permission_(permission) {}
  Kind kind_;
  std::optional<auth::Permission> permission_;
  bool metered_ = true;
};

// Where a route's handler runs; see the top of this file.
enum class Execution { Worker, IoThread };

using Respond = std::function<void(http::Response)>;
using Handler = std::function<http::Response(const http::Request&, RequestContext&)>;
using AsyncHandler = std::function<void(http::Request, RequestContext, Respond)>;

struct Route {
  http::Method method;
  std::string pattern;  // the route template, used in logs and metrics
  std::string module;   // for log lines
  Access access;
  AsyncHandler handler;
  Execution execution = Execution::Worker;
  std::vector<std::string> segments;
  // Work that must never take the shared workers (password hashing) runs on a bounded pool of
  // its own: when that pool's queue is full the answer is 503 with Retry-After. Before anything
  // is queued, `admissionPolicy` (a RateLimiter policy) is charged per client network.
  BoundedExecutor* executor = nullptr;
  std::string admissionPolicy;

  // What the OpenAPI document says of this route (kernel/openapi.hpp).
  std::shared_ptr<const openapi::Operation> doc{};

  Route& runOn(BoundedExecutor& pool, std::string policy) {
    executor = &pool;
    admissionPolicy = std::move(policy);
    return *this;
  }
  Route& describe(openapi::Operation operation) {
    doc = std::make_shared<const openapi::Operation>(std::move(operation));
    return *this;
  }
};

struct RouteMatch {
  const Route* route = nullptr;       // null: no route for this path+method
  std::vector<http::Method> allowed;  // methods the path supports (for 405)
  std::map<std::string, std::string> params;
};

class Router {
 public:
  // Adds a route; throws std::logic_error on a duplicate method + template.
  Route& add(http::Method method, const std::string& pattern, std::string module, Access access, Handler handler,
             Execution execution = Execution::Worker);
  Route& addAsync(http::Method method, const std::string& pattern, std::string module, Access access,
                  AsyncHandler handler, Execution execution = Execution::Worker);
  // Literal segments win over {parameters} at the same position ("/events/search" before
  // "/events/{id}").
  RouteMatch match(http::Method method, std::string_view path) const;
  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }
  // Schemas the routes' descriptions refer to by name (openapi::ref).
  openapi::Components& schemas() { return schemas_; }
  const openapi::Components& schemas() const { return schemas_; }

 private:
  // Routes (indexes into routes_, in registration order) by segment count, then by the segment
  // that names the module, or with a {parameter} there (router.cpp).
  struct Bucket {
    std::map<std::string, std::vector<std::size_t>, std::less<>> byLiteral;
    std::vector<std::size_t> byParameter;
  };
  std::vector<std::unique_ptr<Route>> routes_;
  std::map<std::size_t, Bucket> index_;
  openapi::Components schemas_;
};

}  // namespace boxoffice
