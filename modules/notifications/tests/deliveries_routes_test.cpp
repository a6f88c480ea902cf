// The delivery routes in process (the real router, handlers and notifications.db; the access
// check is the one the HTTP pipeline makes from the route's declared Access): own in-app list and
// read, another user's id → 404, the admin deliveries list and retry, role checks, bad queries.
#include <boost/json.hpp>
#include <doctest/doctest.h>

#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/config.hpp"
#include "boxoffice/kernel/context.hpp"
#include "boxoffice/kernel/http.hpp"
#include "boxoffice/kernel/metrics.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "boxoffice/kernel/router.hpp"
#include "deliveries.hpp"
#include "support/temp_database.hpp"

using namespace boxoffice;
using namespace boxoffice::notifications;

namespace {

struct Fixture {
  Fixture() : config(schema()) {
    templates = std::make_unique<Templates>(*db.db, clock);
    deliveries = std::make_unique<Deliveries>(*db.db, *templates, config, clock, db.log, metrics);
    deliveries->registerRoutes(router);
  }
  static ConfigSchema& schema() {
    static ConfigSchema s = [] {
      ConfigSchema c;
      c.add(deliveryConfigKeys());
      return c;
    }();
    return s;
  }

  std::string inApp(const std::string& user, const std::string& source, const std::string& title) const {
    NewDelivery d;
    d.sourceMessageId = source;
    d.correlationId = "corr";
    d.type = "OrderConfirmation";
    d.channel = Channel::InApp;
    d.reader = Reader{user, "en", "UTC"};
    d.content = Rendered{title, "body of " + title, "", "", "en"};
    db.db->write([&](Tx& tx) { deliveries->enqueue(tx, d); });
    return db.db->read([&](soci::session& s) {
      std::string id;
      s << "SELECT id FROM notification_deliveries WHERE source_message_id = :s", soci::use(source), soci::into(id);
      return id;
    });
  }

  // What the server would answer: 401/403 from the route's Access, else the handler's response
  // or its Problem's status.
  std::pair<int, boost::json::value> call(http::Method method, const std::string& path,
                                          std::multimap<std::string, std::string> query, const std::string& user,
                                          auth::Role role) {
    auto match = router.match(method, path);
    REQUIRE(match.route != nullptr);
    auth::Principal principal{user, user + "@example.com", {role}};
    if (auto permission = match.route->access.permission(); permission && !principal.can(*permission))
      return {403, nullptr};
    http::Request request;
    request.method = method;
    request.path = path;
    request.query = std::move(query);
    request.pathParams = match.params;
    RequestContext ctx{"req", "corr", principal, db.log, {}};
    ctx.offload = [](const std::function<void()>& work) { work(); };
    std::optional<http::Response> response;
    try {
      match.route->handler(request, ctx, [&](http::Response r) { response = std::move(r); });
    } catch (const Problem& problem) {
      return {problem.status(), nullptr};
    }
    REQUIRE(response);
    return {response->status, boost::json::parse(response->body)};
  }

  ManualClock clock;
  test_support::TempDatabase db{"notifications", embeddedMigrations()};
  Config config;
  Metrics metrics;
  Router router;
  std::unique_ptr<Templates> templates;
  std::unique_ptr<Deliveries> deliveries;
};

using auth::Role;
using http::Method;

}  // namespace

TEST_CASE("a user lists only their own in-app notifications, newest first, and marks one read") {
  Fixture f;
  auto first = f.inApp("alice", "m-1", "first");
  f.clock.advance(std::chrono::seconds(1));
  auto second = f.inApp("alice", "m-2", "second");
  f.inApp("bob", "m-3", "bob's");
  auto [status, body] = f.call(Method::Get, "/api/v1/notifications", {}, "alice", Role::User);
  REQUIRE(status == 200);
  auto& items = body.at("items").as_array();
  REQUIRE(items.size() == 2);
  CHECK(items[0].at("id").as_string() == second);
  CHECK(items[0].at("title").as_string() == "second");
  CHECK(items[1].at("readAt").is_null());
  CHECK(body.at("totalItems").as_int64() == 2);

  auto [readStatus, read] = f.call(Method::Post, "/api/v1/notifications/" + first + "/read", {}, "alice", Role::User);
  CHECK(readStatus == 200);
  auto readAt = std::string(read.at("readAt").as_string());
  f.clock.advance(std::chrono::seconds(5));
  auto [again, read2] = f.call(Method::Post, "/api/v1/notifications/" + first + "/read", {}, "alice", Role::User);
  CHECK(again == 200);
  CHECK(read2.at("readAt").as_string() == readAt);  // idempotent: the first read time stays

  auto [unreadStatus, unread] = f.call(Method::Get, "/api/v1/notifications", {{"unread", "true"}}, "alice", Role::User);
  CHECK(unreadStatus == 200);
  REQUIRE(unread.at("items").as_array().size() == 1);
  CHECK(unread.at("items").as_array()[0].at("id").as_string() == second);
}

