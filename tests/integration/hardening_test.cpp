// What one hostile client can do to everyone else, against the real binary: floods of sign-ins,
// connections held open, guesses at one account from everywhere, invalid tokens by the hundred,
// and headers that claim to come from a proxy. Each case reproduces a probe of issue 12 and
// fails if the defect it found comes back.
#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <doctest/doctest.h>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http_client.hpp"
#include "json_text.hpp"
#include "problem_check.hpp"
#include "test_server.hpp"
#include "token_mint.hpp"

using namespace boxoffice::testing;
using namespace std::chrono_literals;

namespace {

constexpr const char* kPassword = "Lantern-orchard-4711";

HttpResult signIn(TestServer& server, const std::string& email, const std::string& password = kPassword,
                  const std::string& deviceToken = {}) {
  boost::json::object body{{"email", email}, {"password", password}};
  if (!deviceToken.empty()) body["deviceToken"] = deviceToken;
  return server.post("/api/v1/auth/token", boost::json::serialize(body));
}

HttpResult signUp(TestServer& server, const std::string& email) {
  return server.post("/api/v1/auth/register",
                     json({{"email", email}, {"password", kPassword}, {"displayName", "Hardening Test"}}));
}

double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1));
  return values[index];
}

}  // namespace

TEST_CASE("hardening: 200 parallel sign-ins neither starve other routes nor pile up behind the hash") {
  TestServer::Options options;
  // The per-network budget is lifted so the flood reaches the hashing pool: what is tested here
  // is that the pool, not the shared workers, absorbs it.
  options.env = {{"BOXOFFICE_IDENTITY_PASSWORD_HASHING_THREADS", "2"},
                 {"BOXOFFICE_IDENTITY_PASSWORD_HASHING_QUEUE", "4"}};
  TestServer server(options);
  auto buyer = mintToken("User");

  std::atomic<int> unauthorized{0}, busy{0}, other{0};
  std::atomic<bool> retryAfterOnBusy{true};
  std::atomic<bool> flooding{true};
  std::vector<double> latenciesMs;
  std::mutex latenciesMutex;
  std::thread prober([&] {
    // A route on the shared workers, asked again and again while the flood runs.
    while (flooding.load()) {
      auto started = std::chrono::steady_clock::now();
      auto r = server.get("/api/v1/events/categories", TestServer::bearer(buyer.token));
      double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
      CHECK(r.status == 200);
      std::lock_guard lock(latenciesMutex);
      latenciesMs.push_back(ms);
    }
  });
  // 50 clients in parallel, for at least 200 sign-ins and 3 seconds.
  std::atomic<int> sent{0};
  auto until = std::chrono::steady_clock::now() + 3s;
  runConcurrently(50, [&](int thread) {
    for (int i = 0; sent.load() < 200 || std::chrono::steady_clock::now() < until; ++i) {
      ++sent;
      auto r = signIn(server, "nobody-" + std::to_string(thread) + "-" + std::to_string(i) + "@example.org",
                      "Some-guess-123");
      if (r.status == 401) {
        ++unauthorized;
      } else if (r.status == 503) {
        ++busy;
        if (r.header("retry-after").empty()) retryAfterOnBusy = false;
      } else {
        ++other;
      }
    }
  });
  flooding = false;
  prober.join();

  INFO("401: ", unauthorized.load(), ", 503: ", busy.load(), ", probes: ", latenciesMs.size());
  CHECK(unauthorized + busy == sent.load());
  CHECK(unauthorized > 0);
  CHECK(other == 0);
  CHECK(busy > 0);  // the bounded queue refused what it could not take
  CHECK(retryAfterOnBusy);
  REQUIRE(latenciesMs.size() >= 5);
  double p99 = percentile(latenciesMs, 0.99);
  MESSAGE("sign-ins: ", sent.load(), " (401: ", unauthorized.load(), ", 503: ", busy.load(),
          "); p99 of GET /api/v1/events/categories during the flood: ", p99, " ms over ", latenciesMs.size(),
          " probes");
  // Before: 20-29 s, every worker waiting on the hash semaphore. Now the workers are never
  // involved; the bound is loose for a shared 2-core machine whose cores the hashes keep busy.
  CHECK(p99 < 2000);
}

