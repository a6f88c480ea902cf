// More than one instance on one PostgreSQL database and one broker (seat_owner.hpp): one instance
// decides seats, the others forward seat commands to it; buyers racing through both never get a
// seat twice, and killing the owner mid-rush loses no acknowledged hold. These run in the
// scale-out phase (PostgreSQL and RabbitMQ); elsewhere they only check that the configuration is
// refused where it cannot work.
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <doctest/doctest.h>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "amqp_broker.hpp"
#include "eventually.hpp"
#include "json_text.hpp"
#include "postgres_test_database.hpp"
#include "problem_check.hpp"
#include "sqlite_query.hpp"
#include "test_server.hpp"
#include "token_mint.hpp"

using namespace boxoffice::testing;
using namespace boxoffice::test_support;
using namespace std::chrono_literals;

namespace {

std::string advertised(std::uint16_t port) { return "http://127.0.0.1:" + std::to_string(port); }

// Two instances on one database and one virtual host: `first` starts alone (it takes the seats),
// `second` joins it.
struct Pair {
  std::uint16_t firstPort = TestServer::freePort();
  std::unique_ptr<TestServer> first;
  std::unique_ptr<TestServer> second;

  // `secondEnv`: more settings for the second instance.
  explicit Pair(std::vector<std::pair<std::string, std::string>> secondEnv = {}) {
    TestServer::Options a;
    a.listenPort = firstPort;
    a.env = {{"BOXOFFICE_CLUSTER_ADVERTISE_URL", advertised(firstPort)},
             {"BOXOFFICE_CLUSTER_TAKEOVER_POLL_MS", "200"},
             {"BOXOFFICE_SERVER_TRUSTED_PROXIES", "127.0.0.1/32"}};
    first = std::make_unique<TestServer>(a);
    second = join(*first, std::move(secondEnv));
  }

