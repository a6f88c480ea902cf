// The delivery sender against a real notifications.db and a real SMTP server (aiosmtpd, started by
// the test): dedupe, suppression, in-app, backoff on a ManualClock, SMTP down and back, Failed
// after the last attempt, interrupted sends at restart, the email's headers, the digest hold.
#include <doctest/doctest.h>
#include <set>

#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/config.hpp"
#include "boxoffice/kernel/metrics.hpp"
#include "deliveries.hpp"
#include "smtp_mailer.hpp"
#include "support/eventually.hpp"
#include "support/smtp_server.hpp"
#include "support/temp_database.hpp"

using namespace boxoffice;
using namespace boxoffice::notifications;
using boxoffice::test_support::eventually;
using namespace std::chrono_literals;

namespace {

struct Fixture {
  explicit Fixture(std::uint16_t smtpPort = 0, int maxAttempts = 3) : config(makeSchema()) {
    if (smtpPort) {
      config.set("notifications.smtp.host", "127.0.0.1", "test");
      config.set("notifications.smtp.port", std::to_string(smtpPort), "test");
      config.set("notifications.smtp.security", "none", "test");
      config.set("notifications.smtp.connectTimeoutMs", "2000", "test");
      config.set("notifications.smtp.timeoutMs", "5000", "test");
    }
    config.set("notifications.smtp.from", "tickets@boxoffice.test", "test");
    config.set("notifications.retry.baseMs", "1000", "test");
    config.set("notifications.retry.maxMs", "3000", "test");
    config.set("notifications.retry.maxAttempts", std::to_string(maxAttempts), "test");
    config.set("notifications.sender.pollMs", "60000", "test");  // only wakes and clock moves run it
    templates = std::make_unique<Templates>(*db.db, clock);
    open();
  }
  static ConfigSchema& makeSchema() {
    static ConfigSchema schema = [] {
      ConfigSchema s;
      s.add(deliveryConfigKeys());
      return s;
    }();
    return schema;
  }
  void open() { deliveries = std::make_unique<Deliveries>(*db.db, *templates, config, clock, db.log, metrics); }

  static NewDelivery email(const std::string& source, const std::string& subject = "Your order") {
    NewDelivery d;
    d.sourceMessageId = source;
    d.correlationId = "corr-" + source;
    d.type = "OrderConfirmation";
    d.channel = Channel::Email;
    d.reader = Reader{"user-1", "de", "Europe/Berlin"};
    d.userName = "Ada";
    d.address = "ada@example.com";
    d.content = Rendered{subject, "Hello Ada\nline two", "<p>Hello <b>Ada</b></p>", "A", "de"};
    return d;
  }

  bool enqueue(const NewDelivery& d) const {
    return db.db->write([&](Tx& tx) { return deliveries->enqueue(tx, d); });
  }

  std::string text(const std::string& sql) const {
    return db.db->read([&](soci::session& s) {
      std::string out;
      soci::indicator ind = soci::i_null;
      s << sql, soci::into(out, ind);
      return ind == soci::i_ok ? out : std::string();
    });
  }
  long long count(const std::string& sql) const {
    return db.db->read([&](soci::session& s) {
      long long n = 0;
      s << sql, soci::into(n);
      return n;
    });
  }
  std::string status(const std::string& source) const {
    return text("SELECT status FROM notification_deliveries WHERE source_message_id = '" + source + "'");
  }

  ManualClock clock;
  test_support::TempDatabase db{"notifications", embeddedMigrations()};
  Config config;
  Metrics metrics;
  std::unique_ptr<Templates> templates;
  std::unique_ptr<Deliveries> deliveries;
};

}  // namespace

TEST_CASE("enqueue stores one delivery per source, user, channel and type") {
  Fixture f;
  auto d = Fixture::email("m-1");
  CHECK(f.enqueue(d));
  CHECK_FALSE(f.enqueue(d));  // a redelivered message adds nothing
  d.channel = Channel::Sms;
  d.address = "+4915112345678";
  CHECK(f.enqueue(d));
  CHECK(f.count("SELECT COUNT(*) FROM notification_deliveries") == 2);
}

