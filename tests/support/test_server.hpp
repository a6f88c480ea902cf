#pragma once
// Integration-test support: starts the real `boxoffice` binary on an ephemeral port with a fresh
// temporary data directory, and talks HTTP to it.
//
//   TestServer server;                                  // started and ready
//   auto r = server.post("/api/v1/auth/register", R"({"email":...})");
//   CHECK(r.status == 201);
//   CHECK(r.json().at("id").is_string());
#include <boost/json.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace boxoffice::testing {

class ContractCheck;
namespace amqp {
class VirtualHost;
}  // namespace amqp
class PostgresTestDatabase;

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  boost::json::value json() const;                             // throws if the body is not JSON
  std::string header(const std::string& lowerCaseName) const;  // "" if absent
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

class TestServer {
 public:
  struct Options {
    std::vector<std::string> extraArgs;                    // appended to `serve ...`
    std::vector<std::pair<std::string, std::string>> env;  // added to the environment
    bool generousRateLimits = true;                        // rate limits high enough that tests never meet them
    std::filesystem::path dataDir;                         // empty: a fresh temporary directory, removed at the end
    bool plainHttp = true;  // false (built-in TLS): start() waits only for the "listening" line
    // Every answer request() receives is checked against /api/v1/openapi.json: an answer that
    // breaks it throws std::runtime_error naming what is wrong (contract_check.hpp).
    bool checkContract = true;
    // Wait for GET /ready to answer 200 before the constructor returns (false: only for the
    // "listening" line, for a test of a server that is not ready, such as one without its broker).
    bool waitUntilReady = true;
    // In the AMQP phase (amqp_broker.hpp), use a fresh virtual host of the suite's broker. A test
    // that brings its own broker (bus.amqp.* in `env`) sets this false.
    bool suiteBroker = true;
    // PostgreSQL superuser connection to run this server's database in; empty: BX_PG_ADMIN_URL
    // if set (the suite's PostgreSQL run), else SQLite files in the data dir.
    std::string postgresAdminUrl;
    // The port to listen on, kept across restarts; 0: an ephemeral one (a new one each start).
    // A second instance of a cluster must know it before it starts (cluster.advertiseUrl).
    std::uint16_t listenPort = 0;
  };

  TestServer();
  explicit TestServer(Options options);
  ~TestServer();  // SIGTERM and wait; SIGKILL if it does not stop in 15 s
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  std::uint16_t port() const { return port_; }
  const std::filesystem::path& dataDir() const { return dataDir_; }

  HttpResult request(const std::string& method, const std::string& target, const std::string& body = {},
                     const HeaderList& headers = {});
  HttpResult get(const std::string& target, const HeaderList& headers = {});
  HttpResult post(const std::string& target, const std::string& body,
                  const HeaderList& headers = {});  // Content-Type: application/json unless given
  HttpResult put(const std::string& target, const std::string& body, const HeaderList& headers = {});
  HttpResult del(const std::string& target, const HeaderList& headers = {});

  // Convenience for tests that need a signed-in caller of a role. Admin and Organizer users are
  // created through the `boxoffice users add` command; User through /auth/register.
  // Returns the access token; the user's id is in userIdOf(token) (the JWT's sub).
  std::string tokenFor(const std::string& role, const std::string& email = {});
  static std::string userIdOf(const std::string& accessToken);
  static HeaderList bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

  // Runs the binary with these arguments (not `serve`) against this data dir; returns exit code,
  // stdout+stderr in `output`. `stdinText` is written to its stdin.
  int runCommand(const std::vector<std::string>& args, const std::string& stdinText, std::string& output) const;

  // Sends a signal without waiting (graceful-shutdown tests: SIGTERM, then finish a request).
  void signal(int signalNumber) const;
  // Waits for the server to exit (after signal()); returns its exit status as terminate() does,
  // or -1 if it is still running after `timeoutMs` (it is then killed).
  int waitForExit(int timeoutMs = 15000);

  void kill9();     // SIGKILL, wait for exit
  int terminate();  // SIGTERM, wait; returns the exit status
  void restart();   // start again on the same data dir (a new port, unless Options::listenPort)
  // The bus.* settings of the suite broker's virtual host this server uses (empty outside the
  // AMQP phase): a second instance of a cluster joins the same one (suiteBroker = false).
  std::vector<std::pair<std::string, std::string>> brokerEnvironment() const;
  // A port free on 127.0.0.1 now (for Options::listenPort).
  static std::uint16_t freePort();
  // The PostgreSQL database this server runs on, or nullptr on SQLite (postgres_test_database.hpp).
  const PostgresTestDatabase* postgres() const { return postgres_.get(); }
  bool running() const { return pid_ > 0; }
  std::string logs() const;  // everything the server wrote to stdout/stderr so far
  // The server's log lines that parse as JSON objects (others, e.g. sanitizer reports, skipped).
  std::vector<boost::json::object> logLines() const;

 private:
  void start();
  std::vector<std::string> environment() const;
  void checkContract(const std::string& method, const std::string& target, const HttpResult& result);
  std::filesystem::path workDir_;  // mkdtemp: holds the log file, and the data dir if we own it
  std::uintmax_t logOffset_ = 0;   // where the current run's output starts in the log file
  Options options_;
  std::filesystem::path dataDir_;
  std::filesystem::path logFile_;
  bool ownsDataDir_ = false;
  int pid_ = -1;
  std::uint16_t port_ = 0;
  int starts_ = 0;
  std::shared_ptr<const ContractCheck> contract_;   // fetched on the first request
  std::unique_ptr<amqp::VirtualHost> virtualHost_;  // AMQP phase: this server's part of the broker
  // Set when the suite runs on PostgreSQL (BX_PG_ADMIN_URL): the server's own database.
  std::shared_ptr<const PostgresTestDatabase> postgres_;
  std::mutex contractMutex_;
};

// The path of the built binary (BX_BINARY from CTest, else <build>/boxoffice).
std::filesystem::path binaryPath();
// The source tree (BX_SOURCE_DIR from CTest, else the configured one).
std::filesystem::path sourceDir();

// Runs the binary once with `args` and extra environment (no server is started for you), e.g. to
// check that a bad flag fails. Returns the exit status (128 + signal if killed, -1 if it ran
// longer than `timeoutMs` and was killed); stdout+stderr in `output`.
int runBinary(const std::vector<std::string>& args, const std::vector<std::pair<std::string, std::string>>& env,
              const std::string& stdinText, std::string& output, int timeoutMs = 30000);

// Runs `fn` on `threads` threads at once (released together) and waits for all.
void runConcurrently(int threads, const std::function<void(int index)>& fn);

}  // namespace boxoffice::testing
