#pragma once
// Configuration of the AMQP 1.0 message-bus transport (bus.transport = amqp): the bus.amqp.*
// keys, read and checked once at start (amqp_bus.hpp). Address templates name the broker's
// termini: {topic} and {subscriber} are replaced; {module} in the user name and password file
// names the module whose connection it is (one broker user per module).
#include <chrono>
#include <string>
#include <vector>

#include "boxoffice/kernel/config.hpp"

namespace boxoffice {

struct AmqpSettings {
  std::string url;             // amqp://host:port or amqps://host:port
  std::string virtualHost;     // the open frame's hostname; RabbitMQ: "vhost:NAME"; empty: the URL's host
  std::string sendAddress;     // "/exchange/boxoffice/{topic}"
  std::string receiveAddress;  // "/amq/queue/{topic}.{subscriber}"
  std::string user;            // "boxoffice-{module}"; empty: SASL ANONYMOUS
  std::string password;        // the same for every module (bus.amqp.password), or
  std::string passwordFile;    // per module: "/run/secrets/amqp-{module}"
  bool allowPlainWithoutTls = false;
  int window = 256;    // messages awaiting the broker's outcome, per module connection
  int prefetch = 256;  // messages a receiver may hold unsettled
  std::chrono::milliseconds publishTimeout{30000};
  std::chrono::milliseconds reconnectMin{500};
  std::chrono::milliseconds reconnectMax{30000};

  // Reads and checks the bus.amqp.* keys; throws StartupError naming the key at fault.
  static AmqpSettings fromConfig(const Config& config);
  bool tls() const { return url.starts_with("amqps://"); }
  std::string sendAddressOf(std::string_view topic) const;
  std::string receiveAddressOf(std::string_view topic, std::string_view subscriber) const;
  std::string userOf(std::string_view module) const;
  // The module's password: bus.amqp.password, or the file bus.amqp.passwordFile names (trailing
  // newline dropped). Throws StartupError naming the file, never its content.
  std::string passwordOf(std::string_view module) const;
};

// Replaces every "{name}" in `pattern` with `value`.
std::string fillTemplate(std::string pattern, std::string_view name, std::string_view value);

// bus.transport and the bus.amqp.* keys.
std::vector<ConfigKey> amqpConfigKeys();

}  // namespace boxoffice
