// Triggers → service → deliveries with fake templates and delivery sink, on a real notifications.db;
// the reminder scheduler on a ManualClock.
#include "service.hpp"

#include <doctest/doctest.h>
#include <set>

#include "announcements.hpp"
#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/time.hpp"
#include "preferences.hpp"
#include "read_model.hpp"
#include "reasons.hpp"
#include "reminders.hpp"
#include "support/temp_database.hpp"
#include "triggers.hpp"
#include "unsubscribe_tokens.hpp"

using namespace boxoffice;
using namespace boxoffice::notifications;

namespace {

class FakeRenderer final : public Renderer {
 public:
  Rendered render(std::string_view type, Channel /*channel*/, const Reader& reader,
                  const Variables& /*variables*/) const override {
    if (!failFor.empty() && reader.userId == failFor)
      throw std::runtime_error("this reader's template does not render");
    return {std::string(type), "text", "", "", reader.language};
  }
  std::string failFor;  // a reader whose every render throws
};

class FakeSink final : public DeliverySink {
 public:
  bool enqueue(Tx& /*tx*/, const NewDelivery& d) override {
    for (const auto& e : stored) {
      if (e.sourceMessageId == d.sourceMessageId && e.reader.userId == d.reader.userId && e.channel == d.channel &&
          e.type == d.type)
        return false;
    }
    stored.push_back(d);
    return true;
  }
  std::vector<NewDelivery> stored;
};

struct Fixture {
  ManualClock clock{*parseRfc3339("2027-01-10T10:00:00Z")};
  test_support::TempDatabase db{"notifications", embeddedMigrations()};
  FakeRenderer renderer;
  FakeSink sink;
  UnsubscribeTokens tokens{"test-key"};
  NotificationService service{renderer, sink, tokens, clock, ServiceSettings{}};

  template <class M>
  void deliver(const M& message, const std::string& id) {
    Envelope e;
    e.messageId = id;
    e.correlationId = "corr-" + id;
    db.db->write([&](Tx& tx) {
      for (const auto& n : triggers::on(tx, message, e)) service.notify(tx, n);
    });
  }
  void registerUser(const std::string& id, const std::string& email) {
    deliver(identity::messages::UserRegistered{id, email, "User " + id, "2027-01-01T00:00:00Z"}, "reg-" + id);
  }
  void publishEvent(const std::string& id, const std::string& startsAt, const std::string& status = "Published") {
    events::messages::EventPublished m;
    m.eventId = id;
    m.name = "Concert " + id;
    m.organizerId = "org-1";
    m.status = status;
    m.startsAt = startsAt;
    m.endsAt = startsAt;
    m.timezone = "Europe/Berlin";
    deliver(m, "pub-" + id + startsAt);
  }
  // `messageId` other than the default: the same order delivered as a new message (an audit replay).
  void buy(const std::string& orderId, const std::string& userId, const std::string& eventId,
           const std::string& messageId = {}) {
    orders::messages::OrderCompleted m;
    m.orderId = orderId;
    m.userId = userId;
    m.eventId = eventId;
    m.items = {{"general", 2, {5000, "EUR"}, {10000, "EUR"}}};
    m.total = {10000, "EUR"};
    deliver(m, messageId.empty() ? "done-" + orderId : messageId);
  }
  void cancel(const std::string& orderId, const std::string& userId, const std::string& eventId) {
    orders::messages::OrderCancelled m;
    m.orderId = orderId;
    m.userId = userId;
    m.eventId = eventId;
    m.reason = "byBuyer";
    deliver(m, "cancel-" + orderId);
  }
  std::size_t count(const std::string& type) const {
    return static_cast<std::size_t>(
        std::count_if(sink.stored.begin(), sink.stored.end(), [&](const auto& d) { return d.type == type; }));
  }
};

}  // namespace

TEST_CASE("a registration sends a welcome by email and in-app, and a redelivery adds nothing") {
  Fixture f;
  f.registerUser("u1", "u1@example.com");
  f.registerUser("u1", "u1@example.com");
  REQUIRE(f.sink.stored.size() == 2);
  CHECK(f.sink.stored[0].address == "u1@example.com");
  CHECK(f.sink.stored[0].correlationId == "corr-reg-u1");
  CHECK_FALSE(f.sink.stored[0].suppressedBecause);
}

