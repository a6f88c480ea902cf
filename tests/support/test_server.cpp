// TestServer: the real binary as a child process on an ephemeral port with its own data dir.
#include "test_server.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <signal.h>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include "amqp_broker.hpp"
#include "contract_check.hpp"
#include "http_client.hpp"
#include "postgres_test_database.hpp"
#include "process.hpp"

namespace boxoffice::testing {

namespace {
using namespace std::chrono_literals;

// A fixed secret so tokens are stable within a run; it is only ever used by test servers.
constexpr const char* kTestJwtSecret = "boxoffice-integration-tests-secret-0123456789abcdef";
constexpr auto kStartTimeout = 20s;
// Strong enough for the password policy; used for every user the harness creates.
constexpr const char* kTestPassword = "correct-Horse-battery-staple-42";

std::string lastLines(const std::string& text, std::size_t count) {
  std::size_t pos = text.size();
  for (std::size_t seen = 0; pos > 0 && seen <= count; --pos) {
    if (text[pos - 1] == '\n') ++seen;
  }
  return text.substr(pos);
}

bool hasEnv(const std::vector<std::pair<std::string, std::string>>& env, std::string_view name) {
  return std::any_of(env.begin(), env.end(), [&](const auto& e) { return e.first == name; });
}

// The "port" of the first {"message":"listening"} log line in `text`, if there is one yet.
std::optional<std::uint16_t> listeningPort(const std::string& text) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find("listening") == std::string::npos || lines.eof()) continue;  // skip partial last line
    boost::system::error_code ec;
    auto value = boost::json::parse(line, ec);
    if (ec || !value.is_object()) continue;
    const auto& object = value.as_object();
    auto message = object.if_contains("message");
    auto port = object.if_contains("port");
    if (message && message->is_string() && message->as_string() == "listening" && port && port->is_number()) {
      return static_cast<std::uint16_t>(port->to_number<std::int64_t>());
    }
  }
  return std::nullopt;
}

std::string uniqueSuffix() {
  static std::atomic<int> counter{0};
  return std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000);
}

// Adds Content-Type: application/json unless the caller chose a type (415 tests do).
HeaderList withJsonType(const HeaderList& headers) {
  HeaderList all = headers;
  bool typed = std::any_of(all.begin(), all.end(), [](const auto& h) {
    std::string name = h.first;
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return name == "content-type";
  });
  if (!typed) all.emplace_back("Content-Type", "application/json");
  return all;
}

std::string base64UrlDecode(std::string_view in) {
  std::string out;
  int bits = 0;
  unsigned value = 0;
  for (char c : in) {
    int v = -1;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '-' || c == '+')
      v = 62;
    else if (c == '_' || c == '/')
      v = 63;
    else
      continue;  // padding
    value = (value << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((value >> bits) & 0xFF));
    }
  }
  return out;
}
}  // namespace

std::filesystem::path binaryPath() {
  if (const char* fromCtest = std::getenv("BX_BINARY"); fromCtest && *fromCtest) return fromCtest;
  return BX_DEFAULT_BINARY;
}

std::filesystem::path sourceDir() {
  if (const char* fromCtest = std::getenv("BX_SOURCE_DIR"); fromCtest && *fromCtest) return fromCtest;
  return BX_DEFAULT_SOURCE_DIR;
}

int runBinary(const std::vector<std::string>& args, const std::vector<std::pair<std::string, std::string>>& env,
              const std::string& stdinText, std::string& output, int timeoutMs) {
  auto dir = process::makeTempDir("boxoffice-cmd");
  auto outputFile = dir / "output.log";
  // A socket rather than a pipe: send(MSG_NOSIGNAL) cannot kill us if the child never reads.
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    throw std::runtime_error("socketpair failed");
  }
  pid_t pid = -1;
  try {
    pid = process::spawn(binaryPath(), args, process::environmentWith(env), outputFile, fds[1]);
  } catch (...) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw;
  }
  ::close(fds[1]);
  std::string_view rest(stdinText);
  while (!rest.empty()) {
    auto n = ::send(fds[0], rest.data(), rest.size(), MSG_NOSIGNAL);
    if (n <= 0) break;
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  ::shutdown(fds[0], SHUT_WR);
  int code = process::waitFor(pid, timeoutMs);
  if (code == -1) {
    ::kill(pid, SIGKILL);
    process::waitFor(pid, 5000);
  }
  ::close(fds[0]);
  output = process::readFile(outputFile);
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return code;
}

