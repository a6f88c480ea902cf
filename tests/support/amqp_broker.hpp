#pragma once
// The integration suite against a RabbitMQ broker (the scale-out phase of scripts/test.sh, which
// starts a private node with scripts/rabbitmq-node.sh and sets BX_BUS=amqp plus that script's
// `env` output). Every TestServer then gets a virtual host of its own, made through the
// management API from the node's definitions (the topology of config/rabbitmq/definitions.json)
// and deleted with the server: servers running side by side never see each other's messages.
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace boxoffice::testing::amqp {

// True when the suite runs against the broker (BX_BUS=amqp).
bool enabled();

// The bus.* settings of a server that uses a node at `url` ("amqp://127.0.0.1:PORT") whose module
// passwords are in `secretsDir`, virtual host `virtualHost` (empty: the node's default "/"), with
// quick reconnects for tests.
std::vector<std::pair<std::string, std::string>> serverEnv(const std::string& url,
                                                           const std::filesystem::path& secretsDir,
                                                           const std::string& virtualHost);

class VirtualHost {
 public:
  VirtualHost();  // throws std::runtime_error naming what the broker answered
  ~VirtualHost();
  VirtualHost(const VirtualHost&) = delete;
  VirtualHost& operator=(const VirtualHost&) = delete;
  // serverEnv for this virtual host on the suite's node.
  std::vector<std::pair<std::string, std::string>> serverEnv() const;
  // Acts as the broker's operator: deletes one queue (its consumers are detached, the connection
  // stays), or declares it again durable with its binding (routing key = the queue's topic).
  void deleteQueue(const std::string& queue) const;
  void restoreQueue(const std::string& queue, const std::string& topic) const;

 private:
  std::string name_;
};

// A RabbitMQ node of a test's own (scripts/rabbitmq-node.sh with its own directory and ports),
// for tests that stop and start the broker: the suite's shared node must stay up for the others.
class PrivateNode {
 public:
  // Its directory, definitions and passwords are made at once (serverEnv works); it is not started.
  explicit PrivateNode(std::uint16_t port);
  ~PrivateNode();  // stops the node and removes its directory
  PrivateNode(const PrivateNode&) = delete;
  PrivateNode& operator=(const PrivateNode&) = delete;
  void start();  // throws if the node does not come up
  void stop();   // the node's data (queues, messages) stays for the next start
  std::vector<std::pair<std::string, std::string>> serverEnv() const;

 private:
  int run(const std::string& command) const;
  std::uint16_t port_;
  std::filesystem::path dir_;
};

}  // namespace boxoffice::testing::amqp
