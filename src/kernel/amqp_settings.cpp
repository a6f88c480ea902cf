#include "boxoffice/kernel/amqp_settings.hpp"

#include <fstream>
#include <sstream>

#include "boxoffice/kernel/db.hpp"  // StartupError

namespace boxoffice {

std::string fillTemplate(std::string pattern, std::string_view name, std::string_view value) {
  std::string placeholder = "{" + std::string(name) + "}";
  for (auto at = pattern.find(placeholder); at != std::string::npos; at = pattern.find(placeholder, at)) {
    pattern.replace(at, placeholder.size(), value);
    at += value.size();
  }
  return pattern;
}

std::vector<ConfigKey> amqpConfigKeys() {
  using T = ConfigType;
  return {
      {"bus.transport", T::String, "in-process",
       "How modules' messages travel: in-process (straight into the subscriber's inbox) or amqp (through an AMQP "
       "1.0 broker, bus.amqp.*)."},
      {"bus.amqp.url", T::String, "amqp://127.0.0.1:5672",
       "The broker: amqp://HOST:PORT, or amqps://HOST:PORT for TLS (Azure Service Bus: amqps://NAMESPACE."
       "servicebus.windows.net:5671)."},
      {"bus.amqp.virtualHost", T::String, "",
       "Hostname sent in the AMQP open frame; RabbitMQ picks the virtual host from it (vhost:NAME). Empty: the "
       "URL's host."},
      {"bus.amqp.sendAddress", T::String, "/exchange/boxoffice/{topic}",
       "Target address a message of {topic} is sent to (Azure Service Bus: {topic})."},
      {"bus.amqp.receiveAddress", T::String, "/amq/queue/{topic}.{subscriber}",
       "Source address a subscriber receives a topic from (Azure Service Bus: {topic}/Subscriptions/{subscriber})."},
      {"bus.amqp.user", T::String, "boxoffice-{module}",
       "Broker user of each module's connection ({module} is the module's name); SASL PLAIN. Empty: SASL "
       "ANONYMOUS."},
      {"bus.amqp.password", T::String, "",
       "One password for every module's broker user; prefer bus.amqp.passwordFile (one secret per module).", 0,
       INT64_MAX, true},
      {"bus.amqp.passwordFile", T::String, "",
       "File holding a module's broker password ({module} is the module's name), read at start; a trailing "
       "newline is ignored."},
      {"bus.amqp.allowPlainWithoutTls", T::Bool, false,
       "Allow SASL PLAIN over amqp:// (the password travels unencrypted): only for a broker on the same host."},
      {"bus.amqp.window", T::Int, 256,
       "Messages a module's connection has sent and awaits the broker's outcome for (1 caps near 500 msg/s).", 1,
       10000},
      {"bus.amqp.prefetch", T::Int, 256, "Messages each receiver may hold before its inbox has stored them.", 1, 10000},
      {"bus.amqp.publishTimeoutMs", T::Int, 30000,
       "How long the outbox dispatcher waits for the broker's outcome of a batch before it tries again.", 100, 600000},
      {"bus.amqp.reconnectMinMs", T::Int, 500, "First delay before reconnecting to the broker; it doubles.", 10,
       600000},
      {"bus.amqp.reconnectMaxMs", T::Int, 30000, "Longest delay between reconnection attempts.", 10, 3600000},
  };
}

namespace {
[[noreturn]] void invalid(const std::string& key, const std::string& why) {
  throw StartupError("config key '" + key + "': " + why);
}
}  // namespace

AmqpSettings AmqpSettings::fromConfig(const Config& config) {
  AmqpSettings s;
  s.url = config.getString("bus.amqp.url");
  s.virtualHost = config.getString("bus.amqp.virtualHost");
  s.sendAddress = config.getString("bus.amqp.sendAddress");
  s.receiveAddress = config.getString("bus.amqp.receiveAddress");
  s.user = config.getString("bus.amqp.user");
  s.password = config.getString("bus.amqp.password");
  s.passwordFile = config.getString("bus.amqp.passwordFile");
  s.allowPlainWithoutTls = config.getBool("bus.amqp.allowPlainWithoutTls");
  s.window = static_cast<int>(config.getInt("bus.amqp.window"));
  s.prefetch = static_cast<int>(config.getInt("bus.amqp.prefetch"));
  s.publishTimeout = std::chrono::milliseconds(config.getInt("bus.amqp.publishTimeoutMs"));
  s.reconnectMin = std::chrono::milliseconds(config.getInt("bus.amqp.reconnectMinMs"));
  s.reconnectMax = std::chrono::milliseconds(config.getInt("bus.amqp.reconnectMaxMs"));

  auto rest = s.url.starts_with("amqp://") ? std::string_view(s.url).substr(7)
              : s.tls()                    ? std::string_view(s.url).substr(8)
                                           : std::string_view{};
  if (rest.empty() || rest.find('@') != std::string_view::npos || rest.find('/') != std::string_view::npos) {
    // Credentials in the URL would be logged and shared by every module: they have their own keys.
    invalid("bus.amqp.url", "must be amqp://HOST[:PORT] or amqps://HOST[:PORT], without user or path");
  }
  if (s.sendAddress.find("{topic}") == std::string::npos) invalid("bus.amqp.sendAddress", "must contain {topic}");
  if (s.receiveAddress.find("{topic}") == std::string::npos ||
      s.receiveAddress.find("{subscriber}") == std::string::npos) {
    invalid("bus.amqp.receiveAddress", "must contain {topic} and {subscriber}");
  }
  if (!s.user.empty()) {
    if (s.password.empty() == s.passwordFile.empty()) {
      invalid("bus.amqp.passwordFile",
              "set exactly one of bus.amqp.password and bus.amqp.passwordFile when "
              "bus.amqp.user is set");
    }
    if (!s.tls() && !s.allowPlainWithoutTls) {
      invalid("bus.amqp.url",
              "amqp:// would send the broker password unencrypted; use amqps:// or set "
              "bus.amqp.allowPlainWithoutTls for a broker on this host");
    }
  }
  if (s.reconnectMin > s.reconnectMax) invalid("bus.amqp.reconnectMinMs", "must not exceed bus.amqp.reconnectMaxMs");
  return s;
}

std::string AmqpSettings::sendAddressOf(std::string_view topic) const {
  return fillTemplate(sendAddress, "topic", topic);
}

std::string AmqpSettings::receiveAddressOf(std::string_view topic, std::string_view subscriber) const {
  return fillTemplate(fillTemplate(receiveAddress, "topic", topic), "subscriber", subscriber);
}

std::string AmqpSettings::userOf(std::string_view module) const { return fillTemplate(user, "module", module); }

std::string AmqpSettings::passwordOf(std::string_view module) const {
  if (passwordFile.empty()) return password;
  auto path = fillTemplate(passwordFile, "module", module);
  std::ifstream in(path);
  if (!in) throw StartupError("bus.amqp.passwordFile: cannot read " + path + " (module " + std::string(module) + ")");
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto secret = buffer.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.empty())
    throw StartupError("bus.amqp.passwordFile: " + path + " is empty (module " + std::string(module) + ")");
  return secret;
}

}  // namespace boxoffice
