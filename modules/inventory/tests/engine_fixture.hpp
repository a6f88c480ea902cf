#pragma once
// The engine against a real SQLite file in a temporary directory, on a ManualClock: what the
// engine tests share (engine_test.cpp, saga_commands_test.cpp).
#include <array>
#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <future>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/time.hpp"
#include "engine.hpp"
#include "store.hpp"
#include "support/temp_dir.hpp"

namespace boxoffice::inventory::testing {

constexpr std::int64_t kMinute = 60'000;

class Fixture {
 public:
  Fixture() { open(); }
  ~Fixture() { close(); }

  void open() {
    store_ = std::make_unique<Database>(Database::Options{dir_ / "inventory.db", "inventory"}, log_);
    store_->migrate(embeddedMigrations());
    engine_ = std::make_unique<Engine>(*store_, EngineSettings{}, metrics_, log_, clock_);
    engine_->load();
    engine_->start();
  }
  void close() {
    engine_.reset();
    store_.reset();
  }
  void restart() {
    close();
    open();
  }

  // The venue's maxCapacity in the event messages the fixture sends (0: exactly the seats).
  int venueCapacity = 1000;

  struct CategorySpec {
    std::string categoryId;
    int seats = 0;
    std::int64_t price = 4500;
  };
  void publishEvent(const std::string& id, int seats, std::int64_t startsInMs = 48 * 60 * kMinute,
                    std::string type = "EventPublished", std::int64_t version = 2) {
    publishCategories(id, {{"general", seats}}, std::move(type), version, startsInMs);
  }
  void publishCategories(const std::string& id, const std::vector<CategorySpec>& categories,
                         std::string type = "EventPublished", std::int64_t version = 2,
                         std::int64_t startsInMs = 48 * 60 * kMinute) {
    int seats = 0;
    for (const auto& c : categories) seats += c.seats;
    events::messages::EventState state;
    state.eventId = id;
    state.name = "Show " + id;
    state.category = "concert";
    state.organizerId = "organizer-1";
    state.status = type == "EventCancelled" ? "Cancelled" : type == "EventCreated" ? "Draft" : "Published";
    state.startsAt = formatRfc3339(fromUnixMillis(clock_.nowMillis() + startsInMs));
    state.endsAt = formatRfc3339(fromUnixMillis(clock_.nowMillis() + startsInMs + 3 * 60 * kMinute));
    state.timezone = "Europe/Berlin";
    state.maxCapacity = venueCapacity > 0 ? venueCapacity : seats;
    for (const auto& c : categories)
      state.priceCategories.push_back({c.categoryId, c.categoryId, {c.price, "EUR"}, c.seats});
    state.version = version;
    store_->write([&](Tx& tx) { engine_->applyEventMessage(tx, type, state, "test"); });
  }

  Outcome run(Command command, const std::string& userId, bool admin = false) {
    std::promise<Outcome> promise;
    auto future = promise.get_future();
    auth::Principal caller{userId, userId + "@example.com", {admin ? auth::Role::Admin : auth::Role::User}};
    engine_->submit(std::move(command), Actor(caller, "test"), [&](Outcome o) { promise.set_value(std::move(o)); });
    return future.get();
  }

  ReserveCommand reserveCommand(const std::string& eventId, int count, std::string key = {}) {
    ReserveCommand c;
    c.eventId = eventId;
    c.categoryId = "general";
    c.ticketCount = count;
    c.sessionId = "s";
    c.idempotencyKey = std::move(key);
    c.requestHash = "h" + std::to_string(count);
    return c;
  }

  // Counters as stored, not as remembered: {total, available, reserved, sold}.
  std::array<int, 4> storedCounts(const std::string& eventId, const std::string& categoryId = "general") {
    return store_->read([&](soci::session& sql) {
      std::array<int, 4> c{};
      sql << "SELECT total, available, reserved, sold FROM categories WHERE event_id = :e AND category_id = :c",
          soci::into(c[0]), soci::into(c[1]), soci::into(c[2]), soci::into(c[3]), soci::use(eventId),
          soci::use(categoryId);
      return c;
    });
  }

  // A saga command, applied as the inbox applies it: inside a write transaction.
  template <class Message>
  void command(const Message& message, const std::string& correlationId = "corr-order") {
    store_->write([&](Tx& tx) { engine_->applyCommand(tx, message, correlationId); });
  }