  static std::unique_ptr<TestServer> join(const TestServer& owner,
                                          std::vector<std::pair<std::string, std::string>> extraEnv = {}) {
    TestServer::Options b;
    b.listenPort = TestServer::freePort();
    b.dataDir = owner.dataDir();  // the same PostgreSQL database (named after the data directory)
    b.suiteBroker = false;
    b.env = owner.brokerEnvironment();
    b.env.emplace_back("BOXOFFICE_CLUSTER_ADVERTISE_URL", advertised(b.listenPort));
    b.env.emplace_back("BOXOFFICE_CLUSTER_TAKEOVER_POLL_MS", "200");
    b.env.emplace_back("BOXOFFICE_SERVER_TRUSTED_PROXIES", "127.0.0.1/32");
    b.env.insert(b.env.end(), extraEnv.begin(), extraEnv.end());
    return std::make_unique<TestServer>(b);
  }
};

// Ends the database session that holds the seat owner's lock, in this test's database only (the
// suite's tests run side by side in one PostgreSQL cluster).
constexpr const char* kTerminateSeatOwnerSession =
    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND "
    "database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND "
    "objid::bigint = (hashtext('boxoffice.inventory.writer')::bigint & 4294967295)";

bool scaleOutPhase() { return std::getenv("BX_PG_ADMIN_URL") != nullptr && amqp::enabled(); }

// A published event of one category "general" with `seats`, visible on `reader` too.
std::string publishedEvent(TestServer& server, TestServer& reader, int seats) {
  auto organizer = mintToken("Organizer").token;
  boost::json::object body{
      {"name", "Two Doors Night"},
      {"description", "A test show"},
      {"category", "concert"},
      {"startsAt", "2031-06-01T19:00:00Z"},
      {"endsAt", "2031-06-01T23:00:00Z"},
      {"timezone", "Europe/Berlin"},
      {"venue", {{"name", "Hall"}, {"address", "1 Main St"}, {"city", "Berlin"}, {"country", "DE"}}},
      {"maxCapacity", seats},
      {"priceCategories", boost::json::array{{{"categoryId", "general"},
                                              {"name", "General"},
                                              {"price", {{"amount", 2500}, {"currency", "EUR"}}},
                                              {"totalSeats", seats}}}}};
  auto created = server.post("/api/v1/events", boost::json::serialize(body), TestServer::bearer(organizer));
  REQUIRE_MESSAGE(created.status == 201, created.body);
  std::string id = str(created.json().at("id"));
  auto published = server.post("/api/v1/events/" + id + "/publish", "{}", TestServer::bearer(organizer));
  REQUIRE_MESSAGE(published.status == 200, published.body);
  for (auto* instance : {&server, &reader}) {
    bool onSale = eventually([&] {
      auto inventory = instance->get("/api/v1/inventory/" + id);
      return inventory.status == 200 && inventory.json().at("status") == "Published";
    });
    REQUIRE_MESSAGE(onSale, "the inventory never appeared on port " << instance->port());
  }
  return id;
}

HttpResult reserve(TestServer& server, const std::string& eventId, const std::string& token, HeaderList extra = {}) {
  extra.emplace_back("Authorization", "Bearer " + token);
  return server.post("/api/v1/inventory/" + eventId + "/reserve", R"({"categoryId":"general","ticketCount":1})", extra);
}

// What the database holds for the event: the category's counts and its active holds.
struct Stored {
  int total = 0, available = 0, reserved = 0, sold = 0;
  std::set<std::string> activeHolds;
};

Stored stored(const TestServer& server, const std::string& eventId) {
  auto db = server.dataDir() / "inventory.db";
  Stored out;
  auto rows = queryDb(db, "SELECT total, available, reserved, sold FROM categories WHERE event_id = '" + eventId + "'");
  REQUIRE(rows.size() == 1);
  out.total = std::stoi(*rows[0][0]);
  out.available = std::stoi(*rows[0][1]);
  out.reserved = std::stoi(*rows[0][2]);
  out.sold = std::stoi(*rows[0][3]);
  for (const auto& row : queryDb(db,
                                 "SELECT reservation_id FROM reservations WHERE status = 'Reserved' AND "
                                 "event_id = '" +
                                     eventId + "'")) {
    out.activeHolds.insert(*row[0]);
  }
  return out;
}

// The owner lease's epoch (0: no lease yet).
int leaseEpoch(const TestServer& server) {
  auto rows = queryDb(server.dataDir() / "inventory.db", "SELECT epoch FROM owner_lease");
  return rows.size() == 1 ? std::stoi(*rows[0][0]) : 0;
}

// Sends reserves to a stale owner until it has stopped (at most 5); each must be refused with
// 503, never decided. Returns how many were answered. (Its first write may only find its
// connection gone; the new session's hook then refuses and the process stops.)
int refusedUntilItStops(TestServer& staleOwner, const std::string& eventId) {
  int refused = 0;
  for (int attempt = 0; attempt < 5; ++attempt) {
    try {
      auto r = reserve(staleOwner, eventId, mintToken("User").token);
      CHECK(r.status == 503);
      ++refused;
    } catch (const std::exception&) {
      break;  // it has stopped
    }
  }
  return refused;
}

// Whether /metrics has a sample whose name and labels start with `prefix`.
bool hasSample(TestServer& server, const std::string& prefix) {
  auto body = server.get("/metrics").body;
  return body.starts_with(prefix) || body.find("\n" + prefix) != std::string::npos;
}

double metric(TestServer& server, const std::string& line) {
  auto body = "\n" + server.get("/metrics").body;
  auto at = body.find("\n" + line + " ");  // a sample line, not the # HELP line that names it
  return at == std::string::npos ? -1 : std::stod(body.substr(at + line.size() + 2));
}

}  // namespace

TEST_CASE("cluster: cluster.advertiseUrl is refused where instances cannot share state") {
  TestServer server;
  if (server.postgres() != nullptr && amqp::enabled()) {
    MESSAGE("the scale-out phase runs the cluster itself (below)");
    return;
  }
  // Its own data directory (a second serve on the first one's stops at the data-directory lock).
  std::string output;
  auto otherDir = std::filesystem::temp_directory_path() / ("boxoffice-cluster-" + std::to_string(::getpid()));
  std::vector<std::pair<std::string, std::string>> environment{
      {"BOXOFFICE_AUTH_JWT_SECRET", std::string(40, 'k')}, {"BOXOFFICE_CLUSTER_ADVERTISE_URL", "http://127.0.0.1:1"}};
  if (server.postgres() != nullptr) {
    for (auto& entry : server.postgres()->environment()) environment.push_back(entry);
  }
  int code =
      runBinary({"serve", "--listen", "127.0.0.1:0", "--data-dir", otherDir.string()}, environment, "", output, 20000);
  std::filesystem::remove_all(otherDir);
  CAPTURE(output);
  CHECK(code != 0);
  CHECK(code != -1);
  CHECK(output.find(server.postgres() == nullptr ? "storage.backend is not postgresql" : "bus.transport is not amqp") !=
        std::string::npos);
}