TEST_CASE("an unknown user still gets in-app, and their email is suppressed for no-address") {
  Fixture f;
  f.publishEvent("e1", "2027-02-01T19:00:00Z");
  f.buy("o1", "ghost", "e1");
  REQUIRE(f.count("OrderConfirmation") == 2);
  CHECK(f.sink.stored[0].suppressedBecause == std::optional<std::string>("no-address"));
  CHECK_FALSE(f.sink.stored[1].suppressedBecause);
  CHECK(f.sink.stored[1].address.empty());
}

TEST_CASE("cancelling an event tells every buyer once, and cancelled orders leave the buyers") {
  Fixture f;
  f.registerUser("u1", "u1@example.com");
  f.registerUser("u2", "u2@example.com");
  f.publishEvent("e1", "2027-02-01T19:00:00Z");
  f.buy("o1", "u1", "e1");
  f.buy("o2", "u1", "e1");
  f.buy("o3", "u2", "e1");
  f.cancel("o3", "u2", "e1");
  CHECK(f.count("OrderCancelled") == 2);
  events::messages::EventCancelled m;
  m.eventId = "e1";
  m.name = "Concert e1";
  m.organizerId = "org-1";
  m.startsAt = "2027-02-01T19:00:00Z";
  f.deliver(m, "ev-cancel");
  CHECK(f.count("EventCancelled") == 2);  // u1 only (email + in-app), once despite two orders
}

TEST_CASE("a cancelled order stays out of the buyers when its OrderCompleted is replayed") {
  Fixture f;
  f.registerUser("u2", "u2@example.com");
  f.publishEvent("e1", "2027-02-01T19:00:00Z");
  f.buy("o3", "u2", "e1");
  f.cancel("o3", "u2", "e1");
  // An audit replay after the inbox forgot the message: the same OrderCompleted, a new delivery.
  f.buy("o3", "u2", "e1", "done-o3-replayed");
  auto buyers = f.db.db->write([&](Tx& tx) { return read_model::buyersOf(tx, "e1"); });
  CHECK(buyers.empty());
}

TEST_CASE("low inventory goes to the organizer, and an unknown event tells nobody") {
  Fixture f;
  f.deliver(inventory::messages::LowInventory{"e9", 3, 5}, "low-unknown");
  CHECK(f.sink.stored.empty());
  f.publishEvent("e1", "2027-02-01T19:00:00Z");
  f.deliver(inventory::messages::LowInventory{"e1", 3, 5}, "low-1");
  REQUIRE(f.count("LowInventory") == 2);
  CHECK(f.sink.stored[0].reader.userId == "org-1");
}

TEST_CASE("a void before any payment and a zero refund tell nobody") {
  Fixture f;
  payments::messages::PaymentFailed failed;
  failed.reason = "card-declined";
  f.deliver(failed, "pf");
  payments::messages::PaymentRefunded refunded;
  refunded.userId = "u1";
  f.deliver(refunded, "pr");
  CHECK(f.sink.stored.empty());
}

TEST_CASE("marketing off is stored as Suppressed, and marketing email carries an unsubscribe link for its user") {
  Fixture f;
  f.registerUser("u1", "u1@example.com");
  auto first = f.db.db->write(
      [&](Tx& tx) { return turnOff(tx, "u1", Channel::Email, Category::Marketing, "2027-01-10T10:00:00Z"); });
  CHECK(first.version == 1);
  // The same link opened again (a mail scanner): nothing changes, the user's ETag stays good.
  auto again = f.db.db->write(
      [&](Tx& tx) { return turnOff(tx, "u1", Channel::Email, Category::Marketing, "2027-01-10T11:00:00Z"); });
  CHECK(again.version == 1);
  CHECK(again.updatedAt == "2027-01-10T10:00:00Z");
  f.db.db->write([&](Tx& tx) { f.service.notify(tx, {"Announcement", "u1", {}, "ann-1", ""}); });
  REQUIRE(f.count("Announcement") == 2);
  const auto& email = f.sink.stored[2];
  CHECK(email.suppressedBecause == std::optional<std::string>("category-off:marketing"));
  const auto& inApp = f.sink.stored[3];
  CHECK_FALSE(inApp.suppressedBecause);
  auto token = inApp.unsubscribeUrl.substr(inApp.unsubscribeUrl.find("token=") + 6);
  auto claim = f.tokens.verify(token);
  REQUIRE(claim);
  CHECK(claim->userId == "u1");
}