TestServer::TestServer() : TestServer(Options{}) {}

TestServer::TestServer(Options options) : options_(std::move(options)) {
  workDir_ = process::makeTempDir("boxoffice-test");
  logFile_ = workDir_ / "server.log";
  if (options_.dataDir.empty()) {
    dataDir_ = workDir_ / "data";
    ownsDataDir_ = true;
  } else {
    dataDir_ = options_.dataDir;
  }
  std::filesystem::create_directories(dataDir_);
  try {
    if (amqp::enabled() && options_.suiteBroker) virtualHost_ = std::make_unique<amqp::VirtualHost>();
    if (auto database = PostgresTestDatabase::forDataDir(dataDir_, options_.postgresAdminUrl)) {
      postgres_ = std::make_shared<const PostgresTestDatabase>(std::move(*database));
      // `serve` on PostgreSQL finds its schemas ready or refuses to start: migrate, as an operator would.
      std::string output;
      if (runCommand({"migrate"}, "", output) != 0) throw std::runtime_error("boxoffice migrate failed:\n" + output);
    }
    start();
  } catch (...) {
    if (pid_ > 0) kill9();
    std::error_code ignored;
    if (!std::getenv("BX_KEEP_TEST_DIRS")) std::filesystem::remove_all(workDir_, ignored);
    throw;
  }
}

TestServer::~TestServer() {
  if (running()) {
    try {
      terminate();
    } catch (...) {
      // A destructor must not throw; the child is killed with us anyway (PDEATHSIG).
    }
  }
  if (postgres_ && ownsDataDir_ && !std::getenv("BX_KEEP_TEST_DIRS")) postgres_->drop();
  std::error_code ignored;
  if (!std::getenv("BX_KEEP_TEST_DIRS")) std::filesystem::remove_all(workDir_, ignored);
}

std::vector<std::pair<std::string, std::string>> TestServer::brokerEnvironment() const {
  if (!virtualHost_) return {};
  return virtualHost_->serverEnv();
}

std::uint16_t TestServer::freePort() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

std::vector<std::string> TestServer::environment() const {
  std::vector<std::pair<std::string, std::string>> env;
  if (!hasEnv(options_.env, "BOXOFFICE_AUTH_JWT_SECRET")) {
    env.emplace_back("BOXOFFICE_AUTH_JWT_SECRET", kTestJwtSecret);
  }
  // Every test signs its users up and in from 127.0.0.1: the per-network sign-in budget would
  // run out in any test with a few dozen users. Tests of that budget set it themselves.
  for (const char* name : {"BOXOFFICE_RATE_LIMIT_CREDENTIALS_PER_MINUTE", "BOXOFFICE_RATE_LIMIT_CREDENTIALS_BURST"}) {
    if (!hasEnv(options_.env, name)) env.emplace_back(name, "100000");
  }
  if (options_.generousRateLimits) {
    for (const char* name :
         {"BOXOFFICE_RATE_LIMIT_ANONYMOUS_PER_SECOND", "BOXOFFICE_RATE_LIMIT_ANONYMOUS_BURST",
          "BOXOFFICE_RATE_LIMIT_USER_PER_SECOND", "BOXOFFICE_RATE_LIMIT_USER_BURST",
          "BOXOFFICE_RATE_LIMIT_LOGIN_PER_MINUTE", "BOXOFFICE_RATE_LIMIT_LOGIN_BURST",
          "BOXOFFICE_RATE_LIMIT_AUTH_FAILURES_PER_MINUTE", "BOXOFFICE_RATE_LIMIT_AUTH_FAILURES_BURST",
          "BOXOFFICE_IDENTITY_ACCOUNT_BRAKE_FREE_FAILURES"}) {
      env.emplace_back(name,
                       name == std::string_view("BOXOFFICE_IDENTITY_ACCOUNT_BRAKE_FREE_FAILURES") ? "1000" : "100000");
    }
  }
  if (virtualHost_) {
    auto broker = virtualHost_->serverEnv();
    env.insert(env.end(), broker.begin(), broker.end());
  }
  if (postgres_) {
    for (auto& entry : postgres_->environment()) {
      if (!hasEnv(options_.env, entry.first)) env.push_back(std::move(entry));
    }
  }
  env.insert(env.end(), options_.env.begin(), options_.env.end());
  return process::environmentWith(env);
}

