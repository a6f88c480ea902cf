// Operations surface of the real binary: /health, /ready, /metrics, request ids in responses
// and logs, CORS, and the dead-letter admin routes.
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <doctest/doctest.h>
#include <functional>
#include <sstream>
#include <string>
#include <thread>

#include "eventually.hpp"
#include "http_client.hpp"
#include "kernel_helpers.hpp"
#include "sqlite_query.hpp"
#include "test_server.hpp"

using namespace boxoffice::testing;
using namespace boxoffice::test_support;
using namespace std::chrono_literals;

namespace {
bool isUuid(const std::string& text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (text[i] == '-')) return false;
    if (!dash && !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

// Log lines carrying this request id.
std::vector<boost::json::object> linesOf(const TestServer& server, const std::string& requestId) {
  std::vector<boost::json::object> out;
  for (auto& line : server.logLines()) {
    if (auto id = line.if_contains("requestId"); id && id->is_string() && id->as_string() == requestId) {
      out.push_back(line);
    }
  }
  return out;
}

// The log sink writes in batches on its own thread, so a request's lines may land a moment after
// its response: wait for the access line (the one with a status), which is written last.
std::vector<boost::json::object> waitForLinesOf(const TestServer& server, const std::string& requestId) {
  std::vector<boost::json::object> lines;
  eventually(
      [&] {
        lines = linesOf(server, requestId);
        return std::any_of(lines.begin(), lines.end(), [](const auto& l) { return l.contains("status"); });
      },
      5s);
  return lines;
}
}  // namespace

TEST_CASE("kernel: /health and /ready answer 200 JSON") {
  TestServer server;
  auto health = server.get("/health");
  CHECK(health.status == 200);
  CHECK(health.header("content-type").starts_with("application/json"));
  CHECK(health.json().at("status").as_string() == "ok");
  auto ready = server.get("/ready");
  CHECK(ready.status == 200);
  CHECK(ready.json().is_object());
}

TEST_CASE("kernel: /metrics speaks the Prometheus text format with route templates") {
  TestServer server;
  auto token = server.tokenFor("Admin");
  REQUIRE(server.get("/health").status == 200);
  REQUIRE(server.get("/api/v1/no-such-route-7f3a").status == 404);
  // A route with a parameter: the label must be the template, never the id.
  auto someId = "0b7f0c4e-3f0e-4d2a-9a53-5f3e0d7d1c11";
  server.put(std::string("/api/v1/users/") + someId + "/roles", R"({"roles":["User"]})", TestServer::bearer(token));

  auto r = server.get("/metrics");
  REQUIRE(r.status == 200);
  CHECK(r.header("content-type").starts_with("text/plain"));
  const auto& text = r.body;
  CAPTURE(text);
  CHECK(hasLine(text, "# TYPE http_requests_total counter"));
  CHECK(hasLineStartingWith(text, R"(http_requests_total{method="GET",route="/health",status="200"} )"));
  CHECK(hasLineStartingWith(text, R"(http_requests_total{method="PUT",route="/api/v1/users/{id}/roles",status=")"));
  CHECK(text.find(someId) == std::string::npos);
  CHECK(text.find("no-such-route-7f3a") == std::string::npos);  // unmatched paths do not make new series
  CHECK(hasLine(text, "# TYPE http_request_duration_seconds histogram"));
  CHECK(hasLineStartingWith(text, R"(http_request_duration_seconds_bucket{method="GET",route="/health",le="+Inf"} )"));
  CHECK(hasLineStartingWith(text, R"(http_request_duration_seconds_sum{method="GET",route="/health"} )"));
  CHECK(hasLineStartingWith(text, R"(http_request_duration_seconds_count{method="GET",route="/health"} )"));
  CHECK(hasLineStartingWith(text, "http_requests_in_flight "));
  CHECK(sampleValue(text, "http_open_connections ") >= 1);  // this scrape's own connection
  CHECK(hasLine(text, "# TYPE bus_messages_published_total counter"));
  CHECK(hasLine(text, "# TYPE bus_messages_delivered_total counter"));
  CHECK(hasLine(text, "# TYPE bus_messages_retried_total counter"));
  CHECK(hasLine(text, "# TYPE bus_messages_dead_lettered_total counter"));
  CHECK(sampleValue(text, "bus_outbox_pending ") >= 0);
  CHECK(sampleValue(text, "process_resident_memory_bytes ") > 1e6);
  CHECK(sampleValue(text, "process_uptime_seconds ") >= 0);
}

TEST_CASE("kernel: request counters count") {
  TestServer server;
  auto before =
      sampleValue(server.get("/metrics").body, R"(http_requests_total{method="GET",route="/health",status="200"} )");
  for (int i = 0; i < 5; ++i) REQUIRE(server.get("/health").status == 200);
  auto after =
      sampleValue(server.get("/metrics").body, R"(http_requests_total{method="GET",route="/health",status="200"} )");
  CHECK(after - std::max(before, 0.0) == 5);
}

TEST_CASE("kernel: a published message shows in the bus metrics") {
  TestServer server;
  REQUIRE(server.post("/api/v1/auth/register", registerBody("metrics-bus@example.com")).status == 202);
  CHECK(eventually([&] {
    auto text = server.get("/metrics").body;
    return sampleValue(text, R"(bus_messages_published_total{topic="notifications",type="UserRegistered"} )") >= 1 &&
           sampleValue(text, "bus_outbox_pending ") == 0;
  }));
}

TEST_CASE("kernel: X-Request-Id is echoed, and appears on the request's log lines") {
  TestServer server;
  auto r = server.get("/health", {{"X-Request-Id", "kernel-test-req-0001"}});
  CHECK(r.header("x-request-id") == "kernel-test-req-0001");
  auto lines = waitForLinesOf(server, "kernel-test-req-0001");
  REQUIRE_FALSE(lines.empty());
  bool accessLine = false;
  for (const auto& line : lines) {
    CHECK(line.contains("time"));
    CHECK(line.contains("level"));
    CHECK(line.contains("message"));
    CHECK(line.contains("module"));
    if (line.contains("status") && line.contains("route")) {
      accessLine = true;
      CHECK(line.at("route").as_string() == "/health");
      CHECK(line.at("status").to_number<int>() == 200);
      CHECK(line.at("method").as_string() == "GET");
      CHECK((line.contains("durationUs") || line.contains("durationMs")));
    }
  }
  CHECK(accessLine);
}

TEST_CASE("kernel: a request id is generated when absent or unusable") {
  TestServer server;
  auto r = server.get("/health");
  auto generated = r.header("x-request-id");
  CHECK(isUuid(generated));
  CHECK_FALSE(waitForLinesOf(server, generated).empty());
  auto other = server.get("/health").header("x-request-id");
  CHECK(other != generated);

  // An id that could forge log lines or bloat them is replaced, not echoed.
  auto bad = server.get("/health", {{"X-Request-Id", "evil\" \"level\":\"error"}});
  CHECK(isUuid(bad.header("x-request-id")));
  auto huge = server.get("/health", {{"X-Request-Id", std::string(500, 'x')}});
  CHECK(huge.header("x-request-id").size() < 200);
}

TEST_CASE("kernel: without X-Request-Id, a traceparent's trace id becomes the request id") {
  TestServer server;
  const std::string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  auto r = server.get("/health", {{"traceparent", "00-" + traceId + "-00f067aa0ba902b7-01"}});
  CHECK(r.header("x-request-id") == traceId);
  auto explicitId = server.get(
      "/health", {{"traceparent", "00-" + traceId + "-00f067aa0ba902b7-01"}, {"X-Request-Id", "caller-chosen-id"}});
  CHECK(explicitId.header("x-request-id") == "caller-chosen-id");
  auto malformed = server.get("/health", {{"traceparent", "00-not-a-trace-01"}});
  CHECK(malformed.header("x-request-id").size() == 36);  // a generated UUID
}

TEST_CASE("kernel: the request id flows into the log lines and outbox messages of the request") {
  TestServer server;
  auto r = server.post("/api/v1/auth/register", registerBody("corr@example.com"), {{"X-Request-Id", "corr-test-42"}});
  REQUIRE(r.status == 202);
  CHECK(r.header("x-request-id") == "corr-test-42");
  auto rows =
      queryDb(server.dataDir() / "identity.db", "SELECT correlation_id FROM outbox WHERE type = 'UserRegistered'");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0][0].value() == "corr-test-42");
  auto lines = waitForLinesOf(server, "corr-test-42");
  REQUIRE_FALSE(lines.empty());
  for (const auto& line : lines) {
    // Never a password in any line of the request.
    CHECK(boost::json::serialize(line).find("Lantern-orchard-4711") == std::string::npos);
  }
  // Every line the request caused carries its id, including the module's own ("user created"
  // names the new user's id, so it can be told apart from other requests' lines).
  auto payload = queryDb(server.dataDir() / "identity.db", "SELECT payload FROM outbox WHERE type = 'UserRegistered'");
  auto userId = std::string(boost::json::parse(payload.at(0).at(0).value()).at("userId").as_string());
  int moduleLines = 0;
  for (const auto& line : server.logLines()) {
    auto text = boost::json::serialize(line);
    if (text.find(userId) == std::string::npos || line.contains("status")) continue;
    ++moduleLines;
    CAPTURE(text);
    CHECK((line.contains("requestId") && line.at("requestId").as_string() == "corr-test-42"));
  }
  CHECK(moduleLines >= 1);
}