  struct OutboxRow {
    boost::json::object payload;
    std::string correlationId;
  };
  std::vector<OutboxRow> outbox(const std::string& type) {
    return store_->read([&](soci::session& sql) {
      std::vector<OutboxRow> out;
      soci::rowset<soci::row> rows =
          (sql.prepare << "SELECT payload, correlation_id FROM outbox WHERE type = :t ORDER BY rowid", soci::use(type));
      for (const auto& row : rows) {
        out.push_back({boost::json::parse(row.get<std::string>(0)).as_object(), row.get<std::string>(1)});
      }
      return out;
    });
  }
  // The latest message of `type` (the reply a command just published).
  boost::json::object last(const std::string& type) {
    auto rows = outbox(type);
    REQUIRE_FALSE(rows.empty());
    return rows.back().payload;
  }

  std::vector<Reservation> orderReservations(const std::string& orderId) {
    return store_->read([&](soci::session& sql) { return store::findOrderReservations(sql, orderId); });
  }
  std::optional<Reservation> reservation(const std::string& id) {
    return store_->read([&](soci::session& sql) { return store::findReservation(sql, id); });
  }

  // Every category of every event, as stored: the invariant, and its counters agree with the
  // reservations (held = active holds; sold = confirmed seats not returned).
  void checkDatabase() {
    store_->read([&](soci::session& sql) {
      soci::rowset<soci::row> rows =
          (sql.prepare << "SELECT c.event_id, c.category_id, c.total, c.available, c.reserved, c.sold, "
                          "(SELECT COALESCE(SUM(ticket_count), 0) FROM reservations r WHERE r.event_id = c.event_id "
                          "AND r.category_id = c.category_id AND r.status = 'Reserved'), "
                          "(SELECT COALESCE(SUM(ticket_count - returned_count), 0) FROM reservations r WHERE "
                          "r.event_id = c.event_id AND r.category_id = c.category_id AND r.status IN ('Confirmed', "
                          "'Returned')) FROM categories c");
      for (const auto& row : rows) {
        auto n = [&](std::size_t i) { return rows::integer(row, i); };
        CAPTURE(rows::text(row, 0));
        CAPTURE(rows::text(row, 1));
        CHECK(n(3) >= 0);
        CHECK(n(4) >= 0);
        CHECK(n(5) >= 0);
        CHECK(n(3) + n(4) + n(5) == n(2));
        CHECK(n(4) == n(6));
        CHECK(n(5) == n(7));
      }
      int bad = 0;
      sql << "SELECT COUNT(*) FROM reservations WHERE returned_count < 0 OR returned_count > ticket_count OR "
             "(status = 'Returned') <> (returned_count = ticket_count)",
          soci::into(bad);
      CHECK(bad == 0);
      return 0;
    });
  }

  std::string metricsText() const { return metrics_.render(); }
  int storedReservations(const std::string& eventId, const std::string& status) {
    return store_->read([&](soci::session& sql) {
      int n = 0;
      sql << "SELECT COALESCE(SUM(ticket_count), 0) FROM reservations WHERE event_id = :e AND status = :s",
          soci::into(n), soci::use(eventId), soci::use(status);
      return n;
    });
  }
  int outboxCount(const std::string& type) {
    return store_->read([&](soci::session& sql) {
      int n = 0;
      sql << "SELECT COUNT(*) FROM outbox WHERE type = :t", soci::into(n), soci::use(type);
      return n;
    });
  }

  std::vector<boost::json::object> outboxPayloads(const std::string& type) {
    return store_->read([&](soci::session& sql) {
      std::vector<boost::json::object> payloads;
      soci::rowset<std::string> rows =
          (sql.prepare << "SELECT payload FROM outbox WHERE type = :t ORDER BY rowid", soci::use(type));
      for (const auto& row : rows) payloads.push_back(boost::json::parse(row).as_object());
      return payloads;
    });
  }

  Engine& engine() { return *engine_; }
  Database& store() { return *store_; }
  // Moves the engine's clock: holds expire without anyone sleeping.
  void advance(std::int64_t ms) { clock_.advance(std::chrono::milliseconds(ms)); }

 private:
  test_support::TempDir dir_{"bx-engine"};
  std::ostringstream logText_;
  Logger log_{std::make_shared<LogSink>(logText_, LogLevel::Error), "inventory"};
  Metrics metrics_;
  ManualClock clock_{fromUnixMillis(1'900'000'000'000)};
  std::unique_ptr<Database> store_;
  std::unique_ptr<Engine> engine_;
};

inline void checkInvariant(const std::array<int, 4>& c) { CHECK(c[1] + c[2] + c[3] == c[0]); }

}  // namespace boxoffice::inventory::testing