TEST_CASE("cluster: buyers racing through two instances for the last seats get each seat once") {
  if (!scaleOutPhase()) {
    MESSAGE("the scale-out phase only (PostgreSQL and RabbitMQ)");
    return;
  }
  Pair pair;
  auto& owner = *pair.first;
  auto& follower = *pair.second;
  auto eventId = publishedEvent(owner, follower, 40);

  std::vector<std::string> tokens;
  for (int i = 0; i < 120; ++i) tokens.push_back(mintToken("User").token);
  std::atomic<int> granted{0}, soldOut{0}, other{0};
  std::mutex mutex;
  std::set<std::string> acknowledged;
  runConcurrently(120, [&](int i) {
    auto& through = i % 2 == 0 ? owner : follower;
    auto r = reserve(through, eventId, tokens[static_cast<std::size_t>(i)]);
    if (r.status == 201) {
      ++granted;
      std::lock_guard lock(mutex);
      acknowledged.insert(str(r.json().at("reservationId")));
    } else if (r.status == 409 && problemType(r) == "/problems/not-enough-seats") {
      ++soldOut;
    } else {
      ++other;
      MESSAGE("unexpected answer " << r.status << ": " << r.body);
    }
  });
  CHECK(granted == 40);
  CHECK(soldOut == 80);
  CHECK(other == 0);
  CHECK(acknowledged.size() == 40);
  auto db = stored(owner, eventId);
  CHECK(db.available == 0);
  CHECK(db.reserved == 40);
  CHECK(db.activeHolds == acknowledged);
  // The follower forwarded its half, and shows what the owner decided (told by a signal).
  CHECK(metric(follower, R"(cluster_forwards_total{result="answered"})") >= 60);
  CHECK(metric(owner, "cluster_seat_owner") == 1);
  CHECK(metric(follower, "cluster_seat_owner") == 0);
  // Only the owner consumes inventory's messages (the event's publication reached it, not the follower).
  CHECK(hasSample(owner, R"(bus_messages_delivered_total{subscriber="inventory")"));
  CHECK_FALSE(hasSample(follower, R"(bus_messages_delivered_total{subscriber="inventory")"));
  CHECK(eventually([&] {
    auto seen = follower.get("/api/v1/inventory/" + eventId);
    return seen.status == 200 && seen.json().at("availableTickets") == 0 && seen.json().at("reservedTickets") == 40;
  }));
  // A command forwarded once is never forwarded again: a follower answers it 503 itself.
  auto looped = reserve(follower, eventId, tokens[1], {{"X-Boxoffice-Forwarded-By", "elsewhere"}});
  CHECK(looped.status == 503);
  CHECK(problemType(looped) == "/problems/inventory-owner-unavailable");
  CHECK(looped.header("retry-after") == "1");
  // Bad input is answered where it arrives: nothing travels.
  auto forwardedBefore = metric(follower, R"(cluster_forwards_total{result="answered"})");
  auto bad = follower.post("/api/v1/inventory/" + eventId + "/reserve", R"({"categoryId":"general","ticketCount":0})",
                           TestServer::bearer(tokens[2]));
  CHECK(bad.status == 400);
  CHECK(metric(follower, R"(cluster_forwards_total{result="answered"})") == forwardedBefore);
}