TEST_CASE("kernel: every log line is one JSON object with time, level, message and module") {
  TestServer server;
  server.get("/health");
  server.get("/nope");
  auto last = server.post("/api/v1/auth/register", "{bad");
  waitForLinesOf(server, last.header("x-request-id"));
  std::istringstream in(server.logs());
  std::string line;
  int count = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    CAPTURE(line);
    boost::system::error_code ec;
    auto value = boost::json::parse(line, ec);
    REQUIRE_FALSE(ec);
    REQUIRE(value.is_object());
    for (auto key : {"time", "level", "message", "module"}) CHECK(value.as_object().contains(key));
    ++count;
  }
  CHECK(count >= 4);
}

TEST_CASE("kernel: CORS answers allowed origins only") {
  TestServer::Options options;
  options.env = {{"BOXOFFICE_CORS_ALLOWED_ORIGINS", "https://tickets.example"}};
  TestServer server(options);
  auto allowed = server.get("/health", {{"Origin", "https://tickets.example"}});
  CHECK(allowed.header("access-control-allow-origin") == "https://tickets.example");
  auto denied = server.get("/health", {{"Origin", "https://evil.example"}});
  CHECK(denied.header("access-control-allow-origin") == "");
  auto preflight = server.request("OPTIONS", "/api/v1/auth/register", {},
                                  {{"Origin", "https://tickets.example"}, {"Access-Control-Request-Method", "POST"}});
  CHECK(preflight.status / 100 == 2);
  CHECK(preflight.header("access-control-allow-methods").find("POST") != std::string::npos);
}

