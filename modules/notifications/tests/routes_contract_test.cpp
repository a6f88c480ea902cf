// The template and delivery routes in process, their answers checked against the OpenAPI
// document the router assembles (api_schemas.cpp): the in-app read and the delivery retry, which
// the integration suite does not reach, and a template PUT that sends back the GET shape, null
// parts included.
#include <boost/json.hpp>
#include <doctest/doctest.h>

#include "boxoffice/kernel/api_reference.hpp"
#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/config.hpp"
#include "boxoffice/kernel/context.hpp"
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/http.hpp"
#include "boxoffice/kernel/metrics.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "boxoffice/kernel/router.hpp"
#include "deliveries.hpp"
#include "support/contract_check.hpp"
#include "support/temp_database.hpp"
#include "templates.hpp"

using namespace boxoffice;
using namespace boxoffice::notifications;

namespace {

struct Answer {
  int status = 0;
  boost::json::value body;
  std::vector<std::string> contract;  // what breaks the document, empty when nothing
};

struct Fixture {
  Fixture() : config(schema()) {
    templates = std::make_unique<Templates>(*db.db, clock);
    deliveries = std::make_unique<Deliveries>(*db.db, *templates, config, clock, db.log, metrics);
    templates->registerRoutes(router);
    deliveries->registerRoutes(router);
    contract = std::make_unique<testing::ContractCheck>(openApiDocument(router, "test"));
  }
  static ConfigSchema& schema() {
    static ConfigSchema s = [] {
      ConfigSchema c;
      c.add(deliveryConfigKeys());
      return c;
    }();
    return s;
  }

  std::string enqueue(Channel channel, const std::string& source) const {
    NewDelivery d;
    d.sourceMessageId = source;
    d.correlationId = "corr";
    d.type = "OrderConfirmation";
    d.channel = channel;
    d.address = "alice@example.com";
    d.reader = Reader{"alice", "en", "UTC"};
    d.content = Rendered{"Your order", "body", "<p>body</p>", "", "en"};
    db.db->write([&](Tx& tx) { deliveries->enqueue(tx, d); });
    return db.db->read([&](soci::session& s) {
      std::string id;
      s << "SELECT id FROM notification_deliveries WHERE source_message_id = :s", soci::use(source), soci::into(id);
      return id;
    });
  }

  // What the server would answer (the handler's response or its Problem), checked against the
  // document as TestServer checks answers.
  Answer call(http::Method method, const std::string& path, const std::string& user, auth::Role role,
              const std::string& body = {}, const http::Headers& headers = {}) {
    auto match = router.match(method, path);
    REQUIRE(match.route != nullptr);
    auth::Principal principal{user, user + "@example.com", {role}};
    http::Request request;
    request.method = method;
    request.path = path;
    request.target = path;
    request.headers = headers;
    request.body = body;
    request.pathParams = match.params;
    RequestContext ctx{"req", "corr", principal, db.log, {}};
    ctx.offload = [](const std::function<void()>& work) { work(); };
    std::optional<http::Response> response;
    try {
      match.route->handler(request, ctx, [&](http::Response r) { response = std::move(r); });
    } catch (const Problem& problem) {
      response = toResponse(problem, path);
    }
    REQUIRE(response);
    Answer answer{response->status, boost::json::parse(response->body), {}};
    answer.contract =
        contract->check(to_string(method), path, response->status, response->headers["Content-Type"], response->body);
    return answer;
  }

  ManualClock clock;
  test_support::TempDatabase db{"notifications", embeddedMigrations()};
  Config config;
  Metrics metrics;
  Router router;
  std::unique_ptr<Templates> templates;
  std::unique_ptr<Deliveries> deliveries;
  std::unique_ptr<testing::ContractCheck> contract;
};

using auth::Role;
using http::Method;

http::Headers jsonWith(std::string_view ifMatch) {
  return {{"Content-Type", "application/json"}, {"If-Match", std::string(ifMatch)}};
}

}  // namespace

