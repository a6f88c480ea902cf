// Two instances' delivery senders on one PostgreSQL database (docs/architecture.md#more-than-one-
// instance): every delivery is emailed once, and one instance starting or sweeping does not fail
// a send that another is still making. Skipped without BX_PG_ADMIN_URL (scripts/test-scaleout.sh
// runs them against a private cluster).
#include <doctest/doctest.h>
#include <map>
#include <memory>
#include <string>

#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/config.hpp"
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/metrics.hpp"
#include "deliveries.hpp"
#include "kernel/kernel_test_support.hpp"
#include "kernel/postgres_scratch.hpp"
#include "support/eventually.hpp"
#include "support/smtp_server.hpp"

using namespace boxoffice;
using namespace boxoffice::notifications;
using boxoffice::test_support::eventually;
using namespace std::chrono_literals;

namespace {

ConfigSchema& schema() {
  static ConfigSchema s = [] {
    ConfigSchema built;
    built.add(deliveryConfigKeys());
    return built;
  }();
  return s;
}

// One instance: its own store of the shared schema, templates, sender and metrics.
struct Instance {
  Instance(const std::string& url, const std::string& name, std::uint16_t smtpPort, const Clock& clock,
           const test::CapturedLog& log)
      : config(schema()) {
    Database::Options options;
    options.module = "notifications";
    options.postgres = Database::Postgres{.connection = url, .schema = "public"};
    store = std::make_unique<Database>(options, log.logger(name));
    config.set("notifications.smtp.host", "127.0.0.1", "test");
    config.set("notifications.smtp.port", std::to_string(smtpPort), "test");
    config.set("notifications.smtp.security", "none", "test");
    config.set("notifications.smtp.connectTimeoutMs", "2000", "test");
    config.set("notifications.smtp.timeoutMs", "5000", "test");
    config.set("notifications.smtp.from", "tickets@boxoffice.test", "test");
    config.set("notifications.sender.pollMs", "60000", "test");  // only wakes and clock moves run it
    config.set("notifications.sender.batchSize", "5", "test");   // many rounds: the senders interleave
    if (name == "a") store->migrate(embeddedMigrations());       // the first instance sets the schema up
    templates = std::make_unique<Templates>(*store, clock);
    deliveries = std::make_unique<Deliveries>(*store, *templates, config, clock, log.logger(name), metrics,
                                              /*severalInstances=*/true);
  }
  Config config;
  Metrics metrics;
  std::unique_ptr<Database> store;
  std::unique_ptr<Templates> templates;
  std::unique_ptr<Deliveries> deliveries;
};

NewDelivery email(const std::string& source) {
  NewDelivery d;
  d.sourceMessageId = source;
  d.correlationId = "corr-" + source;
  d.type = "OrderConfirmation";
  d.channel = Channel::Email;
  d.reader = Reader{"user-1", "de", "Europe/Berlin"};
  d.userName = "Ada";
  d.address = "ada@example.com";
  d.content = Rendered{"Order " + source, "Hello Ada", "<p>Hello</p>", "A", "de"};
  return d;
}

long long count(Database& store, const std::string& sql) {
  return store.read([&](soci::session& s) {
    long long n = 0;
    s << sql, soci::into(n);
    return n;
  });
}

}  // namespace

