// The binary's life cycle: command line, configuration errors, graceful shutdown, and delivery
// of committed outbox messages across a kill -9.
#include <boost/json.hpp>
#include <chrono>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <memory>
#include <signal.h>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "eventually.hpp"
#include "http_client.hpp"
#include "kernel_helpers.hpp"
#include "postgres_test_database.hpp"
#include "sqlite_query.hpp"
#include "temp_dir.hpp"
#include "test_server.hpp"

using namespace boxoffice::testing;
using namespace boxoffice::test_support;
using namespace std::chrono_literals;

namespace {
std::vector<std::string> nonEmptyLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// Runs `serve` on a free port with a scratch data dir; a bad configuration must stop it at once.
int serveWith(const std::vector<std::string>& extraArgs, const std::vector<std::pair<std::string, std::string>>& env,
              std::string& output) {
  TempDir dir{"boxoffice-cli"};
  std::vector<std::string> args{"serve", "--listen", "127.0.0.1:0", "--data-dir", (dir.path() / "data").string()};
  args.insert(args.end(), extraArgs.begin(), extraArgs.end());
  return runBinary(args, env, "", output, 20000);
}

// The error is one line (not a dump or a stack trace) naming what is wrong. JSON log lines the
// server wrote before it met the problem are not part of the message and are skipped.
void checkOneLineError(int code, const std::string& output, const std::string& mustName) {
  CAPTURE(output);
  CHECK(code != 0);
  CHECK(code != -1);  // it stopped by itself rather than running on
  CHECK(code < 128);  // and was not killed by a signal (abort, segfault)
  std::vector<std::string> messages;
  for (const auto& line : nonEmptyLines(output)) {
    if (!line.starts_with("{\"")) messages.push_back(line);
  }
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].find(mustName) != std::string::npos);
}

std::vector<std::filesystem::path> databases(const std::filesystem::path& dataDir) {
  std::vector<std::filesystem::path> out;
  for (const auto& entry : std::filesystem::directory_iterator(dataDir)) {
    if (entry.path().extension() == ".db") out.push_back(entry.path());
  }
  return out;
}

// Every inbox row of `messageId` in any module database has been handled.
bool handledEverywhere(const std::filesystem::path& dataDir, const std::string& messageId) {
  for (const auto& db : databases(dataDir)) {
    for (const auto& row : queryDb(db, "SELECT status FROM inbox WHERE message_id = '" + messageId + "'")) {
      if (row[0] != "done") return false;
    }
  }
  return true;
}
}  // namespace

TEST_CASE("kernel: --version and --help") {
  std::string output;
  CHECK(runBinary({"--version"}, {}, "", output) == 0);
  CHECK(output.starts_with("boxoffice "));
  CHECK(output.find_first_of("0123456789") != std::string::npos);

  CHECK(runBinary({"--help"}, {}, "", output) == 0);
  CHECK(output.find("serve") != std::string::npos);
  CHECK(output.find("migrate") != std::string::npos);
  CHECK(output.find("users add") != std::string::npos);
}

TEST_CASE("kernel: a bad flag or command is one line and a non-zero exit") {
  std::string output;
  checkOneLineError(runBinary({"--bogus-flag"}, {}, "", output), output, "bogus-flag");
  checkOneLineError(runBinary({"serve", "--listen"}, {}, "", output), output, "listen");
  checkOneLineError(runBinary({"frobnicate"}, {}, "", output), output, "frobnicate");
  checkOneLineError(runBinary({"users", "add", "--email", "a@b.c"}, {}, "", output), output, "--role");
  checkOneLineError(serveWith({"--listen", "nonsense"}, {}, output), output, "listen");
  checkOneLineError(serveWith({"--listen", "127.0.0.1:99999"}, {}, output), output, "listen");
}

TEST_CASE("kernel: an unknown config key stops the start, naming the key") {
  std::string output;
  SUBCASE("in the environment") {
    checkOneLineError(serveWith({}, {{"BOXOFFICE_NOPE", "1"}}, output), output, "BOXOFFICE_NOPE");
  }
  SUBCASE("in a --config file") {
    TempDir dir{"boxoffice-cli"};
    auto file = dir.path() / "config.json";
    std::ofstream(file) << R"({"server": {"listen": "127.0.0.1:0", "nope": 1}})";
    checkOneLineError(serveWith({"--config", file.string()}, {}, output), output, "server.nope");
  }
  SUBCASE("a bad value names the key too") {
    checkOneLineError(serveWith({}, {{"BOXOFFICE_SERVER_BODY_LIMIT_BYTES", "lots"}}, output), output,
                      "server.bodyLimitBytes");
  }
  SUBCASE("a config file that is not JSON") {
    TempDir dir{"boxoffice-cli"};
    auto file = dir.path() / "config.json";
    std::ofstream(file) << "{ this is not json";
    checkOneLineError(serveWith({"--config", file.string()}, {}, output), output, "config.json");
  }
  SUBCASE("a config file that does not exist") {
    checkOneLineError(serveWith({"--config", "/nonexistent/boxoffice.json"}, {}, output), output,
                      "/nonexistent/boxoffice.json");
  }
}