TEST_CASE("suppressed and address-less deliveries are stored with their reason and never sent") {
  Fixture f;
  auto d = Fixture::email("m-1");
  d.suppressedBecause = "category-off";
  CHECK(f.enqueue(d));
  auto e = Fixture::email("m-2");
  e.address.clear();
  CHECK(f.enqueue(e));
  f.deliveries->start();
  f.clock.advance(10s);
  CHECK(f.status("m-1") == "Suppressed");
  CHECK(f.text("SELECT last_error FROM notification_deliveries WHERE source_message_id = 'm-1'") == "category-off");
  CHECK(f.text("SELECT last_error FROM notification_deliveries WHERE source_message_id = 'm-2'") == "no-address");
  f.deliveries->stop();
  CHECK(f.count("SELECT COUNT(*) FROM notification_simulated_sends") == 0);
  CHECK(f.count("SELECT COUNT(*) FROM outbox") == 0);
}

TEST_CASE("an in-app delivery is Sent at once and publishes NotificationSent in the same transaction") {
  Fixture f;
  auto d = Fixture::email("m-1");
  d.channel = Channel::InApp;
  d.address.clear();
  CHECK(f.enqueue(d));
  CHECK(f.status("m-1") == "Sent");
  CHECK(f.count("SELECT COUNT(*) FROM outbox WHERE type = 'NotificationSent' AND correlation_id = 'corr-m-1'") == 1);
}

TEST_CASE("without an SMTP host email and sms go to the simulated provider") {
  Fixture f;
  f.deliveries->start();
  CHECK(f.enqueue(Fixture::email("m-1")));
  auto sms = Fixture::email("m-2");
  sms.channel = Channel::Sms;
  sms.address = "+4915112345678";
  CHECK(f.enqueue(sms));
  CHECK(eventually([&] { return f.status("m-1") == "Sent" && f.status("m-2") == "Sent"; }));
  CHECK(f.count("SELECT COUNT(*) FROM notification_simulated_sends") == 2);
  CHECK(f.count("SELECT COUNT(*) FROM outbox WHERE type = 'NotificationSent'") == 2);
  CHECK(f.db.logs().find("simulated provider") != std::string::npos);
}

TEST_CASE("SMTP down: retries with exponential backoff, Failed after the last attempt, nothing sent twice") {
  testing::SmtpServer smtp;
  smtp.stop();
  Fixture f(smtp.port(), 3);
  f.deliveries->start();
  CHECK(f.enqueue(Fixture::email("m-1")));
  auto attempts = [&] { return f.count("SELECT attempts FROM notification_deliveries"); };
  auto next = [&] { return f.count("SELECT COALESCE(next_attempt_at, 0) FROM notification_deliveries"); };
  const auto t0 = f.clock.nowMillis();
  REQUIRE(eventually([&] { return attempts() == 1 && next() > t0; }));
  CHECK(next() == t0 + 1000);
  CHECK(f.status("m-1") == "Queued");
  f.clock.advance(1000ms);
  REQUIRE(eventually([&] { return attempts() == 2 && next() > t0 + 1000; }));
  CHECK(next() == t0 + 1000 + 2000);  // doubled
  f.clock.advance(2000ms);
  REQUIRE(eventually([&] { return f.status("m-1") == "Failed"; }));
  CHECK(attempts() == 3);
  CHECK(f.count("SELECT COUNT(*) FROM outbox WHERE type = 'NotificationFailed' AND correlation_id = 'corr-m-1'") == 1);
  CHECK_FALSE(f.text("SELECT last_error FROM notification_deliveries").empty());
}

TEST_CASE("header words: bytes that are not UTF-8 are still encoded, in bounded pieces") {
  auto encoded = encodeHeaderWord(std::string(100, '\x80'));  // a continuation byte, over and over
  CHECK(encoded.starts_with("=?UTF-8?B?"));
  CHECK(encoded.find("\r\n ") != std::string::npos);  // folded
  CHECK(encodeHeaderWord("Plain subject") == "Plain subject");
}

TEST_CASE("a subject longer than one header line arrives whole, folded within RFC 5322's 998 characters") {
  testing::SmtpServer smtp;
  Fixture f(smtp.port(), 3);
  f.deliveries->start();
  std::string subject(1100, 's');
  CHECK(f.enqueue(Fixture::email("m-long", subject)));
  auto mails = smtp.waitForMessages(1);
  REQUIRE(mails.size() == 1);
  CHECK(mails[0].headers.at("subject") == subject);
  std::size_t longest = 0;
  std::size_t start = 0;
  const auto& raw = mails[0].raw;
  for (auto end = raw.find('\n'); end != std::string::npos; start = end + 1, end = raw.find('\n', start))
    longest = std::max(longest, end - start);
  CHECK(longest <= 998);
}

