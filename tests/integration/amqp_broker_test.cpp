// The AMQP 1.0 transport's failure cases, against a RabbitMQ node of each test's own (the suite's
// shared node must stay up for the tests running beside them): the broker down when the server
// starts, and the broker restarted in the middle of a rush of orders. They run in the scale-out phase
// of scripts/test.sh (scripts/test-scaleout.sh); in the in-process phase there is no broker to fail.
#include "amqp_broker.hpp"

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <cctype>
#include <doctest/doctest.h>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "amqp_client.hpp"
#include "checkout_helpers.hpp"
#include "process.hpp"
#include "sqlite_query.hpp"
#include "temp_dir.hpp"

using namespace boxoffice::testing;
using namespace boxoffice::testing::checkout;
using namespace boxoffice::test_support;
using namespace std::chrono_literals;

namespace {

// Ports of the tests' own nodes (each uses the port and the next three), apart from the suite's.
constexpr std::uint16_t kDownAtStartPort = 27680;
constexpr std::uint16_t kRestartPort = 27690;

std::int64_t outboxPending(TestServer& server) {
  auto metrics = server.get("/metrics").body;
  auto at = metrics.find("\nbus_outbox_pending ");
  if (at == std::string::npos) return -1;
  return std::stoll(metrics.substr(at + std::string("\nbus_outbox_pending ").size()));
}

}  // namespace

TEST_CASE("amqp: broker down at start: the server starts, /ready names the broker, the outbox waits and then flows") {
  if (!amqp::enabled()) {
    MESSAGE("nothing to test without a broker: runs in the scale-out phase (scripts/test-scaleout.sh)");
    return;
  }
  amqp::PrivateNode node(kDownAtStartPort);  // not started yet
  TestServer::Options options = shopOptions();
  auto broker = node.serverEnv();
  options.env.insert(options.env.end(), broker.begin(), broker.end());
  options.suiteBroker = false;
  options.waitUntilReady = false;
  TestServer server(options);

  // Alive, not ready, and saying why.
  REQUIRE(eventually([&] { return server.get("/health").status == 200; }));
  auto ready = server.get("/ready");
  CHECK(ready.status == 503);
  CHECK_MESSAGE(ready.body.find("not connected to the message broker") != std::string::npos, ready.body);
  CHECK_MESSAGE(ready.body.find("inventory") != std::string::npos, ready.body);
  // Anyone may ask /ready: the broker's error text stays in the log.
  CHECK_MESSAGE(ready.body.find('(') == std::string::npos, ready.body);

  // Requests still work; what they publish waits in the outbox.
  auto organizer = mintToken("Organizer");
  boost::json::object body{
      {"name", "Broker Down Night"},
      {"description", "Published while the broker is down"},
      {"category", "concert"},
      {"startsAt", "2031-06-01T19:00:00Z"},
      {"endsAt", "2031-06-01T23:00:00Z"},
      {"timezone", "Europe/Berlin"},
      {"venue", {{"name", "Hall"}, {"address", "1 Main St"}, {"city", "Berlin"}, {"country", "DE"}}},
      {"maxCapacity", 10},
      {"priceCategories", boost::json::array{{{"categoryId", "general"},
                                              {"name", "General"},
                                              {"price", {{"amount", kGeneralPrice}, {"currency", "EUR"}}},
                                              {"totalSeats", 10}}}}};
  auto created = server.post("/api/v1/events", boost::json::serialize(body), TestServer::bearer(organizer.token));
  REQUIRE_MESSAGE(created.status == 201, created.body);
  std::string id = str(created.json().at("id"));
  auto published = server.post("/api/v1/events/" + id + "/publish", "{}", TestServer::bearer(organizer.token));
  REQUIRE_MESSAGE(published.status == 200, published.body);
  CHECK(outboxPending(server) > 0);
  CHECK(server.get("/api/v1/inventory/" + id).status == 404);  // inventory has not heard of it

  // The broker comes up: the connections are made, the outbox drains, inventory puts it on sale.
  node.start();
  CHECK(eventually([&] { return server.get("/ready").status == 200; }, 60s, 100ms));
  CHECK(eventually(
      [&] {
        auto inventory = server.get("/api/v1/inventory/" + id);
        return inventory.status == 200 && inventory.json().at("status") == "Published";
      },
      60s, 100ms));
  CHECK(eventually([&] { return outboxPending(server) == 0; }, 30s, 100ms));
}

namespace {
constexpr int kOrders = 120;
constexpr int kBuyers = 6;
constexpr int kGeneralSeats = 300;
constexpr auto kPace = std::chrono::milliseconds(30);
}  // namespace