TEST_CASE("kernel: dead letters are listed for admins only") {
  TestServer server;
  checkProblem(server.get("/api/v1/admin/dead-letters"), 401, "unauthorized");
  auto user = server.tokenFor("User");
  checkProblem(server.get("/api/v1/admin/dead-letters", TestServer::bearer(user)), 403, "forbidden");
  auto organizer = server.tokenFor("Organizer");
  checkProblem(server.get("/api/v1/admin/dead-letters", TestServer::bearer(organizer)), 403, "forbidden");
  checkProblem(server.post("/api/v1/admin/dead-letters/x/replay", "", TestServer::bearer(user)), 403, "forbidden");
  checkProblem(server.get("/api/v1/admin/dead-letters", {{"Authorization", "Bearer not-a-jwt"}}), 401, "unauthorized");

  auto admin = server.tokenFor("Admin");
  auto r = server.get("/api/v1/admin/dead-letters", TestServer::bearer(admin));
  REQUIRE(r.status == 200);
  auto body = r.json().as_object();
  CHECK(body.at("items").as_array().empty());
  CHECK(body.at("page").to_number<int>() == 1);
  CHECK(body.at("size").to_number<int>() == 20);
  CHECK(body.at("totalItems").to_number<int>() == 0);
  CHECK(body.at("totalPages").to_number<int>() == 0);
  checkProblem(server.get("/api/v1/admin/dead-letters?size=1000", TestServer::bearer(admin)), 400);
  checkProblem(server.get("/api/v1/admin/dead-letters?page=0", TestServer::bearer(admin)), 400);
  checkProblem(server.post("/api/v1/admin/dead-letters/3f1c2b9e-0000-4000-8000-000000000000/replay", "",
                           TestServer::bearer(admin)),
               404);
}