TEST_CASE("kernel: flags beat the environment, which beats the config file") {
  TempDir dir{"boxoffice-cli"};
  auto file = dir.path() / "config.json";
  std::ofstream(file) << R"({"server": {"bodyLimitBytes": 100}})";
  TestServer::Options options;
  options.extraArgs = {"--config", file.string()};
  SUBCASE("file only: a 200-byte body is too large") {
    TestServer server(options);
    checkProblem(server.post("/api/v1/auth/register", "{" + std::string(200, ' ') + "}"), 413);
  }
  SUBCASE("environment over file") {
    options.env = {{"BOXOFFICE_SERVER_BODY_LIMIT_BYTES", "100000"}};
    TestServer server(options);
    checkProblem(server.post("/api/v1/auth/register", "{" + std::string(200, ' ') + "}"), 400);
  }
  SUBCASE("flag over environment") {
    // The harness passes --data-dir; the environment names another directory.
    auto elsewhere = dir.path() / "env-data";
    options.env = {{"BOXOFFICE_STORAGE_DATA_DIR", elsewhere.string()}};
    TestServer server(options);
    if (server.postgres()) return;  // no module files on PostgreSQL: the data dir holds none
    CHECK(std::filesystem::exists(server.dataDir() / "identity.db"));
    CHECK_FALSE(std::filesystem::exists(elsewhere / "identity.db"));
  }
}

TEST_CASE("kernel: `boxoffice migrate` creates every module database and is repeatable") {
  TempDir dir{"boxoffice-cli"};
  auto data = dir.path() / "data";
  std::string output;
  REQUIRE(runBinary({"migrate", "--data-dir", data.string()}, {{"BOXOFFICE_AUTH_JWT_SECRET", std::string(40, 'k')}}, "",
                    output) == 0);
  CHECK(std::filesystem::exists(data / "identity.db"));
  auto applied = queryDb(data / "identity.db", "SELECT COUNT(*) FROM kernel_migrations");
  CHECK(std::stoi(applied.at(0).at(0).value()) >= 1);
  CHECK(runBinary({"migrate", "--data-dir", data.string()}, {{"BOXOFFICE_AUTH_JWT_SECRET", std::string(40, 'k')}}, "",
                  output) == 0);
  CHECK(queryDb(data / "identity.db", "SELECT COUNT(*) FROM kernel_migrations") == applied);
}

TEST_CASE("kernel: `boxoffice migrate` opens every store and builds no module") {
  TempDir dir{"boxoffice-cli"};
  auto data = dir.path() / "data";
  std::string output;
  // No JWT secret: building identity would generate and store a development key and warn.
  REQUIRE(runBinary({"migrate", "--data-dir", data.string()}, {}, "", output) == 0);
  for (const auto* store : {"identity.db", "events.db", "inventory.db"}) {
    CAPTURE(store);
    CHECK(std::stoi(queryDb(data / store, "SELECT COUNT(*) FROM kernel_migrations").at(0).at(0).value()) >= 1);
  }
  CHECK(queryDb(data / "identity.db", "SELECT COUNT(*) FROM identity_settings").at(0).at(0).value() == "0");
  CHECK(output.find("development key") == std::string::npos);
}

TEST_CASE("kernel: an edited applied migration stops the start with a clear message") {
  TestServer server;
  server.terminate();
  // The first applied (migrations apply in name order), in SQL both backends accept.
  execDb(server.dataDir() / "identity.db",
         "UPDATE kernel_migrations SET checksum = 'edited' WHERE name = (SELECT MIN(name) FROM kernel_migrations)");
  auto name = queryDb(server.dataDir() / "identity.db", "SELECT name FROM kernel_migrations ORDER BY name LIMIT 1")
                  .at(0)
                  .at(0)
                  .value();
  std::string output;
  std::vector<std::pair<std::string, std::string>> env{{"BOXOFFICE_AUTH_JWT_SECRET", std::string(40, 'k')}};
  if (const auto* database = server.postgres()) {
    auto storage = database->environment();
    env.insert(env.end(), storage.begin(), storage.end());
  }
  int code =
      runBinary({"serve", "--listen", "127.0.0.1:0", "--data-dir", server.dataDir().string()}, env, "", output, 20000);
  CAPTURE(output);
  CHECK(code != 0);
  CHECK(code != -1);
  CHECK(output.find(name) != std::string::npos);
}