TEST_CASE("amqp: broker restarted during a rush of orders: every accepted order ends consistent, nothing twice") {
  if (!amqp::enabled()) {
    MESSAGE("nothing to test without a broker: runs in the scale-out phase (scripts/test-scaleout.sh)");
    return;
  }
  amqp::PrivateNode node(kRestartPort);
  node.start();
  TestServer::Options options = shopOptions(20);
  auto broker = node.serverEnv();
  options.env.insert(options.env.end(), broker.begin(), broker.end());
  options.suiteBroker = false;
  TestServer server(options);
  auto show = showOnSale(server, kGeneralSeats);
  auto admin = mintToken("Admin").token;
  std::vector<std::string> buyers;
  for (int b = 0; b < kBuyers; ++b) buyers.push_back(mintToken("User").token);

  // The buyers order throughout; the broker is stopped and started again in the middle of it.
  std::mutex mutex;
  std::vector<std::string> orderIds;
  std::atomic<int> unanswered{0};
  std::thread restarter([&] {
    eventually(
        [&] {
          std::lock_guard lock(mutex);
          return orderIds.size() >= 20;
        },
        60s, 5ms);
    node.stop();
    std::this_thread::sleep_for(1s);  // orders keep coming while it is down (wall time: a real broker)
    node.start();
  });
  runConcurrently(kBuyers, [&](int b) {
    for (int n = b; n < kOrders; n += kBuyers) {
      Items items{{"general", 1 + n % 3}};
      auto r = postOrder(server, buyers[static_cast<std::size_t>(b)],
                         orderBody(show.id, items, card(n % 7 == 0 ? kCardDeclined : kCardOk)), newIdempotencyKey());
      std::lock_guard lock(mutex);
      if (r.status == 202) {
        orderIds.push_back(str(r.json().at("id")));
      } else {
        ++unanswered;
      }
      std::this_thread::sleep_for(kPace);
    }
  });
  restarter.join();
  CHECK(unanswered == 0);  // the HTTP side never depends on the broker
  REQUIRE(orderIds.size() == static_cast<std::size_t>(kOrders));

  // Every accepted order's saga ends once the broker is back.
  std::vector<boost::json::object> orders;
  bool allEnded = eventually(
      [&] {
        orders = ordersOfEvent(server, admin, show.id);
        if (orders.size() != orderIds.size()) return false;
        for (const auto& o : orders) {
          if (!terminal(statusOf(o))) return false;
        }
        return true;
      },
      120s, 250ms);
  REQUIRE(allEnded);

  // Handled once: per order at most one payment and one successful charge; the seats sold are
  // exactly the completed orders' tickets, none left held.
  std::int64_t sold = 0;
  std::map<std::string, int> statuses;
  for (const auto& o : orders) {
    auto status = statusOf(o);
    ++statuses[status];
    auto payments = paymentsOf(server, admin, str(o.at("id")));
    CHECK(payments.size() <= 1);
    if (status == "Completed") sold += ticketsOf(o, "general");
  }
  MESSAGE("final statuses: " << statuses["Completed"] << " Completed, " << statuses["Failed"] << " Failed");
  CHECK(statuses["Completed"] > 0);
  auto general = seats(server, show.id, "general");
  CHECK(general.sold == sold);
  CHECK(general.reserved == 0);
  CHECK(general.available + general.sold == kGeneralSeats);
  auto charges = queryDb(server.dataDir() / "payments.db",
                         "SELECT p.order_id, COUNT(*) FROM simulated_gateway_ledger l "
                         "JOIN payments p ON p.payment_id = l.idempotency_key "
                         "WHERE l.kind = 'charge' AND l.status = 'Succeeded' GROUP BY p.order_id HAVING COUNT(*) > 1");
  CHECK(charges.empty());
  // The broker really delivered some messages again, and the inboxes skipped them (or none was
  // in flight at the restart: then this only shows the counter exists).
  auto metrics = server.get("/metrics").body;
  MESSAGE("redeliveries: " << (metrics.find("bus_amqp_redelivered_total{") != std::string::npos ? "seen" : "none"));
}