TEST_CASE("kernel: an admin lists a dead letter and replays it once") {
  TestServer server;
  auto admin = server.tokenFor("Admin");
  // A message the inventory subscriber gave up on. Dead letters come from handlers that keep
  // failing; none of today's handlers can be made to fail over HTTP, so the rows are written as
  // the bus writes them. The message type is one inventory ignores, so the replay succeeds.
  const std::string messageId = "7d1f7f0e-52a1-4b8e-9a57-0c6d8f2e1a10";
  const std::string deadId = "5e0c3a52-8b9f-4c1e-a2d4-3f6b7e8d9c01";
  boost::json::object envelope{{"messageId", messageId},
                               {"occurredAt", "2026-01-01T00:00:00Z"},
                               {"topic", "events"},
                               {"type", "SomethingIrrelevant"},
                               {"version", 1},
                               {"correlationId", "dl-corr"},
                               {"causationId", "dl-corr"},
                               {"payload", boost::json::object{}}};
  execDb(server.dataDir() / "inventory.db",
         "INSERT INTO inbox (subscriber, message_id, topic, type, envelope, status, attempts, next_attempt_ms, "
         "last_error, received_at) VALUES ('inventory', '" +
             messageId + "', 'events', 'SomethingIrrelevant', '" + boost::json::serialize(envelope) +
             "', 'dead', 5, 0, 'boom', '2026-01-01T00:00:00Z');"
             "INSERT INTO dead_letters (id, subscriber, message_id, topic, type, attempts, error, dead_at) VALUES ('" +
             deadId + "', 'inventory', '" + messageId +
             "', 'events', 'SomethingIrrelevant', 5, 'boom', "
             "'2026-01-01T00:00:01Z');");

  auto list = server.get("/api/v1/admin/dead-letters", TestServer::bearer(admin));
  REQUIRE(list.status == 200);
  auto items = list.json().at("items").as_array();
  REQUIRE(items.size() == 1);
  CHECK(items[0].at("id").as_string() == deadId);
  CHECK(items[0].at("messageId").as_string() == messageId);
  CHECK(items[0].at("subscriber").as_string() == "inventory");
  CHECK(items[0].at("attempts").to_number<int>() == 5);
  CHECK(items[0].at("replayedAt").is_null());

  auto replay = server.post("/api/v1/admin/dead-letters/" + deadId + "/replay", "", TestServer::bearer(admin));
  CHECK(replay.status == 202);
  CHECK(eventually([&] {
    auto rows =
        queryDb(server.dataDir() / "inventory.db", "SELECT status FROM inbox WHERE message_id = '" + messageId + "'");
    return rows.size() == 1 && rows[0][0] == "done";
  }));
  auto again = server.post("/api/v1/admin/dead-letters/" + deadId + "/replay", "", TestServer::bearer(admin));
  checkProblem(again, 409);
  auto after = server.get("/api/v1/admin/dead-letters", TestServer::bearer(admin)).json();
  CHECK(after.at("items").at(0).at("replayedAt").is_string());
}