TEST_CASE("a template PUT may send back the GET shape: the parts a channel has not as null, variants' too") {
  Fixture f;
  const std::string sms = "/api/v1/admin/templates/Welcome/sms/en";
  auto got = f.call(Method::Get, sms, "admin", Role::Admin);
  REQUIRE(got.status == 200);
  CHECK(got.contract.empty());
  CHECK(got.body.at("subject").is_null());
  CHECK(got.body.at("html").is_null());

  auto saved = f.call(Method::Put, sms, "admin", Role::Admin,
                      R"({"subject":null,"text":"Hi {{userName}}","html":null,
                          "variants":[{"id":"A","weight":60,"subject":null,"text":"Hey {{userName}}","html":null},
                                      {"id":"B","weight":40,"subject":null,"text":null,"html":null}]})",
                      jsonWith("\"0\""));
  INFO(boost::json::serialize(saved.body));
  REQUIRE(saved.status == 200);
  CHECK(saved.contract.empty());
  CHECK(saved.body.at("variants").as_array().size() == 2);

  // What GET answers goes back as it is (the members PUT does not take left out).
  auto email = f.call(Method::Get, "/api/v1/admin/templates/Welcome/email/de", "admin", Role::Admin);
  REQUIRE(email.status == 200);
  auto back = boost::json::object{
      {"subject", email.body.at("subject")},
      {"text", email.body.at("text")},
      {"html", email.body.at("html")},
      {"variants", boost::json::array{boost::json::object{
                       {"id", "A"}, {"weight", 100}, {"subject", nullptr}, {"text", nullptr}, {"html", nullptr}}}}};
  auto put = f.call(Method::Put, "/api/v1/admin/templates/Welcome/email/de", "admin", Role::Admin,
                    boost::json::serialize(back), jsonWith("\"0\""));
  INFO(boost::json::serialize(put.body));
  CHECK(put.status == 200);
  CHECK(put.contract.empty());

  // A part the channel has not is still refused when it is a string.
  auto refused = f.call(Method::Put, sms, "admin", Role::Admin, R"({"subject":"s","text":"t"})", jsonWith("\"1\""));
  CHECK(refused.status == 400);
  CHECK(boost::json::serialize(refused.body).find("the sms channel has no subject") != std::string::npos);
}

TEST_CASE("template and delivery answers keep the OpenAPI document") {
  Fixture f;
  auto list = f.call(Method::Get, "/api/v1/admin/templates", "admin", Role::Admin);
  CHECK(list.status == 200);
  CHECK(list.contract.empty());
  auto reset =
      f.call(Method::Delete, "/api/v1/admin/templates/SoldOut/push/en", "admin", Role::Admin, {}, jsonWith("\"0\""));
  CHECK(reset.status == 200);
  CHECK(reset.contract.empty());

  auto inApp = f.enqueue(Channel::InApp, "m-1");
  auto email = f.enqueue(Channel::Email, "m-2");
  auto mine = f.call(Method::Get, "/api/v1/notifications", "alice", Role::User);
  CHECK(mine.status == 200);
  CHECK(mine.contract.empty());
  auto read = f.call(Method::Post, "/api/v1/notifications/" + inApp + "/read", "alice", Role::User);
  CHECK(read.status == 200);
  CHECK(read.body.at("readAt").is_string());
  CHECK(read.contract.empty());

  auto all = f.call(Method::Get, "/api/v1/admin/notifications/deliveries", "admin", Role::Admin);
  CHECK(all.status == 200);
  CHECK(all.body.at("items").as_array().size() == 2);
  CHECK(all.contract.empty());
  f.db.db->write([&](Tx& tx) {
    tx.exec("UPDATE notification_deliveries SET status = 'Failed', attempts = 8, last_error = 'down' WHERE id = ?1",
            email);
  });
  auto retried =
      f.call(Method::Post, "/api/v1/admin/notifications/deliveries/" + email + "/retry", "admin", Role::Admin);
  CHECK(retried.status == 200);
  CHECK(retried.body.at("status").as_string() == "Queued");
  CHECK(retried.body.at("nextAttemptAt").is_string());
  CHECK(retried.contract.empty());
  // Only a Failed delivery is retried: 409 with its own slug, a title that is a sentence.
  auto again = f.call(Method::Post, "/api/v1/admin/notifications/deliveries/" + email + "/retry", "admin", Role::Admin);
  CHECK(again.status == 409);
  CHECK(again.body.at("type").as_string() == "/problems/delivery-not-failed");
  CHECK(std::string_view(again.body.at("title").as_string()).ends_with("."));
  CHECK(again.contract.empty());
  for (const auto& answer : {list, reset, mine, read, all, retried, again}) {
    for (const auto& problem : answer.contract) MESSAGE(problem);
  }
}