TEST_CASE("kernel: SIGTERM stops the server cleanly with exit code 0") {
  TestServer server;
  REQUIRE(server.get("/health").status == 200);
  auto started = std::chrono::steady_clock::now();
  CHECK(server.terminate() == 0);
  CHECK(std::chrono::steady_clock::now() - started < 5s);
  auto logs = server.logs();
  CHECK(logs.find("\"shutting down\"") != std::string::npos);
}

TEST_CASE("kernel: SIGINT (Ctrl-C) stops the server cleanly too") {
  TestServer server;
  server.signal(SIGINT);
  CHECK(server.waitForExit() == 0);
}

TEST_CASE("kernel: idle keep-alive connections do not hold up shutdown") {
  TestServer server;
  RawConnection idle(server.port());
  idle.send(formatRequest("GET", "/health", {}, {}, server.port()));
  REQUIRE(idle.readResponse().status == 200);
  auto started = std::chrono::steady_clock::now();
  CHECK(server.terminate() == 0);
  CHECK(std::chrono::steady_clock::now() - started < 5s);  // well under the 10 s grace
  CHECK(idle.waitForClose(2s));
}

TEST_CASE("kernel: requests being handled at SIGTERM still get their answers") {
  TestServer server;
  // Registrations hash a password (argon2id, ~64 MiB each, a few at a time): four of them are
  // still running or queued when the signal lands.
  constexpr int kRequests = 4;
  std::vector<std::unique_ptr<RawConnection>> connections;
  for (int i = 0; i < kRequests; ++i) {
    connections.push_back(std::make_unique<RawConnection>(server.port()));
    // A first request makes sure the connection has been accepted before the signal.
    connections.back()->send(formatRequest("GET", "/health", {}, {}, server.port()));
    REQUIRE(connections.back()->readResponse().status == 200);
  }
  for (int i = 0; i < kRequests; ++i) {
    auto email = "inflight" + std::to_string(i) + "@example.com";
    connections[i]->send(formatRequest(
        "POST", "/api/v1/auth/register", registerBody(email),
        {{"Content-Type", "application/json"}, {"X-Request-Id", "inflight-" + std::to_string(i)}}, server.port()));
  }
  // All of them have reached the server (the scrape counts itself too).
  REQUIRE(eventually(
      [&] { return sampleValue(server.get("/metrics").body, "http_requests_in_flight ") >= kRequests + 1; }, 5s, 1ms));
  server.signal(SIGTERM);
  for (auto& connection : connections) CHECK(connection->readResponse().status == 202);
  CHECK(server.waitForExit() == 0);
  // They were committed, not just answered.
  auto rows = queryDb(server.dataDir() / "identity.db", "SELECT COUNT(*) FROM users WHERE email LIKE 'inflight%'");
  CHECK(rows.at(0).at(0) == std::to_string(kRequests));
  // And the shutdown really waited for one: an answer was logged after "shutting down" (if every
  // hash had finished before the signal, this test would prove nothing and fails instead).
  auto logs = server.logs();
  auto shutdownAt = logs.find("\"shutting down\"");
  REQUIRE(shutdownAt != std::string::npos);
  CHECK(logs.find("\"requestId\":\"inflight-", shutdownAt) != std::string::npos);
}

TEST_CASE("kernel: a request half received at SIGTERM is finished and answered") {
  TestServer server;
  RawConnection connection(server.port());
  connection.send(formatRequest("GET", "/health", {}, {}, server.port()));
  REQUIRE(connection.readResponse().status == 200);
  auto body = registerBody("halfway@example.com");
  auto request =
      formatRequest("POST", "/api/v1/auth/register", body, {{"Content-Type", "application/json"}}, server.port());
  auto half = request.size() - body.size() / 2;
  connection.send(request.substr(0, half));
  std::this_thread::sleep_for(200ms);
  server.signal(SIGTERM);
  std::this_thread::sleep_for(300ms);
  connection.send(request.substr(half));
  auto r = connection.readResponse();
  CHECK(r.status == 202);
  CHECK(r.header("connection") == "close");  // no further requests on a closing server
  CHECK(server.waitForExit() == 0);
}