TEST_CASE("SMTP down then back: the email is delivered once, with its headers") {
  testing::SmtpServer smtp;
  smtp.stop();
  Fixture f(smtp.port(), 5);
  f.deliveries->start();
  auto d = Fixture::email("m-1", "Bestätigung\r\nBcc: evil@example.com");
  d.unsubscribeUrl = "https://tickets.example/api/v1/notifications/unsubscribe?token=abc";
  CHECK(f.enqueue(d));
  REQUIRE(eventually([&] { return f.count("SELECT attempts FROM notification_deliveries") == 1; }));
  smtp.start();
  f.clock.advance(1000ms);
  REQUIRE(eventually([&] { return f.status("m-1") == "Sent"; }));
  auto mails = smtp.waitForMessages(1);
  REQUIRE(mails.size() == 1);
  const auto& mail = mails[0];
  CHECK(mail.to == std::vector<std::string>{"ada@example.com"});
  CHECK(mail.from == "tickets@boxoffice.test");
  CHECK(mail.headers.count("bcc") == 0);  // no header injection
  CHECK(mail.headers.at("subject") == "Bestätigung  Bcc: evil@example.com");
  auto id = f.text("SELECT id FROM notification_deliveries");
  CHECK(mail.headers.at("message-id") == "<" + id + "@boxoffice.test>");
  CHECK(mail.headers.at("content-language") == "de");
  CHECK(mail.headers.at("list-unsubscribe") == "<" + d.unsubscribeUrl + ">");
  CHECK(mail.headers.at("list-unsubscribe-post") == "List-Unsubscribe=One-Click");
  CHECK(mail.headers.count("date") == 1);
  CHECK(mail.text == "Hello Ada\nline two");
  CHECK(mail.html == "<p>Hello <b>Ada</b></p>");
  CHECK(f.count("SELECT COUNT(*) FROM outbox WHERE type = 'NotificationSent' AND correlation_id = 'corr-m-1'") == 1);
  f.clock.advance(10s);
  f.deliveries->stop();
  CHECK(smtp.messages().size() == 1);
}

TEST_CASE("a delivery left sending by a crash is Failed at start and never re-sent") {
  testing::SmtpServer smtp;
  Fixture f(smtp.port(), 5);
  CHECK(f.enqueue(Fixture::email("m-1")));
  // The state a crash between the claim and the send's outcome leaves behind.
  f.db.db->write([&](Tx& tx) { tx.exec("UPDATE notification_deliveries SET sending_since = 1, attempts = 1"); });
  f.deliveries->start();
  REQUIRE(eventually([&] { return f.status("m-1") == "Failed"; }));
  CHECK(f.text("SELECT last_error FROM notification_deliveries") == "interrupted-while-sending");
  CHECK(f.count("SELECT COUNT(*) FROM outbox WHERE type = 'NotificationFailed'") == 1);
  f.clock.advance(60s);
  f.deliveries->stop();
  CHECK(smtp.messages().empty());
}

TEST_CASE("a delivery held for the digest is not sent on its own") {
  Fixture f;
  f.deliveries->start();
  auto d = Fixture::email("m-1");
  d.category = Category::Marketing;
  d.digestAt = std::chrono::floor<std::chrono::seconds>(f.clock.now()) + std::chrono::hours(2);
  CHECK(f.enqueue(d));
  f.clock.advance(std::chrono::hours(1));
  f.clock.advance(1s);
  CHECK(f.status("m-1") == "Queued");
  CHECK(f.count("SELECT attempts FROM notification_deliveries") == 0);
  f.clock.advance(std::chrono::hours(1));
  // At digestAt the row joins a Digest delivery (or fails with the reason when no Digest template exists).
  REQUIRE(eventually([&] {
    return !f.text("SELECT digest_id FROM notification_deliveries WHERE source_message_id = 'm-1'").empty() ||
           f.status("m-1") == "Failed";
  }));
  CHECK(f.count("SELECT COUNT(*) FROM notification_simulated_sends WHERE delivery_id IN (SELECT id FROM "
                "notification_deliveries WHERE source_message_id = 'm-1')") == 0);
}

