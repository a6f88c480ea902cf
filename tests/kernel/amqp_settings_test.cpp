// bus.amqp.* settings: read and checked at start, templates filled per module (amqp_settings.hpp).
#include "boxoffice/kernel/amqp_settings.hpp"

#include <doctest/doctest.h>
#include <fstream>

#include "boxoffice/kernel/db.hpp"
#include "support/temp_dir.hpp"

using namespace boxoffice;

namespace {
ConfigSchema amqpSchema() {
  ConfigSchema schema;
  schema.add(amqpConfigKeys());
  return schema;
}

struct Settings {
  ConfigSchema schema = amqpSchema();
  Config config{schema};
  Settings() {
    config.set("bus.amqp.password", "s3cret", "test");
    config.set("bus.amqp.allowPlainWithoutTls", "true", "test");
  }
  std::string startupError() {
    try {
      AmqpSettings::fromConfig(config);
    } catch (const StartupError& e) {
      return e.what();
    }
    return "";
  }
};
}  // namespace

TEST_CASE("amqp settings: the defaults are RabbitMQ 3.x's addresses, one user per module") {
  Settings s;
  auto settings = AmqpSettings::fromConfig(s.config);
  CHECK(settings.sendAddressOf("events") == "/exchange/boxoffice/events");
  CHECK(settings.receiveAddressOf("events", "inventory") == "/amq/queue/events.inventory");
  CHECK(settings.userOf("orders") == "boxoffice-orders");
  CHECK(settings.passwordOf("orders") == "s3cret");
  CHECK_FALSE(settings.tls());
}

TEST_CASE("amqp settings: Azure Service Bus templates fill topic and subscriber") {
  Settings s;
  s.config.set("bus.amqp.url", "amqps://ns.servicebus.windows.net:5671", "test");
  s.config.set("bus.amqp.sendAddress", "{topic}", "test");
  s.config.set("bus.amqp.receiveAddress", "{topic}/Subscriptions/{subscriber}", "test");
  auto settings = AmqpSettings::fromConfig(s.config);
  CHECK(settings.tls());
  CHECK(settings.sendAddressOf("orders") == "orders");
  CHECK(settings.receiveAddressOf("orders", "tickets") == "orders/Subscriptions/tickets");
}

TEST_CASE("amqp settings: each bad value stops the start naming its key") {
  Settings s;
  SUBCASE("a URL with credentials") {
    s.config.set("bus.amqp.url", "amqp://user:pw@host:5672", "test");
    CHECK(s.startupError().find("bus.amqp.url") != std::string::npos);
  }
  SUBCASE("another scheme") {
    s.config.set("bus.amqp.url", "http://host", "test");
    CHECK(s.startupError().find("bus.amqp.url") != std::string::npos);
  }
  SUBCASE("a send address without {topic}") {
    s.config.set("bus.amqp.sendAddress", "/exchange/boxoffice", "test");
    CHECK(s.startupError().find("bus.amqp.sendAddress") != std::string::npos);
  }
  SUBCASE("a receive address without {subscriber}") {
    s.config.set("bus.amqp.receiveAddress", "/amq/queue/{topic}", "test");
    CHECK(s.startupError().find("bus.amqp.receiveAddress") != std::string::npos);
  }
  SUBCASE("a user without any password") {
    s.config.set("bus.amqp.password", "", "test");
    CHECK(s.startupError().find("bus.amqp.passwordFile") != std::string::npos);
  }
  SUBCASE("both a password and a password file") {
    s.config.set("bus.amqp.passwordFile", "/run/secrets/{module}", "test");
    CHECK(s.startupError().find("exactly one") != std::string::npos);
  }
  SUBCASE("PLAIN over amqp:// without saying it is meant") {
    s.config.set("bus.amqp.allowPlainWithoutTls", "false", "test");
    CHECK(s.startupError().find("unencrypted") != std::string::npos);
  }
  SUBCASE("backoff bounds the wrong way round") {
    s.config.set("bus.amqp.reconnectMinMs", "5000", "test");
    s.config.set("bus.amqp.reconnectMaxMs", "1000", "test");
    CHECK(s.startupError().find("bus.amqp.reconnectMinMs") != std::string::npos);
  }
}

TEST_CASE("amqp settings: a password file per module, read at start, never echoed") {
  auto dir = test_support::makeTempDir("amqp-secrets");
  std::ofstream(dir / "orders") << "orders-secret\n";
  std::ofstream(dir / "empty") << "\n";
  Settings s;
  s.config.set("bus.amqp.password", "", "test");
  s.config.set("bus.amqp.passwordFile", (dir / "{module}").string(), "test");
  auto settings = AmqpSettings::fromConfig(s.config);
  CHECK(settings.passwordOf("orders") == "orders-secret");
  try {
    settings.passwordOf("tickets");
    FAIL("a missing file must stop the start");
  } catch (const StartupError& e) {
    CHECK(std::string(e.what()).find((dir / "tickets").string()) != std::string::npos);
  }
  CHECK_THROWS_AS(settings.passwordOf("empty"), StartupError);
  std::filesystem::remove_all(dir);
}

TEST_CASE("amqp settings: fillTemplate replaces every occurrence") {
  CHECK(fillTemplate("{m}/{m}-x", "m", "orders") == "orders/orders-x");
  CHECK(fillTemplate("none", "m", "orders") == "none");
}