TEST_CASE("kernel: after a kill -9, committed outbox messages are delivered on restart") {
  TestServer server;
  // Several registrations answered 202, then the process dies without any chance to flush.
  for (int i = 0; i < 5; ++i) {
    auto r = server.post("/api/v1/auth/register", registerBody("crash" + std::to_string(i) + "@example.com"));
    REQUIRE(r.status == 202);
  }
  server.kill9();
  auto identityDb = server.dataDir() / "identity.db";
  auto rows = queryDb(identityDb, "SELECT message_id FROM outbox WHERE type = 'UserRegistered' ORDER BY seq");
  REQUIRE(rows.size() == 5);  // every answered registration's message is durable

  // Make the crash window certain: as if the process died between commit and dispatch for the
  // last two messages (a real kill -9 lands there only sometimes).
  execDb(identityDb,
         "UPDATE outbox SET dispatched_at = NULL WHERE seq IN (SELECT seq FROM outbox "
         "WHERE type = 'UserRegistered' ORDER BY seq DESC LIMIT 2)");
  CHECK(queryDb(identityDb, "SELECT COUNT(*) FROM outbox WHERE dispatched_at IS NULL").at(0).at(0) == "2");

  server.restart();
  CHECK(eventually(
      [&] { return queryDb(identityDb, "SELECT COUNT(*) FROM outbox WHERE dispatched_at IS NULL").at(0).at(0) == "0"; },
      15s));
  for (const auto& row : rows) CHECK(eventually([&] { return handledEverywhere(server.dataDir(), *row[0]); }, 15s));
  // Users survived too, and the server works.
  CHECK(queryDb(identityDb, "SELECT COUNT(*) FROM users WHERE email LIKE 'crash%'").at(0).at(0) == "5");
  CHECK(server.get("/health").status == 200);
}

TEST_CASE("kernel: the data survives a kill -9 right after a 202") {
  TestServer server;
  auto r = server.post("/api/v1/auth/register", registerBody("durable@example.com"));
  REQUIRE(r.status == 202);
  server.kill9();
  server.restart();
  auto token =
      server.post("/api/v1/auth/token", R"({"email":"durable@example.com","password":"Lantern-orchard-4711"})");
  CHECK(token.status == 200);
}

TEST_CASE("kernel: a second serve on the same SQLite data directory stops with a clear message") {
  TestServer server;
  if (server.postgres() != nullptr) {
    MESSAGE("not applicable on PostgreSQL: instances there share a database, not a data directory");
    return;
  }
  std::string output;
  int code = runBinary({"serve", "--listen", "127.0.0.1:0", "--data-dir", server.dataDir().string()},
                       {{"BOXOFFICE_AUTH_JWT_SECRET", std::string(40, 'k')}}, "", output, 20000);
  CAPTURE(output);
  CHECK(code != 0);
  CHECK(code != -1);  // it stopped by itself instead of serving beside the first
  CHECK(output.find("another boxoffice serve is running on data directory") != std::string::npos);
  CHECK(server.get("/health").status == 200);  // the first one is untouched
  // The lock goes with the process, however it ends: a restart after kill -9 is not refused.
  server.kill9();
  server.restart();
  CHECK(server.get("/health").status == 200);
}

TEST_CASE("kernel: a second serve on the same PostgreSQL database stops with a clear message") {
  TestServer server;
  if (server.postgres() == nullptr) {
    MESSAGE("PostgreSQL only (BX_PG_ADMIN_URL unset): on SQLite the data-directory lock refuses it");
    return;
  }
  // Its own data dir, the first one's database: inventory decides seats in one process's memory,
  // so the second instance must not start beside it (the inventory writer's advisory lock).
  auto otherDir = std::filesystem::temp_directory_path() / ("boxoffice-second-" + std::to_string(::getpid()));
  auto environment = server.postgres()->environment();
  environment.emplace_back("BOXOFFICE_AUTH_JWT_SECRET", std::string(40, 'k'));
  std::string output;
  int code =
      runBinary({"serve", "--listen", "127.0.0.1:0", "--data-dir", otherDir.string()}, environment, "", output, 30000);
  std::filesystem::remove_all(otherDir);
  CAPTURE(output);
  CHECK(code != 0);
  CHECK(code != -1);  // it stopped by itself instead of serving beside the first
  CHECK(output.find("another boxoffice instance is serving this PostgreSQL database") != std::string::npos);
  CHECK(server.get("/health").status == 200);  // the first one is untouched
  // The lock goes with the first one's connection: a restart after kill -9 takes it again.
  server.kill9();
  server.restart();
  CHECK(server.get("/health").status == 200);
}
