// storage.backend = postgresql: each module reaches only its own schema, and `serve` refuses to
// start on schemas `boxoffice migrate` has not prepared. These run only when the suite runs on
// PostgreSQL (scripts/test.sh exports BX_PG_ADMIN_URL); on SQLite they pass without checking.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "postgres_test_database.hpp"
#include "process.hpp"
#include "temp_dir.hpp"
#include "test_server.hpp"

using namespace boxoffice::testing;

namespace {
// psql as one module's role in the server's database (the private test cluster trusts local
// connections, so the role's name is all it takes; the grants are what is checked).
int asRole(const TestServer& server, const std::string& module, const std::string& sql, std::string& output) {
  const auto* database = server.postgres();
  return runPsql(database->adminUrl() + " dbname=" + database->name() + " user=" + database->name() + "_" + module, sql,
                 output);
}
}  // namespace

TEST_CASE("postgresql: the events role reads its own schema but not inventory's") {
  TestServer server;
  if (!server.postgres()) return;  // SQLite run: nothing to check
  std::string output;
  CHECK_MESSAGE(asRole(server, "events", "SELECT count(*) FROM events.events", output) == 0, output);
  // Unqualified names resolve in the role's own schema (its search_path).
  CHECK_MESSAGE(asRole(server, "events", "SELECT count(*) FROM categories", output) == 0, output);

  CHECK(asRole(server, "events", "SELECT count(*) FROM inventory.inventories", output) != 0);
  CHECK_MESSAGE(output.find("permission denied for schema inventory") != std::string::npos, output);
  CHECK(asRole(server, "events", "CREATE TABLE inventory.intruder (x int)", output) != 0);
  CHECK_MESSAGE(output.find("permission denied") != std::string::npos, output);
  // Nor may it leave anything in `public` for another role to pick up.
  CHECK(asRole(server, "events", "CREATE TABLE public.drop_box (x int)", output) != 0);
  CHECK_MESSAGE(output.find("permission denied") != std::string::npos, output);
  // And the inventory role cannot read the events schema either.
  CHECK(asRole(server, "inventory", "SELECT count(*) FROM events.events", output) != 0);
  CHECK_MESSAGE(output.find("permission denied for schema events") != std::string::npos, output);
}

TEST_CASE("postgresql: serve refuses schemas that boxoffice migrate has not prepared") {
  TestServer server;
  if (!server.postgres()) return;
  server.terminate();
  std::string output;
  // Forget that the newest events migration ran, as if the binary were newer than the schema.
  REQUIRE_MESSAGE(server.postgres()->adminSql("DELETE FROM events.kernel_migrations WHERE name = "
                                              "'0003_filter_indexes.sql'",
                                              output) == 0,
                  output);
  auto env = server.postgres()->environment();
  env.emplace_back("BOXOFFICE_AUTH_JWT_SECRET", "boxoffice-integration-tests-secret-0123456789abcdef");
  CHECK(runBinary({"serve", "--listen", "127.0.0.1:0", "--data-dir", server.dataDir().string()}, env, "", output,
                  30000) != 0);
  CHECK_MESSAGE(output.find("run `boxoffice migrate` first") != std::string::npos, output);
}

namespace {
// A cluster of the test's own (scripts/postgres-cluster.sh), so restarting it disturbs no other
// test of the suite; stopped and removed at the end.
class PrivateCluster {
 public:
  PrivateCluster() : dir_(boxoffice::test_support::makeTempDir("boxoffice-pg")) {
    std::string output;
    int code = run({"start", dir_.string()}, output);
    if (code != 0) throw std::runtime_error("cannot start a PostgreSQL cluster: " + output);
    auto at = output.find("BX_PG_ADMIN_URL='");
    if (at == std::string::npos) throw std::runtime_error("postgres-cluster.sh printed no URL: " + output);
    at += std::string_view("BX_PG_ADMIN_URL='").size();
    adminUrl_ = output.substr(at, output.find('\'', at) - at);
  }
  ~PrivateCluster() {
    std::string output;
    run({"stop", dir_.string()}, output);
  }
  PrivateCluster(const PrivateCluster&) = delete;
  PrivateCluster& operator=(const PrivateCluster&) = delete;
  const std::string& adminUrl() const { return adminUrl_; }
  // pg_ctl restart -m fast: every connection is cut, the server is back after its recovery.
  int restart(std::string& output) const { return run({"restart", dir_.string()}, output); }