TEST_CASE("emails per second to the local SMTP server over one connection") {
  testing::SmtpServer smtp;
  Fixture f(smtp.port(), 3);
  const int n = 200;
  for (int i = 0; i < n; ++i) CHECK(f.enqueue(Fixture::email("bulk-" + std::to_string(i))));
  auto start = std::chrono::steady_clock::now();
  f.deliveries->start();
  auto mails = smtp.waitForMessages(n, 60s);
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(mails.size() == n);
  std::set<std::string> connections;
  for (const auto& mail : mails) connections.insert(mail.peer);
  CHECK(connections.size() < 5);  // one kept connection (a new one only if the server dropped it)
  MESSAGE(connections.size() << " SMTP connection(s)");
  MESSAGE("sent " << mails.size() << " emails in " << seconds << " s: " << mails.size() / seconds << " emails/s");
}

TEST_CASE("a slow SMTP server holds only the sender: enqueue stays fast while an email is in DATA") {
  testing::SmtpServer::Options slow;
  slow.dataDelayMs = 1500;
  testing::SmtpServer smtp(slow);
  Fixture f(smtp.port(), 3);
  f.deliveries->start();
  CHECK(f.enqueue(Fixture::email("m-1")));
  REQUIRE(eventually(
      [&] { return f.count("SELECT COUNT(*) FROM notification_deliveries WHERE sending_since IS NOT NULL") == 1; }));
  auto start = std::chrono::steady_clock::now();
  CHECK(f.enqueue(Fixture::email("m-2")));
  CHECK(std::chrono::steady_clock::now() - start < 500ms);
  CHECK(f.status("m-1") == "Queued");  // still in DATA
  REQUIRE(eventually([&] { return f.status("m-1") == "Sent" && f.status("m-2") == "Sent"; }, 15s));
  CHECK(smtp.messages().size() == 2);
}

TEST_CASE("an address longer than any real one is Suppressed, not sent") {
  Fixture f;
  auto d = Fixture::email("m-1");
  d.address = std::string(600, 'a') + "@example.com";
  CHECK(f.enqueue(d));
  CHECK(f.status("m-1") == "Suppressed");
  CHECK(f.text("SELECT last_error FROM notification_deliveries") == "address-too-long");
  CHECK(f.count("SELECT LENGTH(address) FROM notification_deliveries") <= 512);
}

// The private test SMTP server's password: only that server, started by this test, knows it.
constexpr const char* kTestSmtpPassword = "test-only-smtp-password";

TEST_CASE("SMTP AUTH with the configured user name and password") {
  testing::SmtpServer::Options auth;
  auth.user = "mailer";
  auth.password = kTestSmtpPassword;
  testing::SmtpServer smtp(auth);
  Fixture f(smtp.port(), 2);
  f.config.set("notifications.smtp.username", "mailer", "test");
  f.config.set("notifications.smtp.password", "wrong", "test");
  f.open();
  f.deliveries->start();
  CHECK(f.enqueue(Fixture::email("m-1")));
  REQUIRE(eventually([&] { return f.count("SELECT attempts FROM notification_deliveries") == 1; }));
  CHECK(f.status("m-1") == "Queued");  // refused: retried later, not lost
  f.deliveries->stop();
  CHECK(f.status("m-1") == "Queued");
  CHECK_FALSE(f.text("SELECT last_error FROM notification_deliveries").empty());
  CHECK(smtp.messages().empty());
  f.config.set("notifications.smtp.password", kTestSmtpPassword, "test");
  f.open();
  f.deliveries->start();
  f.clock.advance(std::chrono::seconds(1));
  REQUIRE(eventually([&] { return f.status("m-1") == "Sent"; }));
  CHECK(smtp.waitForMessages(1).size() == 1);
  CHECK(f.db.logs().find(kTestSmtpPassword) == std::string::npos);
}

