// The admin template routes against the real binary: who may reach them, what a save checks
// (unknown variables, malformed placeholders, parts per channel, variants, size caps; the 1 MiB
// body limit is the kernel's, tested in kernel_http_test), If-Match
// and ETags, and DELETE back to the shipped file.
#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <string>

#include "json_text.hpp"
#include "problem_check.hpp"
#include "test_server.hpp"
#include "token_mint.hpp"

using namespace boxoffice::testing;

namespace {

const std::string kWelcomeDeEmail = "/api/v1/admin/templates/Welcome/email/de";

HeaderList adminWith(const std::string& token, const std::string& ifMatch = {}) {
  HeaderList headers{{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
  if (!ifMatch.empty()) headers.emplace_back("If-Match", ifMatch);
  return headers;
}

std::string body(const std::string& subject, const std::string& text, const std::string& html,
                 const std::string& variants = "[]") {
  boost::json::object o{{"subject", subject}, {"text", text}, {"html", html}};
  o["variants"] = boost::json::parse(variants);
  return boost::json::serialize(o);
}

}  // namespace

TEST_CASE("template routes: Admin only, Users and Organizers get 403, no token 401") {
  TestServer server;
  auto admin = mintToken("Admin");
  auto user = mintToken("User");
  auto organizer = mintToken("Organizer");
  CHECK(server.get("/api/v1/admin/templates", TestServer::bearer(admin.token)).status == 200);
  CHECK(server.get("/api/v1/admin/templates").status == 401);
  for (const auto* who : {&user, &organizer}) {
    CHECK(server.get("/api/v1/admin/templates", TestServer::bearer(who->token)).status == 403);
    CHECK(server.get(kWelcomeDeEmail, TestServer::bearer(who->token)).status == 403);
    CHECK(server.put(kWelcomeDeEmail, body("x", "y", "z"), adminWith(who->token, "\"0\"")).status == 403);
    CHECK(server.del(kWelcomeDeEmail, adminWith(who->token, "\"0\"")).status == 403);
  }
}

TEST_CASE("the list holds every type for every channel in en and de, all shipped") {
  TestServer server;
  auto admin = mintToken("Admin");
  auto r = server.get("/api/v1/admin/templates", TestServer::bearer(admin.token));
  REQUIRE(r.status == 200);
  auto json = r.json();
  const auto& items = json.at("items").as_array();
  CHECK(items.size() == 17 * 4 * 2);  // 17 types (docs/api/notifications.md), 4 channels, en and de
  for (const auto& item : items) CHECK(item.at("source").as_string() == "shipped");
}

TEST_CASE("GET one template: the shipped text, its variables and ETag \"0\"; unknown parts are 404") {
  TestServer server;
  auto admin = mintToken("Admin");
  auto r = server.get("/api/v1/admin/templates/OrderConfirmation/email/de", TestServer::bearer(admin.token));
  REQUIRE(r.status == 200);
  CHECK(r.header("etag") == "\"0\"");
  auto j = r.json().as_object();
  CHECK(j.at("source").as_string() == "shipped");
  CHECK(std::string(j.at("text").as_string()).find("{{total}}") != std::string::npos);
  CHECK(j.at("variables").as_array().size() == 10);
  auto sms = server.get("/api/v1/admin/templates/OrderConfirmation/sms/en", TestServer::bearer(admin.token));
  REQUIRE(sms.status == 200);
  CHECK(sms.json().at("subject").is_null());
  CHECK(sms.json().at("html").is_null());
  checkProblem(server.get("/api/v1/admin/templates/NoSuchType/email/en", TestServer::bearer(admin.token)), 404);
  checkProblem(server.get("/api/v1/admin/templates/Welcome/fax/en", TestServer::bearer(admin.token)), 404);
  checkProblem(server.get("/api/v1/admin/templates/Welcome/email/fr", TestServer::bearer(admin.token)), 404);
  checkProblem(
      server.put("/api/v1/admin/templates/Welcome/email/fr", body("s", "t", "h"), adminWith(admin.token, "\"0\"")),
      404);
}

TEST_CASE("PUT saves with If-Match, bumps the ETag, refuses a stale one, DELETE returns to the shipped file") {
  TestServer server;
  auto admin = mintToken("Admin");
  auto saveBody = body("Hallo {{userName}}", "Neu: {{userName}} bei {{appName}}", "<p>{{userName}}</p>");
  checkProblem(server.put(kWelcomeDeEmail, saveBody, adminWith(admin.token)), 428);
  checkProblem(server.put(kWelcomeDeEmail, saveBody, adminWith(admin.token, "\"7\"")), 412);
  auto saved = server.put(kWelcomeDeEmail, saveBody, adminWith(admin.token, "\"0\""));
  REQUIRE(saved.status == 200);
  CHECK(saved.header("etag") == "\"1\"");
  CHECK(saved.json().at("source").as_string() == "override");
  CHECK(saved.json().at("text").as_string() == "Neu: {{userName}} bei {{appName}}");
  CHECK(saved.json().at("updatedBy").as_string() == admin.userId);
  auto got = server.get(kWelcomeDeEmail, TestServer::bearer(admin.token));
  CHECK(got.header("etag") == "\"1\"");
  CHECK(got.json().at("subject").as_string() == "Hallo {{userName}}");
  // The same ETag cannot be used twice: a second admin working from version 0 is told.
  checkProblem(server.put(kWelcomeDeEmail, saveBody, adminWith(admin.token, "\"0\"")), 412);
  // A restart keeps the override.
  server.restart();
  CHECK(server.get(kWelcomeDeEmail, TestServer::bearer(admin.token)).json().at("source").as_string() == "override");
  checkProblem(server.del(kWelcomeDeEmail, adminWith(admin.token)), 428);
  auto reset = server.del(kWelcomeDeEmail, adminWith(admin.token, "\"1\""));
  REQUIRE(reset.status == 200);
  CHECK(reset.header("etag") == "\"2\"");
  CHECK(reset.json().at("source").as_string() == "shipped");
  CHECK(std::string(reset.json().at("text").as_string()).find("willkommen bei") != std::string::npos);
  // The version keeps counting: an ETag from before the reset never matches again.
  checkProblem(server.put(kWelcomeDeEmail, saveBody, adminWith(admin.token, "\"0\"")), 412);
}

TEST_CASE("PUT refuses an unknown variable, naming it, and a malformed placeholder, per field") {
  TestServer server;
  auto admin = mintToken("Admin");
  auto r = server.put(kWelcomeDeEmail, body("Hi {{userName}}", "Your {{password}}", "<p>{{ticketCount</p>"),
                      adminWith(admin.token, "\"0\""));
  checkProblem(r, 400);
  CHECK(hasProblemField(r, "text"));
  CHECK(hasProblemField(r, "html"));
  CHECK(r.body.find("{{password}}") != std::string::npos);
  // ticketCount exists for other types, not for Welcome.
  auto other = server.put(kWelcomeDeEmail, body("{{ticketCount}}", "t", "h"), adminWith(admin.token, "\"0\""));
  checkProblem(other, 400);
  CHECK(other.body.find("{{ticketCount}}") != std::string::npos);
  // Nothing was saved.
  CHECK(server.get(kWelcomeDeEmail, TestServer::bearer(admin.token)).header("etag") == "\"0\"");
}

TEST_CASE("PUT checks the parts of the channel, variants and their weights") {
  TestServer server;
  auto admin = mintToken("Admin");
  auto sms = server.put("/api/v1/admin/templates/Welcome/sms/en", body("subject", "text", "<p>h</p>"),
                        adminWith(admin.token, "\"0\""));
  checkProblem(sms, 400);
  CHECK(hasProblemField(sms, "subject"));
  CHECK(hasProblemField(sms, "html"));
  CHECK(server
            .put("/api/v1/admin/templates/Welcome/sms/en", R"({"text":"Hi {{userName}}"})",
                 adminWith(admin.token, "\"0\""))
            .status == 200);
  auto missing = server.put(kWelcomeDeEmail, R"({"text":"only text"})", adminWith(admin.token, "\"0\""));
  checkProblem(missing, 400);
  CHECK(hasProblemField(missing, "subject"));
  CHECK(hasProblemField(missing, "html"));
  auto weights = server.put(kWelcomeDeEmail,
                            body("s", "t", "h", R"([{"id":"A","weight":50,"subject":"A"},{"id":"A","weight":40}])"),
                            adminWith(admin.token, "\"0\""));
  checkProblem(weights, 400);
  CHECK(hasProblemField(weights, "variants"));
  CHECK(hasProblemField(weights, "variants[1].id"));
  auto badVariant = server.put(kWelcomeDeEmail, body("s", "t", "h", R"([{"id":"A","weight":100,"text":"{{nope}}"}])"),
                               adminWith(admin.token, "\"0\""));
  checkProblem(badVariant, 400);
  CHECK(hasProblemField(badVariant, "variants[0].text"));
  auto ok =
      server.put(kWelcomeDeEmail,
                 body("s", "t", "h", R"([{"id":"A","weight":50,"subject":"A {{userName}}"},{"id":"B","weight":50}])"),
                 adminWith(admin.token, "\"0\""));
  REQUIRE(ok.status == 200);
  CHECK(ok.json().at("variants").as_array().size() == 2);
  auto unknownKey = server.put(kWelcomeDeEmail, R"({"subject":"s","text":"t","html":"h","script":"x"})",
                               adminWith(admin.token, "\"1\""));
  checkProblem(unknownKey, 400);
  CHECK(hasProblemField(unknownKey, "script"));
}

TEST_CASE("PUT caps each part at 64 KiB") {
  TestServer server;
  auto admin = mintToken("Admin");
  auto big =
      server.put(kWelcomeDeEmail, body("s", std::string(64 * 1024 + 1, 'x'), "h"), adminWith(admin.token, "\"0\""));
  checkProblem(big, 400);
  CHECK(hasProblemField(big, "text"));
  CHECK(server.put(kWelcomeDeEmail, body("s", std::string(64 * 1024, 'x'), "h"), adminWith(admin.token, "\"0\""))
            .status == 200);
  CHECK(server.get(kWelcomeDeEmail, TestServer::bearer(admin.token)).header("etag") == "\"1\"");
}