TEST_CASE("reasons are words for people, in the reader's language") {
  CHECK(reasonWords("card-declined", "en") == "the card was declined");
  CHECK(reasonWords("card-declined", "de") == "die Karte wurde abgelehnt");
  CHECK(reasonWords("byBuyer", "fr") == "you cancelled it");  // other languages read English
  CHECK(reasonWords("some-new-slug", "de") == "some new slug");
}

TEST_CASE("reminders go out once per event, user and start, again after a reschedule, never late or cancelled") {
  Fixture f;
  f.registerUser("u1", "u1@example.com");
  f.publishEvent("soon", "2027-01-11T09:00:00Z");   // 23 h away: due
  f.publishEvent("later", "2027-01-13T09:00:00Z");  // 3 days away
  f.publishEvent("past", "2027-01-10T09:00:00Z");   // already started
  f.publishEvent("off", "2027-01-11T08:00:00Z", "Cancelled");
  for (const char* e : {"soon", "later", "past", "off"}) f.buy(std::string("o-") + e, "u1", e);
  Logger log = f.db.log;
  Reminders reminders(*f.db.db, f.service, f.clock, log,
                      ReminderSettings{std::chrono::hours(24), std::chrono::milliseconds(1000), 1});
  CHECK(reminders.runOnce() == 1);
  CHECK(reminders.runOnce() == 0);
  CHECK(f.count("EventReminder") == 2);
  // Rescheduled to a later start inside the window: reminded again.
  f.publishEvent("soon", "2027-01-11T09:30:00Z");
  CHECK(reminders.runOnce() == 1);
  // Two days later "later" is due; "soon" has started and is not reminded again.
  f.clock.advance(std::chrono::hours(48));
  CHECK(reminders.runOnce() == 1);
  CHECK(reminders.runOnce() == 0);
  CHECK(f.count("EventReminder") == 6);
}

TEST_CASE("an announcement is written in batches by the worker, resumes after a crash, and tells nobody twice") {
  Fixture f;
  f.publishEvent("e1", "2027-02-01T19:00:00Z");
  for (int i = 1; i <= 5; ++i) {
    f.registerUser("u" + std::to_string(i), "u" + std::to_string(i) + "@example.com");
    f.buy("o" + std::to_string(i), "u" + std::to_string(i), "e1");
  }
  f.buy("o6", "u1", "e1");  // a second order: still one buyer
  Announcements announcements(*f.db.db, f.service, f.clock, f.db.log, 2);
  f.db.db->write([&](Tx& tx) {
    announcements.add(
        tx, {"ann-1", "e1", "Concert e1", "org-1", "Doors", "Doors at 7", "corr-ann", "2027-01-10T10:00:00Z"});
  });
  auto recipients = f.db.db->read([&](soci::session& sql) {
    long long n = 0;
    sql << "SELECT recipients FROM notification_announcements WHERE announcement_id = 'ann-1'", soci::into(n);
    return n;
  });
  CHECK(recipients == 5);
  CHECK(f.count("Announcement") == 0);  // nothing until the worker runs
  CHECK(announcements.runOnce());
  CHECK(f.count("Announcement") == 4);  // 2 users × (email + in-app)
  // A crash after that batch's commit: the cursor was committed with it, so nothing is redone.
  CHECK(announcements.runOnce());
  CHECK(announcements.runOnce());  // the last user: finished
  CHECK(f.count("Announcement") == 10);
  CHECK_FALSE(announcements.runOnce());
  // Even a batch run again (cursor lost) tells nobody twice.
  f.db.db->write([&](Tx& tx) {
    tx.exec("UPDATE notification_announcements SET cursor = '', finished_at = NULL WHERE announcement_id = 'ann-1'");
  });
  while (announcements.runOnce()) {
  }
  CHECK(f.count("Announcement") == 10);
  for (const auto& d : f.sink.stored) {
    if (d.type == "Announcement") CHECK(d.correlationId == "corr-ann");
  }
}