void TestServer::start() {
  ++starts_;
  std::error_code ec;
  logOffset_ = std::filesystem::exists(logFile_) ? std::filesystem::file_size(logFile_, ec) : 0;
  std::vector<std::string> args{"serve", "--listen", "127.0.0.1:" + std::to_string(options_.listenPort), "--data-dir",
                                dataDir_.string()};
  args.insert(args.end(), options_.extraArgs.begin(), options_.extraArgs.end());
  pid_ = process::spawn(binaryPath(), args, environment(), logFile_);
  port_ = 0;

  auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  auto fail = [&](const std::string& why) {
    auto tail = lastLines(process::readFile(logFile_, logOffset_), 40);
    throw std::runtime_error("boxoffice server " + why + " (binary " + binaryPath().string() + "); its last output:\n" +
                             tail);
  };
  while (port_ == 0) {
    int status = 0;
    if (process::exited(pid_, status)) {
      pid_ = -1;
      fail("exited with status " + std::to_string(status) + " while starting");
    }
    if (auto port = listeningPort(process::readFile(logFile_, logOffset_))) {
      port_ = *port;
      if (!options_.plainHttp || !options_.waitUntilReady) return;  // TLS: the test speaks it itself
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) fail("logged no \"listening\" line in 20 s");
    std::this_thread::sleep_for(20ms);
  }
  for (;;) {
    try {
      RawConnection probe(port_);
      probe.send(formatRequest("GET", "/ready", {}, {{"Connection", "close"}}, port_));
      if (probe.readResponse().status == 200) return;
    } catch (const std::exception&) {
      // not accepting yet
    }
    int status = 0;
    if (process::exited(pid_, status)) {
      pid_ = -1;
      fail("exited with status " + std::to_string(status) + " before /ready");
    }
    if (std::chrono::steady_clock::now() > deadline) fail("was not ready (GET /ready != 200) in 20 s");
    std::this_thread::sleep_for(50ms);
  }
}

HttpResult TestServer::request(const std::string& method, const std::string& target, const std::string& body,
                               const HeaderList& headers) {
  RawConnection connection(port_);
  HeaderList all = headers;
  all.emplace_back("Connection", "close");
  connection.send(formatRequest(method, target, body, all, port_));
  auto result = connection.readResponse(method == "HEAD");
  if (options_.checkContract) checkContract(method, target, result);
  return result;
}

void TestServer::checkContract(const std::string& method, const std::string& target, const HttpResult& result) {
  std::shared_ptr<const ContractCheck> contract;
  {
    // Tests call request() from many threads at once; the first one fetches the document.
    std::lock_guard lock(contractMutex_);
    if (!contract_) {
      // From another loopback address: a client of its own, so the fetch takes nothing from the
      // rate-limit budget of the test's own requests.
      RawConnection connection(port_, std::chrono::seconds(30), "127.0.0.2");
      connection.send(formatRequest("GET", "/api/v1/openapi.json", {}, {{"Connection", "close"}}, port_));
      auto answer = connection.readResponse();
      if (answer.status != 200) {
        throw std::runtime_error("GET /api/v1/openapi.json answered " + std::to_string(answer.status));
      }
      contract_ = std::make_shared<const ContractCheck>(boost::json::parse(answer.body).as_object());
    }
    contract = contract_;
  }
  auto problems = contract->check(method, target, result.status, result.header("content-type"), result.body);
  // BX_CONTRACT_LOG=FILE: one line per checked answer (to see which operations the suite
  // covers) and one "! ..." line per broken promise; with it, answers that break the contract
  // are only logged, so one run of the suite lists every mismatch at once.
  if (const char* log = std::getenv("BX_CONTRACT_LOG"); log != nullptr && *log != '\0') {
    std::lock_guard lock(contractMutex_);
    std::ofstream out(log, std::ios::app);
    if (auto pattern = contract->pathTemplateOf(target); !pattern.empty()) {
      out << method << ' ' << pattern << ' ' << result.status << '\n';
    }
    for (const auto& problem : problems) out << "! " << problem << '\n';
    return;
  }
  if (!problems.empty()) {
    std::string text = "the answer breaks the OpenAPI contract (/api/v1/openapi.json):";
    for (const auto& problem : problems) text += "\n  " + problem;
    throw std::runtime_error(text);
  }
}