TEST_CASE("another user's in-app notification is 404, never theirs to read") {
  Fixture f;
  auto id = f.inApp("alice", "m-1", "private");
  CHECK(f.call(Method::Post, "/api/v1/notifications/" + id + "/read", {}, "bob", Role::User).first == 404);
  CHECK(f.call(Method::Post, "/api/v1/notifications/" + id + "/read", {}, "admin", Role::Admin).first == 404);
  CHECK(f.call(Method::Post, "/api/v1/notifications/not-a-uuid/read", {}, "bob", Role::User).first == 404);
  auto [status, body] = f.call(Method::Get, "/api/v1/notifications", {}, "alice", Role::User);
  CHECK(body.at("items").as_array()[0].at("readAt").is_null());  // bob's attempt changed nothing
}

TEST_CASE("bad list queries are 400 and page size is capped") {
  Fixture f;
  CHECK(f.call(Method::Get, "/api/v1/notifications", {{"unread", "yes"}}, "alice", Role::User).first == 400);
  CHECK(f.call(Method::Get, "/api/v1/notifications", {{"size", "101"}}, "alice", Role::User).first == 400);
  CHECK(f.call(Method::Get, "/api/v1/notifications", {{"page", "0"}}, "alice", Role::User).first == 400);
  CHECK(f.call(Method::Get, "/api/v1/admin/notifications/deliveries", {{"status", "Lost"}}, "a", Role::Admin).first ==
        400);
  CHECK(f.call(Method::Get, "/api/v1/admin/notifications/deliveries", {{"channel", "fax"}}, "a", Role::Admin).first ==
        400);
  CHECK(
      f.call(Method::Get, "/api/v1/admin/notifications/deliveries", {{"type", std::string(65, 'x')}}, "a", Role::Admin)
          .first == 400);
}

TEST_CASE("the admin deliveries list and retry are for Admins only") {
  Fixture f;
  auto id = f.inApp("alice", "m-1", "hello");
  for (auto role : {Role::User, Role::Organizer}) {
    CHECK(f.call(Method::Get, "/api/v1/admin/notifications/deliveries", {}, "x", role).first == 403);
    CHECK(f.call(Method::Post, "/api/v1/admin/notifications/deliveries/" + id + "/retry", {}, "x", role).first == 403);
  }
  auto [status, body] =
      f.call(Method::Get, "/api/v1/admin/notifications/deliveries", {{"userId", "alice"}}, "a", Role::Admin);
  REQUIRE(status == 200);
  REQUIRE(body.at("items").as_array().size() == 1);
  const auto& item = body.at("items").as_array()[0].as_object();
  CHECK(item.at("status").as_string() == "Sent");
  CHECK(item.at("channel").as_string() == "inApp");
  CHECK(item.at("correlationId").as_string() == "corr");
  CHECK(f.call(Method::Get, "/api/v1/admin/notifications/deliveries", {{"userId", "bob"}}, "a", Role::Admin)
            .second.at("items")
            .as_array()
            .empty());
  // Only a Failed delivery can be retried.
  CHECK(f.call(Method::Post, "/api/v1/admin/notifications/deliveries/" + id + "/retry", {}, "a", Role::Admin).first ==
        409);
  CHECK(f.call(Method::Post, "/api/v1/admin/notifications/deliveries/00000000-0000-4000-8000-000000000000/retry", {},
               "a", Role::Admin)
            .first == 404);
  f.db.db->write([&](Tx& tx) {
    tx.exec("UPDATE notification_deliveries SET status = 'Failed', last_error = 'interrupted-while-sending'");
  });
  auto [retried, again] =
      f.call(Method::Post, "/api/v1/admin/notifications/deliveries/" + id + "/retry", {}, "a", Role::Admin);
  CHECK(retried == 200);
  CHECK(again.at("status").as_string() == "Queued");
  CHECK(again.at("attempts").as_int64() == 0);
}