 private:
  int run(std::vector<std::string> args, std::string& output) const {
    auto logFile = dir_.parent_path() / (dir_.filename().string() + ".log");
    args.insert(args.begin(), (sourceDir() / "scripts" / "postgres-cluster.sh").string());
    auto pid = process::spawn("/bin/bash", args, process::environmentWith({}), logFile);
    int code = process::waitFor(pid, 120000);
    output = process::readFile(logFile);
    std::error_code ignored;
    std::filesystem::remove(logFile, ignored);
    return code;
  }
  std::filesystem::path dir_;
  std::string adminUrl_;
};
}  // namespace

// Requests that meet the restart fail cleanly (503 storage-unavailable, problem+json, with
// Retry-After) or succeed; none gets a 500 or hangs; and the server recovers by itself.
TEST_CASE("postgresql: a restart of PostgreSQL under load answers 503 and recovers by itself") {
  if (!std::getenv("BX_PG_ADMIN_URL")) return;  // the PostgreSQL run of the suite only
  PrivateCluster cluster;
  TestServer::Options options;
  options.postgresAdminUrl = cluster.adminUrl();
  options.checkContract = false;  // 503 storage-unavailable may answer any route
  TestServer server(options);

  std::atomic<bool> stop{false};
  std::atomic<int> succeeded{0};
  std::atomic<int> unavailable{0};
  std::mutex failuresMutex;
  std::vector<std::string> failures;
  std::thread restarter([&] {
    // Some load before, during and after the restart.
    while (succeeded.load() < 20) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::string output;
    if (cluster.restart(output) != 0) {
      std::lock_guard lock(failuresMutex);
      failures.push_back("restart failed: " + output);
    }
    // Keep the load on until the server has answered well again for a while.
    int before = succeeded.load();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (succeeded.load() < before + 40 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    stop = true;
  });
  runConcurrently(4, [&](int worker) {
    for (int i = 0; !stop.load(); ++i) {
      // A write (sign-up: identity's store, and an outbox message) and a read of another store.
      auto email = "load-" + std::to_string(worker) + "-" + std::to_string(i) + "@example.org";
      auto result =
          i % 2 == 0
              ? server.post("/api/v1/auth/register",
                            R"({"email":")" + email + R"(","password":"correct-horse-battery","displayName":"L"})")
              : server.get("/api/v1/events/search?q=load");
      if (result.status == 202 || result.status == 200) {
        ++succeeded;
      } else if (result.status == 503 && result.header("content-type") == "application/problem+json" &&
                 result.body.find("storage-unavailable") != std::string::npos &&
                 !result.header("retry-after").empty()) {
        ++unavailable;
      } else {
        std::lock_guard lock(failuresMutex);
        failures.push_back(std::to_string(result.status) + " " + result.body);
        return;
      }
    }
  });
  restarter.join();
  CHECK_MESSAGE(failures.empty(), (failures.empty() ? std::string() : failures.front()));
  MESSAGE("requests answered 503 during the restart: " << unavailable.load());
  // Recovered: a fresh sign-up and a search both work without a restart of boxoffice.
  CHECK(server
            .post("/api/v1/auth/register",
                  R"({"email":"after-restart@example.org","password":"correct-horse-battery","displayName":"A"})")
            .status == 202);
  CHECK(server.get("/api/v1/events/search?q=after").status == 200);
  CHECK(server.get("/ready").status == 200);
}