HttpResult TestServer::get(const std::string& target, const HeaderList& headers) {
  return request("GET", target, {}, headers);
}

HttpResult TestServer::post(const std::string& target, const std::string& body, const HeaderList& headers) {
  return request("POST", target, body, withJsonType(headers));
}

HttpResult TestServer::put(const std::string& target, const std::string& body, const HeaderList& headers) {
  return request("PUT", target, body, withJsonType(headers));
}

HttpResult TestServer::del(const std::string& target, const HeaderList& headers) {
  return request("DELETE", target, {}, headers);
}

std::string TestServer::tokenFor(const std::string& role, const std::string& email) {
  std::string address = email.empty() ? "test-" + role + "-" + uniqueSuffix() + "@example.com" : email;
  std::transform(address.begin(), address.end(), address.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (role == "Admin" || role == "Organizer") {
    std::string output;
    int code =
        runCommand({"users", "add", "--email", address, "--role", role}, std::string(kTestPassword) + "\n", output);
    if (code != 0) {
      throw std::runtime_error("`boxoffice users add` failed with " + std::to_string(code) + ": " + output);
    }
  } else if (role == "User") {
    boost::json::object body{{"email", address}, {"password", kTestPassword}, {"displayName", "Test User"}};
    auto r = post("/api/v1/auth/register", boost::json::serialize(body));
    if (r.status != 202) {
      throw std::runtime_error("register failed with " + std::to_string(r.status) + ": " + r.body);
    }
  } else {
    throw std::invalid_argument("unknown role " + role);
  }
  boost::json::object credentials{{"email", address}, {"password", kTestPassword}};
  auto r = post("/api/v1/auth/token", boost::json::serialize(credentials));
  if (r.status != 200) {
    throw std::runtime_error("token request failed with " + std::to_string(r.status) + ": " + r.body);
  }
  return std::string(r.json().at("accessToken").as_string());
}

std::string TestServer::userIdOf(const std::string& accessToken) {
  auto first = accessToken.find('.');
  auto second = accessToken.find('.', first + 1);
  if (first == std::string::npos || second == std::string::npos) {
    throw std::invalid_argument("not a JWT");
  }
  auto claims = boost::json::parse(base64UrlDecode(accessToken.substr(first + 1, second - first - 1)));
  return std::string(claims.at("sub").as_string());
}

int TestServer::runCommand(const std::vector<std::string>& args, const std::string& stdinText,
                           std::string& output) const {
  std::vector<std::string> all = args;
  bool subcommand = !args.empty() && !args.front().starts_with("-");
  if (subcommand && std::find(args.begin(), args.end(), "--data-dir") == args.end()) {
    all.push_back("--data-dir");
    all.push_back(dataDir_.string());
  }
  // The same environment as the server (secret, limits), which runBinary would strip.
  std::vector<std::pair<std::string, std::string>> env;
  for (const auto& entry : environment()) {
    if (!entry.starts_with("BOXOFFICE_")) continue;
    auto eq = entry.find('=');
    env.emplace_back(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return runBinary(all, env, stdinText, output, 60000);
}

void TestServer::signal(int signalNumber) const {
  if (pid_ > 0) ::kill(pid_, signalNumber);
}

int TestServer::waitForExit(int timeoutMs) {
  if (pid_ <= 0) return -1;
  int code = process::waitFor(pid_, timeoutMs);
  if (code == -1) {
    ::kill(pid_, SIGKILL);
    process::waitFor(pid_, 5000);
  }
  pid_ = -1;
  return code;
}

void TestServer::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  process::waitFor(pid_, 10000);
  pid_ = -1;
}

int TestServer::terminate() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  return waitForExit(15000);
}

void TestServer::restart() {
  if (running()) terminate();
  start();
}

std::string TestServer::logs() const { return process::readFile(logFile_); }

std::vector<boost::json::object> TestServer::logLines() const {
  std::vector<boost::json::object> out;
  std::istringstream lines(logs());
  std::string line;
  while (std::getline(lines, line)) {
    boost::system::error_code ec;
    auto value = boost::json::parse(line, ec);
    if (!ec && value.is_object()) out.push_back(std::move(value.as_object()));
  }
  return out;
}

}  // namespace boxoffice::testing