TEST_CASE("hardening: sign-ins and sign-ups are charged per network before any hash") {
  TestServer::Options options;
  options.env = {{"BOXOFFICE_RATE_LIMIT_CREDENTIALS_PER_MINUTE", "1"}, {"BOXOFFICE_RATE_LIMIT_CREDENTIALS_BURST", "3"}};
  TestServer server(options);
  CHECK(signUp(server, "first@example.org").status == 202);
  CHECK(signIn(server, "first@example.org").status == 200);
  CHECK(signIn(server, "someone@example.org").status == 401);
  // Whatever the email, the fourth costs the network its budget.
  auto limited = signIn(server, "another@example.org");
  checkProblem(limited, 429, "rate-limited");
  CHECK(std::stoi(limited.header("retry-after")) >= 1);
  checkProblem(signUp(server, "second@example.org"), 429, "rate-limited");
  // Nothing was created by the refused sign-up.
  CHECK(server.get("/health").status == 200);
}

TEST_CASE("hardening: guesses at one account are braked from anywhere, but not the owner's known device") {
  TestServer::Options options;
  options.env = {{"BOXOFFICE_IDENTITY_ACCOUNT_BRAKE_FREE_FAILURES", "3"}};
  TestServer server(options);
  REQUIRE(signUp(server, "owner@example.org").status == 202);
  auto first = signIn(server, "owner@example.org");
  REQUIRE(first.status == 200);
  auto device = str(first.json().at("deviceToken"));
  CHECK(device.starts_with("dv1."));

  // The attacker has no device token; three wrong guesses, then the account makes everyone wait.
  for (int i = 0; i < 3; ++i)
    CHECK(signIn(server, "owner@example.org", "Wrong-guess-" + std::to_string(i)).status == 401);
  auto braked = signIn(server, "owner@example.org");  // even with the right password
  checkProblem(braked, 429, "rate-limited");
  CHECK(std::stoi(braked.header("retry-after")) >= 1);

  // The owner's device is not braked, and its token stays the same.
  auto owner = signIn(server, "owner@example.org", kPassword, device);
  REQUIRE_MESSAGE(owner.status == 200, owner.body);
  CHECK(str(owner.json().at("deviceToken")) == device);
  // A device token of another account does not open this one's brake.
  REQUIRE(signUp(server, "other@example.org").status == 202);
  auto otherDevice = str(signIn(server, "other@example.org").json().at("deviceToken"));
  // The owner's success cleared the count, so fail again to brake it.
  for (int i = 0; i < 3; ++i)
    CHECK(signIn(server, "owner@example.org", "Wrong-again-" + std::to_string(i)).status == 401);
  checkProblem(signIn(server, "owner@example.org", kPassword, otherDevice), 429, "rate-limited");

  // An email without an account is braked the same way: the brake tells nobody who exists.
  for (int i = 0; i < 3; ++i) CHECK(signIn(server, "ghost@example.org", "Guess-" + std::to_string(i)).status == 401);
  checkProblem(signIn(server, "ghost@example.org"), 429, "rate-limited");
}

TEST_CASE("hardening: invalid bearer tokens are counted per network and turn into 429") {
  TestServer::Options options;
  options.env = {{"BOXOFFICE_RATE_LIMIT_AUTH_FAILURES_PER_MINUTE", "1"},
                 {"BOXOFFICE_RATE_LIMIT_AUTH_FAILURES_BURST", "5"}};
  TestServer server(options);
  auto valid = mintToken("User");
  int unauthorized = 0;
  int limited = 0;
  for (int i = 0; i < 30; ++i) {
    auto r = server.get("/api/v1/users/me", TestServer::bearer("not.a.token" + std::to_string(i)));
    if (r.status == 401) ++unauthorized;
    if (r.status == 429) {
      ++limited;
      CHECK(std::stoi(r.header("retry-after")) >= 1);
    }
  }
  CHECK(unauthorized == 5);
  CHECK(limited == 25);
  // The wrong scheme counts too.
  checkProblem(server.get("/api/v1/users/me", {{"Authorization", "Basic YTpi"}}), 429, "rate-limited");
  // A valid token from the same network still works: only failures are counted.
  CHECK(server.get("/api/v1/events/categories", TestServer::bearer(valid.token)).status == 200);
}

TEST_CASE("hardening: one client network cannot take every connection") {
  TestServer::Options options;
  options.env = {{"BOXOFFICE_SERVER_MAX_CONNECTIONS_PER_CLIENT", "4"}};
  TestServer server(options);
  auto held = holdConnections(server.port(), 4);
  // The fifth from 127.0.0.1 is closed unanswered...
  RawConnection fifth(server.port(), 5s);
  fifth.trySend(formatRequest("GET", "/health", {}, {}, server.port()));
  CHECK(fifth.waitForClose(5s));
  // ...while another client (127.0.0.2) is served.
  RawConnection neighbour(server.port(), 5s, "127.0.0.2");
  neighbour.send(formatRequest("GET", "/health", {}, {}, server.port()));
  CHECK(neighbour.readResponse().status == 200);
  // Once the first client lets go, it may connect again.
  held.clear();
  bool served = false;
  for (int i = 0; i < 50 && !served; ++i) {
    try {
      RawConnection again(server.port(), 2s);
      again.send(formatRequest("GET", "/health", {}, {}, server.port()));
      served = again.readResponse().status == 200;
    } catch (const std::exception&) {
      std::this_thread::sleep_for(50ms);
    }
  }
  CHECK(served);
}