TEST_CASE("postgresql: two instances' senders email every delivery once") {
  auto admin = test::ScratchDatabase::adminUrl();
  if (!admin) {
    MESSAGE("skipped: BX_PG_ADMIN_URL is not set (scripts/postgres-cluster.sh start gives one)");
    return;
  }
  test::ScratchDatabase database(*admin);
  test::CapturedLog log;
  ManualClock clock;
  testing::SmtpServer smtp;
  Instance a(database.url(), "a", smtp.port(), clock, log);
  Instance b(database.url(), "b", smtp.port(), clock, log);
  constexpr int kDeliveries = 40;
  // Committed before either sender starts: both find all of them due on their first round.
  a.store->write([&](Tx& tx) {
    for (int i = 0; i < kDeliveries; ++i) REQUIRE(a.deliveries->enqueue(tx, email("m-" + std::to_string(i))));
  });
  a.deliveries->start();
  b.deliveries->start();
  REQUIRE(eventually([&] {
    clock.advance(10ms);
    return count(*a.store, "SELECT COUNT(*) FROM notification_deliveries WHERE status = 'Sent'") == kDeliveries;
  }));
  a.deliveries->stop();
  b.deliveries->stop();
  auto mails = smtp.messages();
  CHECK(mails.size() == kDeliveries);
  std::map<std::string, int> perSubject;
  for (const auto& mail : mails) ++perSubject[mail.headers.at("subject")];
  CHECK(perSubject.size() == kDeliveries);
  for (const auto& [subject, times] : perSubject) CHECK_MESSAGE(times == 1, subject);
  CHECK(count(*a.store, "SELECT COUNT(*) FROM outbox WHERE type = 'NotificationSent'") == kDeliveries);
  CHECK(count(*a.store, "SELECT COALESCE(MAX(attempts), 0) FROM notification_deliveries") == 1);
}

TEST_CASE("postgresql: another instance does not fail a send still under way, an abandoned one is failed once") {
  auto admin = test::ScratchDatabase::adminUrl();
  if (!admin) {
    MESSAGE("skipped: BX_PG_ADMIN_URL is not set (scripts/postgres-cluster.sh start gives one)");
    return;
  }
  test::ScratchDatabase database(*admin);
  test::CapturedLog log;
  ManualClock clock;
  testing::SmtpServer smtp;
  Instance a(database.url(), "a", smtp.port(), clock, log);
  Instance b(database.url(), "b", smtp.port(), clock, log);
  a.store->write([&](Tx& tx) { REQUIRE(a.deliveries->enqueue(tx, email("m-1"))); });
  // Instance "a" claimed it for sending a moment ago (the claim is committed before the send).
  a.store->write([&](Tx& tx) {
    tx.exec("UPDATE notification_deliveries SET sending_since = ?1, attempts = 1", clock.nowMillis());
  });
  // Both senders start (a start used to fail every claimed row) and run rounds within the SMTP
  // timeouts, sending another delivery: the claim is not theirs to fail.
  a.deliveries->start();
  b.deliveries->start();
  a.store->write([&](Tx& tx) { REQUIRE(a.deliveries->enqueue(tx, email("m-2"))); });
  REQUIRE(eventually([&] {
    clock.advance(500ms);
    return count(*a.store, "SELECT COUNT(*) FROM notification_deliveries WHERE status = 'Sent'") == 1;
  }));
  for (int i = 0; i < 4; ++i) clock.advance(500ms);
  CHECK(count(*a.store, "SELECT COUNT(*) FROM notification_deliveries WHERE status = 'Queued'") == 1);
  CHECK(count(*a.store, "SELECT COUNT(*) FROM outbox WHERE type = 'NotificationFailed'") == 0);
  // Past connect + send timeouts and the margin, nobody can still be sending: Failed, once, and
  // never emailed (it may have left before its sender died).
  clock.advance(2000ms + 5000ms + 60s);
  REQUIRE(eventually([&] {
    clock.advance(10ms);
    return count(*a.store, "SELECT COUNT(*) FROM notification_deliveries WHERE status = 'Failed'") == 1;
  }));
  clock.advance(60s);
  a.deliveries->stop();
  b.deliveries->stop();
  CHECK(count(*a.store, "SELECT COUNT(*) FROM outbox WHERE type = 'NotificationFailed'") == 1);
  CHECK(count(*a.store,
              "SELECT COUNT(*) FROM notification_deliveries WHERE last_error = "
              "'interrupted-while-sending'") == 1);
  auto mails = smtp.messages();
  REQUIRE(mails.size() == 1);
  CHECK(mails.front().headers.at("subject") == "Order m-2");
}