TEST_CASE("an older event message arriving late does not take a cancelled event back to Published") {
  Fixture f;
  events::messages::EventPublished published;
  published.eventId = "e1";
  published.name = "Concert";
  published.status = "Published";
  published.startsAt = "2027-01-10T20:00:00Z";
  published.version = 2;
  f.deliver(published, "pub-v2");
  events::messages::EventCancelled cancelled;
  cancelled.eventId = "e1";
  cancelled.name = "Concert";
  cancelled.startsAt = published.startsAt;
  cancelled.version = 3;
  f.deliver(cancelled, "cancel-v3");
  f.deliver(published, "pub-v2-replayed");  // a replay: a new message id, the old version
  auto event = f.db.db->read([&](soci::session& sql) { return read_model::findEvent(sql, "e1"); });
  REQUIRE(event);
  CHECK(event->status == "Cancelled");
  CHECK(event->version == 3);
}

TEST_CASE("one reader whose notification cannot be written is skipped, not a wall for the rest of the batch") {
  Fixture f;
  f.publishEvent("e1", "2027-02-01T19:00:00Z");
  for (int i = 1; i <= 3; ++i) {
    f.registerUser("u" + std::to_string(i), "u" + std::to_string(i) + "@example.com");
    f.buy("o" + std::to_string(i), "u" + std::to_string(i), "e1");
  }
  f.renderer.failFor = "u2";
  Announcements announcements(*f.db.db, f.service, f.clock, f.db.log, 10);
  f.db.db->write([&](Tx& tx) {
    announcements.add(tx,
                      {"ann-1", "e1", "Concert e1", "org-1", "Doors", "Doors at 7", "corr", "2027-01-10T10:00:00Z"});
  });
  CHECK(announcements.runOnce());
  CHECK_FALSE(announcements.runOnce());  // finished despite u2
  std::set<std::string> told;
  for (const auto& d : f.sink.stored) {
    if (d.type == "Announcement") told.insert(d.reader.userId);
  }
  CHECK(told == std::set<std::string>{"u1", "u3"});
  CHECK(f.db.logs().find("notification skipped") != std::string::npos);
}

TEST_CASE("a ticket passed to an email without an account sends one English email with the claim link") {
  Fixture f;
  f.publishEvent("e1", "2027-03-01T19:00:00Z");
  tickets::messages::TicketTransferOffered m;
  m.ticketId = "t1";
  m.eventId = "e1";
  m.holderUserId = "u1";
  m.transferId = "tr1";
  m.toEmail = "guest@example.com";
  m.claimToken = "tok-123";
  m.fromName = "Ada";
  f.deliver(m, "offer-1");
  f.deliver(m, "offer-1");
  REQUIRE(f.count("TicketTransferOffer") == 1);
  const auto& d = f.sink.stored.back();
  CHECK(toString(d.channel) == "email");
  CHECK(d.address == "guest@example.com");
  CHECK(d.reader.userId.empty());
  CHECK(d.reader.language == "en");
  CHECK(d.unsubscribeUrl.empty());
  CHECK((d.category == Category::Transactional));
}

TEST_CASE("the account a ticket was passed to is told who passed it, a ticket taken back tells nobody") {
  Fixture f;
  f.registerUser("u1", "u1@example.com");
  f.registerUser("u2", "u2@example.com");
  f.publishEvent("e1", "2027-03-01T19:00:00Z");
  tickets::messages::TicketTransferred m;
  m.ticketId = "t1";
  m.eventId = "e1";
  m.categoryId = "general";
  m.holderUserId = "u1";
  m.newTicketId = "t2";
  m.newHolderUserId = "u2";
  f.deliver(m, "moved-1");
  CHECK(f.count("TicketReceived") >= 1);
  for (const auto& d : f.sink.stored) {
    if (d.type == "TicketReceived") CHECK(d.reader.userId == "u2");
  }
  auto before = f.count("TicketReceived");
  m.newHolderUserId = "u1";
  f.deliver(m, "back-1");
  CHECK(f.count("TicketReceived") == before);
}