TEST_CASE("hardening: a connection that never asks anything is closed after the first-request timeout") {
  TestServer::Options options;
  options.env = {{"BOXOFFICE_SERVER_FIRST_REQUEST_TIMEOUT_MS", "300"}, {"BOXOFFICE_SERVER_IDLE_TIMEOUT_MS", "20000"}};
  TestServer server(options);
  RawConnection silent(server.port(), 10s);
  auto started = std::chrono::steady_clock::now();
  CHECK(silent.waitForClose(8s));
  CHECK(std::chrono::steady_clock::now() - started < 5s);
  // A client that has asked something gets keep-alive's longer wait.
  RawConnection talking(server.port(), 10s);
  talking.send(formatRequest("GET", "/health", {}, {}, server.port()));
  REQUIRE(talking.readResponse().status == 200);
  CHECK_FALSE(talking.waitForClose(1500ms));
  talking.send(formatRequest("GET", "/health", {}, {}, server.port()));
  CHECK(talking.readResponse().status == 200);
}

TEST_CASE("hardening: a full server still answers its probes on the reserved connections") {
  TestServer::Options options;
  options.env = {{"BOXOFFICE_SERVER_MAX_CONNECTIONS", "3"}, {"BOXOFFICE_SERVER_RESERVED_CONNECTIONS", "2"}};
  TestServer server(options);
  auto heldA = holdConnections(server.port(), 1, "127.0.0.3");
  auto heldB = holdConnections(server.port(), 2, "127.0.0.4");
  // Full: a probe is answered (once, then closed); anything else is 503 server-busy.
  RawConnection probe(server.port(), 5s);
  probe.send(formatRequest("GET", "/ready", {}, {}, server.port()));
  auto ready = probe.readResponse();
  CHECK(ready.status == 200);
  CHECK(ready.header("connection") == "close");
  RawConnection business(server.port(), 5s);
  business.send(formatRequest("GET", "/api/v1/events", {}, {}, server.port()));
  auto refused = business.readResponse();
  CHECK(refused.status == 503);
  CHECK(refused.body.find("server-busy") != std::string::npos);
  // Past the reserve as well: closed at once.
  RawConnection reserveA(server.port(), 5s);
  RawConnection reserveB(server.port(), 5s);
  RawConnection beyond(server.port(), 5s);
  beyond.trySend(formatRequest("GET", "/health", {}, {}, server.port()));
  CHECK(beyond.waitForClose(5s));
}

TEST_CASE("hardening: behind a trusted proxy each client gets its own budget, nobody else is believed") {
  auto budgets = [](bool trustLoopback) {
    TestServer::Options options;
    options.generousRateLimits = false;
    options.env = {{"BOXOFFICE_RATE_LIMIT_ANONYMOUS_PER_SECOND", "1"}, {"BOXOFFICE_RATE_LIMIT_ANONYMOUS_BURST", "3"}};
    if (trustLoopback) options.env.emplace_back("BOXOFFICE_SERVER_TRUSTED_PROXIES", "127.0.0.1");
    TestServer server(options);
    auto from = [&](const std::string& client) {
      return server.get("/api/v1/events", {{"X-Forwarded-For", "6.6.6.6, " + client}});
    };
    for (int i = 0; i < 3; ++i) REQUIRE(from("198.51.100.1").status == 200);
    bool firstLimited = from("198.51.100.1").status == 429;
    bool secondServed = from("198.51.100.2").status == 200;
    return std::pair{firstLimited, secondServed};
  };
  // Trusted: the rightmost address is the client (the prepended 6.6.6.6 changes nothing).
  auto [trustedFirstLimited, trustedSecondServed] = budgets(true);
  CHECK(trustedFirstLimited);
  CHECK(trustedSecondServed);
  // Not trusted: the header is ignored, so both "clients" are 127.0.0.1 and share one budget.
  auto [plainFirstLimited, plainSecondServed] = budgets(false);
  CHECK(plainFirstLimited);
  CHECK_FALSE(plainSecondServed);
}
