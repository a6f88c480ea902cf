// Router: templates, parameters, literal-over-parameter, and the 404/405 distinction.
#include "boxoffice/kernel/router.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <stdexcept>

using namespace boxoffice;
using http::Method;

namespace {
Handler named(std::string name) {
  return [name](const http::Request&, RequestContext&) { return http::Response::json(200, name); };
}

Router sampleRouter() {
  Router router;
  router.add(Method::Get, "/api/v1/events", "events", Access::anyone(), named("list"));
  router.add(Method::Post, "/api/v1/events", "events", Access::authenticated(), named("create"));
  router.add(Method::Get, "/api/v1/events/{id}", "events", Access::anyone(), named("get"));
  router.add(Method::Put, "/api/v1/events/{id}", "events", Access::authenticated(), named("update"));
  router.add(Method::Get, "/api/v1/events/search", "events", Access::anyone(), named("search"));
  router.add(Method::Get, "/api/v1/events/{id}/categories/{categoryId}", "inventory", Access::anyone(),
             named("category"));
  return router;
}

bool allows(const RouteMatch& match, Method method) {
  return std::find(match.allowed.begin(), match.allowed.end(), method) != match.allowed.end();
}
}  // namespace

TEST_CASE("router: a literal path matches its route with no parameters") {
  auto router = sampleRouter();
  auto match = router.match(Method::Get, "/api/v1/events");
  REQUIRE(match.route != nullptr);
  CHECK(match.route->pattern == "/api/v1/events");
  CHECK(match.route->module == "events");
  CHECK(match.params.empty());
}

TEST_CASE("router: parameters are captured by name") {
  auto router = sampleRouter();
  auto match = router.match(Method::Get, "/api/v1/events/42/categories/vip");
  REQUIRE(match.route != nullptr);
  CHECK(match.route->pattern == "/api/v1/events/{id}/categories/{categoryId}");
  CHECK(match.params.at("id") == "42");
  CHECK(match.params.at("categoryId") == "vip");
}

TEST_CASE("router: a literal segment wins over a parameter at the same position") {
  auto router = sampleRouter();
  auto search = router.match(Method::Get, "/api/v1/events/search");
  REQUIRE(search.route != nullptr);
  CHECK(search.route->pattern == "/api/v1/events/search");
  CHECK(search.params.empty());
  auto byId = router.match(Method::Get, "/api/v1/events/searching");
  REQUIRE(byId.route != nullptr);
  CHECK(byId.route->pattern == "/api/v1/events/{id}");
  CHECK(byId.params.at("id") == "searching");
}

TEST_CASE("router: registration order does not decide literal-over-parameter") {
  Router router;
  router.add(Method::Get, "/things/{id}", "m", Access::anyone(), named("byId"));
  router.add(Method::Get, "/things/special", "m", Access::anyone(), named("special"));
  auto match = router.match(Method::Get, "/things/special");
  REQUIRE(match.route != nullptr);
  CHECK(match.route->pattern == "/things/special");
}

TEST_CASE("router: no route for the path -> no route and no allowed methods (404)") {
  auto router = sampleRouter();
  for (auto path : {"/api/v1/nothing", "/api/v1/events/1/2", "/", "/api/v1/events/1/categories"}) {
    CAPTURE(path);
    auto match = router.match(Method::Get, path);
    CHECK(match.route == nullptr);
    CHECK(match.allowed.empty());
  }
}

TEST_CASE("router: the path exists but not for the method -> no route, allowed methods listed (405)") {
  auto router = sampleRouter();
  auto match = router.match(Method::Delete, "/api/v1/events/7");
  CHECK(match.route == nullptr);
  CHECK(allows(match, Method::Get));
  CHECK(allows(match, Method::Put));
  CHECK_FALSE(allows(match, Method::Post));
  CHECK_FALSE(allows(match, Method::Delete));

  auto collection = router.match(Method::Patch, "/api/v1/events");
  CHECK(collection.route == nullptr);
  CHECK(allows(collection, Method::Get));
  CHECK(allows(collection, Method::Post));
}