TEST_CASE("amqp: a bad bus.transport or broker setting stops the start with the key's name") {
  TempDir dataDir("amqp-config");
  std::string output;
  int code = runBinary({"serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir.path().string()},
                       {{"BOXOFFICE_BUS_TRANSPORT", "kafka"}}, "", output);
  CHECK(code != 0);
  CHECK_MESSAGE(output.find("bus.transport") != std::string::npos, output);

  code = runBinary({"serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir.path().string()},
                   {{"BOXOFFICE_BUS_TRANSPORT", "amqp"}, {"BOXOFFICE_BUS_AMQP_PASSWORD", "x"}}, "", output);
  CHECK(code != 0);
  CHECK_MESSAGE(output.find("unencrypted") != std::string::npos, output);

  // A password file that is not there: the start fails naming the file, before any connection.
  code = runBinary({"serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir.path().string()},
                   {{"BOXOFFICE_BUS_TRANSPORT", "amqp"},
                    {"BOXOFFICE_BUS_AMQP_ALLOW_PLAIN_WITHOUT_TLS", "true"},
                    {"BOXOFFICE_BUS_AMQP_PASSWORD_FILE", (dataDir.path() / "missing-{module}").string()}},
                   "", output);
  CHECK(code != 0);
  CHECK_MESSAGE(output.find("missing-") != std::string::npos, output);
}

namespace {
std::string envValue(const std::vector<std::pair<std::string, std::string>>& env, const std::string& name) {
  for (const auto& [key, value] : env)
    if (key == name) return value;
  throw std::runtime_error("no " + name + " in the broker's server environment");
}

std::string readPassword(std::string pathPattern, const std::string& module) {
  pathPattern.replace(pathPattern.find("{module}"), std::string("{module}").size(), module);
  std::string password = process::readFile(pathPattern);
  while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) password.pop_back();
  return password;
}
}  // namespace

// The hostile review's forged EventCancelled: a module's broker user holds the password of one
// module only, and the topic permissions in config/rabbitmq/definitions.json must keep it from
// sending another module's topic. The notifications user sends an EventCancelled to the events
// topic; the broker must refuse it, and the server must stay ready with the event on sale. The
// events user sending to its own topic is accepted (a type no one subscribes to, so no inbox
// stores it): the refusal is the permission's, not the client's.
TEST_CASE("amqp: a module's broker user cannot send another module's topic (forged EventCancelled)") {
  if (!amqp::enabled()) {
    MESSAGE("nothing to test without a broker: runs in the scale-out phase (scripts/test-scaleout.sh)");
    return;
  }
  amqp::VirtualHost vhost;
  auto broker = vhost.serverEnv();
  TestServer::Options options = shopOptions();
  options.env.insert(options.env.end(), broker.begin(), broker.end());
  options.suiteBroker = false;
  TestServer server(options);
  Show show = showOnSale(server, 10);

  amqp::SendRequest forged;
  forged.url = envValue(broker, "BOXOFFICE_BUS_AMQP_URL");
  forged.virtualHost = envValue(broker, "BOXOFFICE_BUS_AMQP_VIRTUAL_HOST");
  forged.user = "boxoffice-notifications";
  forged.password = readPassword(envValue(broker, "BOXOFFICE_BUS_AMQP_PASSWORD_FILE"), "notifications");
  forged.address = "/exchange/boxoffice/events";
  forged.subject = "EventCancelled";
  forged.body = boost::json::serialize(boost::json::object{{"type", "EventCancelled"}, {"eventId", show.id}});
  auto refused = amqp::sendOnce(forged);
  CHECK_MESSAGE(refused.opened, refused.refusal);  // the login worked: what follows is the permission
  CHECK_FALSE(refused.accepted);
  std::string why = refused.refusal;
  std::transform(why.begin(), why.end(), why.begin(), [](unsigned char c) { return std::tolower(c); });
  CHECK_MESSAGE(why.find("refused") != std::string::npos, refused.refusal);

  amqp::SendRequest own = forged;
  own.user = "boxoffice-events";
  own.password = readPassword(envValue(broker, "BOXOFFICE_BUS_AMQP_PASSWORD_FILE"), "events");
  own.subject = "BrokerPermissionProbe";
  own.body = "{}";
  auto accepted = amqp::sendOnce(own);
  CHECK_MESSAGE(accepted.accepted, accepted.refusal);

  CHECK(server.get("/ready").status == 200);
  auto event = server.get("/api/v1/events/" + show.id, TestServer::bearer(show.organizerToken));
  REQUIRE_MESSAGE(event.status == 200, event.body);
  CHECK(event.json().at("status") == "Published");
  auto inventory = server.get("/api/v1/inventory/" + show.id);
  REQUIRE(inventory.status == 200);
  CHECK(inventory.json().at("status") == "Published");
}

// The broker ends one receiver link and keeps the connection (here: an operator deletes the
// queue): the module must notice, say so on /ready, and come back on its own once the queue is
// there again, with messages flowing. RabbitMQ ends that link with an error condition; a detach
// without one takes the same reconnect (ModuleLink::linkGone) but is not provoked here.
TEST_CASE("amqp: a receiver link the broker ends comes back by itself once its queue is there again") {
  if (!amqp::enabled()) {
    MESSAGE("nothing to test without a broker: runs in the scale-out phase (scripts/test-scaleout.sh)");
    return;
  }
  amqp::VirtualHost vhost;
  auto broker = vhost.serverEnv();
  TestServer::Options options = shopOptions();
  options.env.insert(options.env.end(), broker.begin(), broker.end());
  options.suiteBroker = false;
  TestServer server(options);
  Show before = showOnSale(server, 10);  // events -> inventory works

  vhost.deleteQueue("events.inventory");
  CHECK(eventually([&] { return server.get("/ready").status == 503; }, 30s, 50ms));
  vhost.restoreQueue("events.inventory", "events");
  CHECK(eventually([&] { return server.get("/ready").status == 200; }, 60s, 100ms));
  Show after = showOnSale(server, 10);  // inventory hears of a new event again
  CHECK(after.id != before.id);
}
