#include "amqp_broker.hpp"

#include <atomic>
#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

#include "http_client.hpp"
#include "test_server.hpp"

namespace boxoffice::testing::amqp {

namespace {
std::string env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    throw std::runtime_error(std::string("BX_BUS=amqp needs ") + name + " (scripts/rabbitmq-node.sh env)");
  }
  return value;
}

std::string readAll(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string base64(const std::string& in) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned value = 0;
  int bits = -6;
  for (unsigned char c : in) {
    value = (value << 8) + c;
    bits += 8;
    while (bits >= 0) {
      out.push_back(table[(value >> bits) & 0x3F]);
      bits -= 6;
    }
  }
  if (bits > -6) out.push_back(table[((value << 8) >> (bits + 8)) & 0x3F]);
  while (out.size() % 4 != 0) out.push_back('=');
  return out;
}

// One call of the management API as the test administrator; returns the status.
int management(const std::string& method, const std::string& target, const std::string& body) {
  auto port = static_cast<std::uint16_t>(std::stoi(env("BX_AMQP_MANAGEMENT_PORT")));
  auto password = readAll(std::filesystem::path(env("BX_AMQP_SECRETS_DIR")) / "admin");
  while (!password.empty() && password.back() == '\n') password.pop_back();
  RawConnection connection(port);
  HeaderList headers{{"Authorization", "Basic " + base64("boxoffice-test-admin:" + password)},
                     {"Content-Type", "application/json"},
                     {"Connection", "close"}};
  connection.send(formatRequest(method, target, body, headers, port));
  auto answer = connection.readResponse();
  if (answer.status >= 300) {
    throw std::runtime_error("RabbitMQ management " + method + " " + target + " answered " +
                             std::to_string(answer.status) + ": " + answer.body);
  }
  return answer.status;
}

// The node's definitions with every object moved to virtual host `vhost` (users stay global).
std::string definitionsFor(const std::string& vhost) {
  auto node = boost::json::parse(readAll(std::filesystem::path(env("BX_AMQP_DEFINITIONS")))).as_object();
  boost::json::object out;
  out["vhosts"] = boost::json::array{boost::json::object{{"name", vhost}}};
  for (const char* kind : {"permissions", "topic_permissions", "exchanges", "queues", "bindings", "policies"}) {
    boost::json::array items = node.at(kind).as_array();
    for (auto& item : items) item.as_object()["vhost"] = vhost;
    out[kind] = items;
  }
  return boost::json::serialize(out);
}
}  // namespace

bool enabled() {
  const char* bus = std::getenv("BX_BUS");
  return bus != nullptr && std::string_view(bus) == "amqp";
}

std::vector<std::pair<std::string, std::string>> serverEnv(const std::string& url,
                                                           const std::filesystem::path& secretsDir,
                                                           const std::string& virtualHost) {
  return {{"BOXOFFICE_BUS_TRANSPORT", "amqp"},
          {"BOXOFFICE_BUS_AMQP_URL", url},
          {"BOXOFFICE_BUS_AMQP_VIRTUAL_HOST", virtualHost.empty() ? "" : "vhost:" + virtualHost},
          {"BOXOFFICE_BUS_AMQP_PASSWORD_FILE", (secretsDir / "{module}").string()},
          {"BOXOFFICE_BUS_AMQP_ALLOW_PLAIN_WITHOUT_TLS", "true"},
          {"BOXOFFICE_BUS_AMQP_RECONNECT_MIN_MS", "100"},
          {"BOXOFFICE_BUS_AMQP_RECONNECT_MAX_MS", "1000"},
          {"BOXOFFICE_BUS_AMQP_PUBLISH_TIMEOUT_MS", "10000"}};
}

VirtualHost::VirtualHost() {
  static std::atomic<int> counter{0};
  name_ = "bx-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
  management("POST", "/api/definitions", definitionsFor(name_));
}

void VirtualHost::deleteQueue(const std::string& queue) const {
  management("DELETE", "/api/queues/" + name_ + "/" + queue, "");
}

void VirtualHost::restoreQueue(const std::string& queue, const std::string& topic) const {
  management("PUT", "/api/queues/" + name_ + "/" + queue, R"({"durable":true,"auto_delete":false,"arguments":{}})");
  management("POST", "/api/bindings/" + name_ + "/e/boxoffice/q/" + queue, R"({"routing_key":")" + topic + R"("})");
}

VirtualHost::~VirtualHost() {
  try {
    management("DELETE", "/api/vhosts/" + name_, "");
  } catch (...) {
    // The node is stopped at the end of the phase anyway; a leftover vhost costs nothing.
  }
}

std::vector<std::pair<std::string, std::string>> VirtualHost::serverEnv() const {
  return amqp::serverEnv(env("BX_AMQP_URL"), env("BX_AMQP_SECRETS_DIR"), name_);
}

PrivateNode::PrivateNode(std::uint16_t port)
    : port_(port), dir_(std::filesystem::temp_directory_path() / ("boxoffice-rabbitmq-test-" + std::to_string(port))) {
  run("stop");  // a node left behind by an earlier run that was killed
  if (run("prepare") != 0) throw std::runtime_error("cannot prepare a RabbitMQ node in " + dir_.string());
}

PrivateNode::~PrivateNode() { run("stop"); }

int PrivateNode::run(const std::string& command) const {
  auto script = (sourceDir() / "scripts" / "rabbitmq-node.sh").string();
  std::string line = "BX_RABBITMQ_DIR='" + dir_.string() + "' BX_RABBITMQ_PORT=" + std::to_string(port_) + " '" +
                     script + "' " + command + " >>'" + dir_.string() + ".log' 2>&1";
  return std::system(line.c_str());
}

void PrivateNode::start() {
  if (run("start") != 0) throw std::runtime_error("private RabbitMQ node did not start; see " + dir_.string() + ".log");
}

void PrivateNode::stop() {
  if (run("halt") != 0) throw std::runtime_error("private RabbitMQ node did not stop; see " + dir_.string() + ".log");
}

std::vector<std::pair<std::string, std::string>> PrivateNode::serverEnv() const {
  return amqp::serverEnv("amqp://127.0.0.1:" + std::to_string(port_), dir_ / "secrets", "");
}

}  // namespace boxoffice::testing::amqp