TEST_CASE("cluster: the owner killed mid-rush: the other instance takes the seats over and loses no hold") {
  if (!scaleOutPhase()) {
    MESSAGE("the scale-out phase only (PostgreSQL and RabbitMQ)");
    return;
  }
  Pair pair;
  auto& owner = *pair.first;
  auto& follower = *pair.second;
  constexpr int kSeats = 100000;
  auto eventId = publishedEvent(owner, follower, kSeats);

  std::mutex mutex;
  std::set<std::string> acknowledged;  // every hold a client was told succeeded
  std::atomic<int> unavailable{0}, unexpected{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&] {
      auto token = mintToken("User").token;
      while (!stop) {
        auto r = reserve(follower, eventId, token);  // the follower stays up; its owner goes away
        if (r.status == 201) {
          std::lock_guard lock(mutex);
          acknowledged.insert(str(r.json().at("reservationId")));
        } else if (r.status == 409) {
          token = mintToken("User").token;  // this buyer hit the per-user limit
        } else if (r.status == 503) {
          ++unavailable;  // no owner for a moment: the client may retry
        } else {
          ++unexpected;
        }
      }
    });
  }
  REQUIRE(eventually([&] {
    std::lock_guard lock(mutex);
    return acknowledged.size() >= 20;
  }));
  owner.kill9();
  // The follower takes the seats once PostgreSQL has ended the dead owner's session.
  std::size_t atKill = 0;
  {
    std::lock_guard lock(mutex);
    atKill = acknowledged.size();
  }
  bool tookOver = eventually(
      [&] {
        std::lock_guard lock(mutex);
        return acknowledged.size() >= atKill + 20;
      },
      20s);
  stop = true;
  for (auto& t : clients) t.join();
  CHECK(tookOver);
  CHECK(unexpected == 0);

  auto db = stored(follower, eventId);
  for (const auto& id : acknowledged) CHECK_MESSAGE(db.activeHolds.count(id) == 1, "acknowledged hold lost: " << id);
  CHECK(db.available + db.reserved + db.sold == kSeats);
  CHECK(db.reserved == static_cast<int>(db.activeHolds.size()));
  auto seen = follower.get("/api/v1/inventory/" + eventId).json().as_object();
  CHECK(seen.at("reservedTickets").as_int64() == db.reserved);

  // The new owner consumes inventory's messages: an event published now gets its inventory.
  CHECK(eventually([&] { return follower.get("/ready").status == 200; }));
  auto later = publishedEvent(follower, follower, 10);
  CHECK(reserve(follower, later, mintToken("User").token).status == 201);

  // The old owner comes back as a follower: it forwards to the new owner.
  owner.restart();
  auto again = reserve(owner, eventId, mintToken("User").token);
  CHECK_MESSAGE(again.status == 201, again.body);
}

TEST_CASE("cluster: an owner whose lock was taken over while its session was gone stops (exit 3)") {
  if (!scaleOutPhase()) {
    MESSAGE("the scale-out phase only (PostgreSQL and RabbitMQ)");
    return;
  }
  Pair pair;
  auto& owner = *pair.first;
  auto& follower = *pair.second;
  auto eventId = publishedEvent(owner, follower, 50);
  REQUIRE(reserve(owner, eventId, mintToken("User").token).status == 201);
  auto epoch = [&] { return leaseEpoch(owner); };
  REQUIRE(epoch() == 1);
  // The owner's database session ends (a network cut, a failover) while it is paused, so that
  // the follower takes the lock before the owner could write (and take it back) again.
  owner.signal(SIGSTOP);
  std::string output;
  REQUIRE(owner.postgres()->adminSql(kTerminateSeatOwnerSession, output) == 0);
  CAPTURE(output);
  bool tookOver = eventually([&] { return epoch() == 2; }, 15s);
  owner.signal(SIGCONT);
  REQUIRE(tookOver);
  CHECK(reserve(follower, eventId, mintToken("User").token).status == 201);  // decided by the new owner
  // The old owner's next seat write finds the lock taken: refused (never 201), and the process
  // stops. (Its first write may only find the connection gone; the new session's hook refuses.)
  CHECK(refusedUntilItStops(owner, eventId) >= 1);
  CHECK(owner.waitForExit(15000) == 3);
  auto db = stored(follower, eventId);
  CHECK(db.available + db.reserved + db.sold == 50);
}