TEST_CASE("the digest: held deliveries become one email at digestAt, and follow its outcome") {
  testing::SmtpServer smtp;
  Fixture f(smtp.port(), 1);
  const auto at = std::chrono::floor<std::chrono::seconds>(f.clock.now()) + std::chrono::hours(2);
  for (const char* source : {"m-1", "m-2", "m-3"}) {
    auto d = Fixture::email(source, std::string("News ") + source);
    d.type = "Announcement";
    d.category = Category::Marketing;
    d.digestAt = at;
    d.unsubscribeUrl = "https://tickets.example/api/v1/notifications/unsubscribe?token=t";
    CHECK(f.enqueue(d));
  }
  f.deliveries->start();
  f.clock.advance(std::chrono::hours(2) + std::chrono::seconds(1));
  auto mails = smtp.waitForMessages(1);
  REQUIRE(mails.size() == 1);
  CHECK(mails[0].headers.at("subject") == "Ihre boxoffice-Zusammenfassung: 3 Neuigkeit(en)");  // the reader's language
  for (const char* subject : {"News m-1", "News m-2", "News m-3"})
    CHECK(mails[0].text.find(subject) != std::string::npos);
  CHECK(mails[0].headers.at("list-unsubscribe") ==
        "<https://tickets.example/api/v1/notifications/unsubscribe?token=t>");
  // The members are Sent with it, each with its NotificationSent; the digest is a delivery too.
  REQUIRE(eventually([&] {
    return f.count("SELECT COUNT(*) FROM notification_deliveries WHERE type = 'Announcement' AND status = 'Sent'") == 3;
  }));
  CHECK(f.status("m-1") == "Sent");
  CHECK(f.count("SELECT COUNT(*) FROM notification_deliveries WHERE type = 'Digest' AND status = 'Sent'") == 1);
  CHECK(f.count("SELECT COUNT(*) FROM outbox WHERE type = 'NotificationSent'") == 4);
  f.clock.advance(std::chrono::hours(1));
  f.deliveries->stop();
  CHECK(smtp.messages().size() == 1);  // one email for three held deliveries, never more
}

TEST_CASE("the digest: when it fails its members fail with it") {
  testing::SmtpServer::Options reject;
  reject.rejectAll = true;
  testing::SmtpServer smtp(reject);
  Fixture f(smtp.port(), 1);
  const auto at = std::chrono::floor<std::chrono::seconds>(f.clock.now()) + std::chrono::hours(2);
  for (const char* source : {"m-1", "m-2"}) {
    auto d = Fixture::email(source);
    d.type = "Announcement";
    d.category = Category::Marketing;
    d.digestAt = at;
    CHECK(f.enqueue(d));
  }
  f.deliveries->start();
  f.clock.advance(std::chrono::hours(2) + std::chrono::seconds(1));
  REQUIRE(eventually([&] { return f.status("m-1") == "Failed" && f.status("m-2") == "Failed"; }));
  CHECK(f.text("SELECT last_error FROM notification_deliveries WHERE source_message_id = 'm-1'")
            .starts_with("digest-failed"));
  CHECK(f.count("SELECT COUNT(*) FROM notification_deliveries WHERE type = 'Digest' AND status = 'Failed'") == 1);
}

TEST_CASE("a send whose outcome cannot be written is Failed at the next round, never sent again") {
  testing::SmtpServer smtp;
  Fixture f(smtp.port(), 3);
  // The database refuses to record Sent (as a full disk would).
  f.db.db->write([](Tx& tx) {
    tx.exec(
        "CREATE TRIGGER refuse_sent BEFORE UPDATE OF status ON notification_deliveries WHEN NEW.status = 'Sent' "
        "BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END");
  });
  f.deliveries->start();
  CHECK(f.enqueue(Fixture::email("m-1")));
  REQUIRE(smtp.waitForMessages(1).size() == 1);  // the email left
  REQUIRE(eventually([&] { return f.db.logs().find("disk full (test)") != std::string::npos; }));
  f.db.db->write([](Tx& tx) { tx.exec("DROP TRIGGER refuse_sent"); });
  f.clock.advance(2s);  // past the worker's error pause: the next round settles the claim
  REQUIRE(eventually([&] { return f.status("m-1") == "Failed"; }));
  CHECK(f.text("SELECT last_error FROM notification_deliveries") == "interrupted-while-sending");
  f.clock.advance(std::chrono::hours(1));
  f.deliveries->stop();
  CHECK(smtp.messages().size() == 1);
}