TEST_CASE("router: literals match only as sent, parameters are decoded after matching") {
  auto router = sampleRouter();
  // An escaped letter is not the literal: "/api/v1/%65vents" reaches no route.
  auto escapedLiteral = router.match(Method::Get, "/api/v1/%65vents");
  CHECK(escapedLiteral.route == nullptr);
  CHECK(escapedLiteral.allowed.empty());
  // "%2F" stays inside its segment: one parameter holding a slash, not two segments.
  auto slash = router.match(Method::Get, "/api/v1/events/a%2Fb");
  REQUIRE(slash.route != nullptr);
  CHECK(slash.route->pattern == "/api/v1/events/{id}");
  CHECK(slash.params.at("id") == "a/b");
  // An escaped literal inside a parameter's position is just a parameter value.
  auto escapedSearch = router.match(Method::Get, "/api/v1/events/%73earch");
  REQUIRE(escapedSearch.route != nullptr);
  CHECK(escapedSearch.route->pattern == "/api/v1/events/{id}");
  CHECK(escapedSearch.params.at("id") == "search");
}

TEST_CASE("router: an empty segment does not satisfy a parameter") {
  auto router = sampleRouter();
  auto match = router.match(Method::Get, "/api/v1/events/");
  CHECK(match.route == nullptr);
  CHECK(match.allowed.empty());  // no route of that shape at all: a 404, not a 405
}

TEST_CASE("router: a duplicate method + template is a programming error") {
  Router router;
  router.add(Method::Get, "/x/{id}", "m", Access::anyone(), named("a"));
  CHECK_THROWS_AS(router.add(Method::Get, "/x/{id}", "m", Access::anyone(), named("b")), std::logic_error);
  CHECK_NOTHROW(router.add(Method::Post, "/x/{id}", "m", Access::anyone(), named("c")));
}

TEST_CASE("router: the matched route runs its own handler") {
  auto router = sampleRouter();
  auto match = router.match(Method::Put, "/api/v1/events/9");
  REQUIRE(match.route != nullptr);
  http::Request request;
  request.pathParams = match.params;
  http::Response got;
  RequestContext context{"req-1", "req-1", std::nullopt, Logger(nullptr, "test")};
  match.route->handler(request, context, [&](http::Response r) { got = std::move(r); });
  CHECK(got.body == "update");
}

TEST_CASE("router: access declarations") {
  CHECK_FALSE(Access::anyone().readsToken());
  CHECK_FALSE(Access::anyone().needsPrincipal());
  CHECK(Access::optionalUser().readsToken());
  CHECK_FALSE(Access::optionalUser().needsPrincipal());
  CHECK(Access::authenticated().needsPrincipal());
  auto admin = Access::require(auth::Permission::UsersManage);
  CHECK(admin.needsPrincipal());
  REQUIRE(admin.permission().has_value());
  CHECK(*admin.permission() == auth::Permission::UsersManage);
  CHECK(Access::anyone().metered());
  CHECK_FALSE(Access::anyone().unmetered().metered());
}

TEST_CASE("router: routes with a parameter where the index looks, and short paths, are still found") {
  // The index keys on the third segment ("/api/v1/<module>"); these routes have a parameter
  // there, or fewer segments, and must match exactly as if every route were tried in turn.
  Router router;
  router.add(Method::Get, "/health", "kernel", Access::anyone(), named("health"));
  router.add(Method::Get, "/", "kernel", Access::anyone(), named("root"));
  router.add(Method::Get, "/api/v1/{anything}", "kernel", Access::anyone(), named("any-module"));
  router.add(Method::Get, "/api/v1/events", "events", Access::anyone(), named("events"));
  router.add(Method::Post, "/api/{version}/events", "events", Access::anyone(), named("versioned"));
  router.add(Method::Get, "/files/{a}/{b}", "kernel", Access::anyone(), named("two-params"));

  auto health = router.match(Method::Get, "/health");
  REQUIRE(health.route != nullptr);
  CHECK(health.route->pattern == "/health");
  auto root = router.match(Method::Get, "/");
  REQUIRE(root.route != nullptr);
  CHECK(root.route->pattern == "/");
  auto events = router.match(Method::Get, "/api/v1/events");
  REQUIRE(events.route != nullptr);
  CHECK(events.route->pattern == "/api/v1/events");  // the literal beats the parameter
  CHECK(allows(events, Method::Post));               // "/api/{version}/events" fits the path too
  auto other = router.match(Method::Get, "/api/v1/orders");
  REQUIRE(other.route != nullptr);
  CHECK(other.route->pattern == "/api/v1/{anything}");
  CHECK(other.params.at("anything") == "orders");
  auto files = router.match(Method::Get, "/files/x/y");
  REQUIRE(files.route != nullptr);
  CHECK(files.params.at("b") == "y");
  CHECK(router.match(Method::Get, "/files/x").route == nullptr);
  CHECK(router.match(Method::Get, "").route == nullptr);  // not a path: no route, no crash
  CHECK(router.match(Method::Get, "").allowed.empty());
}