TEST_CASE(
    "cluster: a frozen owner: forwards end in 503 after the timeout, and a full forwarding pool refuses at once") {
  if (!scaleOutPhase()) {
    MESSAGE("the scale-out phase only (PostgreSQL and RabbitMQ)");
    return;
  }
  Pair pair({{"BOXOFFICE_CLUSTER_FORWARD_TIMEOUT_MS", "2000"},
             {"BOXOFFICE_CLUSTER_FORWARD_THREADS", "1"},
             {"BOXOFFICE_CLUSTER_FORWARD_QUEUE", "0"}});
  auto& owner = *pair.first;
  auto& follower = *pair.second;
  auto eventId = publishedEvent(owner, follower, 50);
  // The owner stops answering but keeps its database session (a long pause): nobody takes over,
  // and the follower must not pile up waiting requests.
  owner.signal(SIGSTOP);
  // One buyer's command times out: it reached the owner, which has not answered.
  auto buyer = mintToken("User").token;
  HeaderList key{{"Idempotency-Key", "frozen-owner-1"}};
  auto timedOutOnce = reserve(follower, eventId, buyer, key);
  CHECK(timedOutOnce.status == 503);
  std::atomic<int> unavailable{0}, other{0};
  runConcurrently(6, [&](int) {
    auto r = reserve(follower, eventId, mintToken("User").token);
    if (r.status == 503 && problemType(r) == "/problems/inventory-owner-unavailable") {
      ++unavailable;
    } else {
      ++other;
    }
  });
  owner.signal(SIGCONT);
  CHECK(unavailable == 6);
  CHECK(other == 0);
  auto timedOut = metric(follower, R"(cluster_forwards_total{result="failed"})");
  CHECK(timedOut >= 1);
  CHECK(metric(follower, R"(cluster_forwards_total{result="refused"})") >= 1);  // the pool was busy
  // Everything else the follower serves meanwhile, and the seats work again once the owner does.
  CHECK(follower.get("/api/v1/inventory/" + eventId).status == 200);
  // A command that timed out had reached the owner, which decides it once it runs again: its
  // client got 503 and retries with its Idempotency-Key (docs/deployment.md): one hold, never two.
  HttpResult retried;
  CHECK(eventually([&] {
    retried = reserve(follower, eventId, buyer, key);
    return retried.status == 201;
  }));
  // (With one forwarding thread and no queue, a retry sent the moment the last answer arrived may
  // find that thread not yet free: refused at the follower, it never reached the owner.)
  HttpResult again;
  CHECK(eventually([&] {
    again = reserve(follower, eventId, buyer, key);
    return again.status == 201;
  }));
  CHECK(again.header("idempotent-replayed") == "true");
  CHECK(str(again.json().at("reservationId")) == str(retried.json().at("reservationId")));
  // Refused ones never left the follower; each timed-out one may have become a hold.
  auto reserved = stored(owner, eventId).reserved;
  CHECK(reserved >= 1);
  CHECK(reserved <= static_cast<int>(timedOut));
}

TEST_CASE("cluster: an owner that gets the lock back after another owner came and went stops (exit 3)") {
  if (!scaleOutPhase()) {
    MESSAGE("the scale-out phase only (PostgreSQL and RabbitMQ)");
    return;
  }
  Pair pair;
  auto& owner = *pair.first;
  auto& follower = *pair.second;
  auto eventId = publishedEvent(owner, follower, 50);
  auto epoch = [&] { return leaseEpoch(owner); };
  // The owner pauses and loses its session; the follower takes over and sells a seat; then the
  // follower dies too, so the lock is free when the old owner wakes up with its stale copy.
  owner.signal(SIGSTOP);
  std::string output;
  REQUIRE(owner.postgres()->adminSql(kTerminateSeatOwnerSession, output) == 0);
  bool tookOver = eventually([&] { return epoch() == 2; }, 15s);
  if (tookOver) CHECK(reserve(follower, eventId, mintToken("User").token).status == 201);
  follower.kill9();
  owner.signal(SIGCONT);
  REQUIRE(tookOver);
  // Its copy does not know that seat: it must not decide again, however free the lock is.
  CHECK(refusedUntilItStops(owner, eventId) >= 1);
  CHECK(owner.waitForExit(15000) == 3);
  auto db = stored(owner, eventId);
  CHECK(db.reserved == 1);
  CHECK(db.available + db.reserved + db.sold == 50);
}
