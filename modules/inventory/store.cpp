#include "store.hpp"

#include <boost/json.hpp>

#include "boxoffice/kernel/db.hpp"

namespace boxoffice::inventory::store {

namespace {

using rows::integer;
using rows::text;

Reservation reservationFrom(const soci::row& r) {
  Reservation res;
  res.reservationId = text(r, 0);
  res.eventId = text(r, 1);
  res.categoryId = text(r, 2);
  res.userId = text(r, 3);
  res.sessionId = text(r, 4);
  res.ticketCount = static_cast<int>(integer(r, 5));
  res.amount = integer(r, 6);
  res.currency = text(r, 7);
  res.reservedAtMs = integer(r, 8);
  res.expiresAtMs = integer(r, 9);
  res.status = parseReservationStatus(text(r, 10)).value_or(ReservationStatus::Reserved);
  if (r.get_indicator(11) != soci::i_null) res.orderId = text(r, 11);
  res.returnedCount = static_cast<int>(integer(r, 12));
  res.correlationId = text(r, 13);
  return res;
}

constexpr const char* kReservationColumns =
    "reservation_id, event_id, category_id, user_id, session_id, ticket_count, amount, currency, reserved_at_ms, "
    "expires_at_ms, status, order_id, returned_count, correlation_id";

constexpr const char* kEventColumns =
    "event_id, event_name, organizer_id, status, starts_at_ms, max_tickets_per_user, reservation_timeout_minutes, "
    "low_inventory_threshold, last_minute_reservation_minutes, version, source_version, low_inventory_alerted, "
    "sold_out_alerted, updated_at, max_capacity";
constexpr const char* kCategoryColumns =
    "event_id, category_id, name, price_amount, currency, total, available, reserved, sold";

EventInventory eventFrom(const soci::row& r) {
  EventInventory e;
  e.eventId = text(r, 0);
  e.eventName = text(r, 1);
  e.organizerId = text(r, 2);
  e.status = parseSaleStatus(text(r, 3));
  e.startsAtMs = integer(r, 4);
  e.rules = {static_cast<int>(integer(r, 5)), static_cast<int>(integer(r, 6)), static_cast<int>(integer(r, 7)),
             static_cast<int>(integer(r, 8))};
  e.version = integer(r, 9);
  e.sourceVersion = integer(r, 10);
  e.lowInventoryAlerted = integer(r, 11) != 0;
  e.soldOutAlerted = integer(r, 12) != 0;
  e.updatedAt = text(r, 13);
  e.maxCapacity = static_cast<int>(integer(r, 14));
  return e;
}

// A row of kCategoryColumns (its event id is column 0).
Category categoryFrom(const soci::row& r) {
  return {text(r, 1),
          text(r, 2),
          integer(r, 3),
          text(r, 4),
          static_cast<int>(integer(r, 5)),
          static_cast<int>(integer(r, 6)),
          static_cast<int>(integer(r, 7)),
          static_cast<int>(integer(r, 8))};
}

}  // namespace

LoadedState loadAll(soci::session& sql) {
  LoadedState state;
  std::map<std::string, std::size_t> index;
  {
    soci::rowset<soci::row> rows = (sql.prepare << "SELECT " << kEventColumns << " FROM inventories");
    for (const auto& r : rows) {
      auto e = eventFrom(r);
      index[e.eventId] = state.events.size();
      state.events.push_back(std::move(e));
    }
  }
  {
    soci::rowset<soci::row> rows =
        (sql.prepare << "SELECT " << kCategoryColumns << " FROM categories ORDER BY event_id, position");
    for (const auto& r : rows) {
      auto it = index.find(text(r, 0));
      if (it == index.end()) continue;
      state.events[it->second].categories.push_back(categoryFrom(r));
    }
  }
  {
    // Tickets per user and event: active holds plus purchases not returned (for maxTicketsPerUser).
    soci::rowset<soci::row> rows =
        (sql.prepare << "SELECT event_id, user_id, SUM(ticket_count - returned_count) FROM reservations "
                        "WHERE status IN ('Reserved', 'Confirmed') GROUP BY event_id, user_id");
    for (const auto& r : rows) {
      auto it = index.find(text(r, 0));
      if (it != index.end()) state.events[it->second].ticketsByUser[text(r, 1)] = static_cast<int>(integer(r, 2));
    }
  }
  {
    soci::rowset<soci::row> rows =
        (sql.prepare << "SELECT " << kReservationColumns << " FROM reservations WHERE status = 'Reserved'");
    for (const auto& r : rows) state.activeReservations.push_back(reservationFrom(r));
  }
  return state;
}

std::optional<EventInventory> loadEvent(soci::session& sql, const std::string& eventId) {
  // Both reads from one snapshot: the version and the counts of the same commit.
  soci::transaction snapshot(sql);
  if (sql.get_backend_name() == "postgresql") sql << "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ";
  std::optional<EventInventory> event;
  {
    soci::rowset<soci::row> rows =
        (sql.prepare << "SELECT " << kEventColumns << " FROM inventories WHERE event_id = :e", soci::use(eventId));
    for (const auto& r : rows) event = eventFrom(r);
  }
  if (!event) return std::nullopt;
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT " << kCategoryColumns << " FROM categories WHERE event_id = :e ORDER BY position",
       soci::use(eventId));
  for (const auto& r : rows) event->categories.push_back(categoryFrom(r));
  snapshot.commit();
  return event;
}

void saveEventHeader(Tx& tx, const EventInventory& e) {
  tx.exec(
      "UPDATE inventories SET event_name = ?, organizer_id = ?, status = ?, starts_at_ms = ?, "
      "max_tickets_per_user = ?, reservation_timeout_minutes = ?, low_inventory_threshold = ?, "
      "last_minute_reservation_minutes = ?, version = ?, source_version = ?, low_inventory_alerted = ?, "
      "sold_out_alerted = ?, updated_at = ?, max_capacity = ? WHERE event_id = ?",
      e.eventName, e.organizerId, to_string(e.status), e.startsAtMs, e.rules.maxTicketsPerUser,
      e.rules.reservationTimeoutMinutes, e.rules.lowInventoryThreshold, e.rules.lastMinuteReservationMinutes, e.version,
      e.sourceVersion, e.lowInventoryAlerted ? 1 : 0, e.soldOutAlerted ? 1 : 0, e.updatedAt, e.maxCapacity, e.eventId);
}

void saveCategory(Tx& tx, const std::string& eventId, const Category& c) {
  tx.exec(
      "UPDATE categories SET name = ?, price_amount = ?, currency = ?, total = ?, available = ?, reserved = ?, "
      "sold = ? WHERE event_id = ? AND category_id = ?",
      c.name, c.priceAmount, c.currency, c.total, c.available, c.reserved, c.sold, eventId, c.categoryId);
}

void saveEvent(Tx& tx, const EventInventory& e) {
  tx.exec(
      "INSERT INTO inventories (event_id, event_name, organizer_id, status, starts_at_ms, "
      "max_tickets_per_user, reservation_timeout_minutes, low_inventory_threshold, "
      "last_minute_reservation_minutes, version, source_version, updated_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
      e.eventId, e.eventName, e.organizerId, to_string(e.status), e.startsAtMs, e.rules.maxTicketsPerUser,
      e.rules.reservationTimeoutMinutes, e.rules.lowInventoryThreshold, e.rules.lastMinuteReservationMinutes, e.version,
      e.sourceVersion, e.updatedAt);
  saveEventHeader(tx, e);
  std::vector<std::string> existing;
  {
    soci::rowset<std::string> rows =
        (tx.sql().prepare << "SELECT category_id FROM categories WHERE event_id = :id", soci::use(e.eventId));
    for (const auto& id : rows) existing.push_back(id);
  }
  for (const auto& id : existing) {
    if (!e.category(id)) tx.exec("DELETE FROM categories WHERE event_id = ? AND category_id = ?", e.eventId, id);
  }
  int position = 0;
  for (const auto& c : e.categories) {
    tx.exec(
        "INSERT INTO categories (event_id, category_id, name, price_amount, currency, position, total, available, "
        "reserved, sold) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id, category_id) DO UPDATE SET "
        "name = excluded.name, price_amount = excluded.price_amount, currency = excluded.currency, "
        "position = excluded.position, total = excluded.total, available = excluded.available, "
        "reserved = excluded.reserved, sold = excluded.sold",
        e.eventId, c.categoryId, c.name, c.priceAmount, c.currency, position, c.total, c.available, c.reserved, c.sold);
    ++position;
  }
}

void insertReservation(Tx& tx, const Reservation& r) {
  SqlValue orderId = r.orderId ? SqlValue(std::string_view(*r.orderId)) : SqlValue(nullptr);
  tx.exec(
      "INSERT INTO reservations (reservation_id, event_id, category_id, user_id, session_id, ticket_count, amount, "
      "currency, reserved_at_ms, expires_at_ms, status, updated_at_ms, order_id, returned_count, correlation_id) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      r.reservationId, r.eventId, r.categoryId, r.userId, r.sessionId, r.ticketCount, r.amount, r.currency,
      r.reservedAtMs, r.expiresAtMs, to_string(r.status), r.reservedAtMs, orderId, r.returnedCount, r.correlationId);
}

void setReservationOrder(Tx& tx, const std::string& id, const std::string& orderId, std::int64_t nowMs) {
  tx.exec("UPDATE reservations SET order_id = ?, updated_at_ms = ? WHERE reservation_id = ?", orderId, nowMs, id);
}

void updateReturned(Tx& tx, const Reservation& r, std::int64_t nowMs) {
  tx.exec("UPDATE reservations SET returned_count = ?, status = ?, updated_at_ms = ? WHERE reservation_id = ?",
          r.returnedCount, to_string(r.status), nowMs, r.reservationId);
}

std::vector<Reservation> findOrderReservations(soci::session& sql, const std::string& orderId) {
  std::vector<Reservation> out;
  soci::rowset<soci::row> rows = (sql.prepare << "SELECT " << kReservationColumns
                                              << " FROM reservations WHERE order_id = :o ORDER BY reserved_at_ms, "
                                                 "rowid",
                                  soci::use(orderId));
  for (const auto& r : rows) out.push_back(reservationFrom(r));
  return out;
}

std::optional<SagaReply> findSagaReply(soci::session& sql, std::string_view command, const std::string& key) {
  std::string commandText(command);
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT reply_type, payload FROM saga_replies WHERE command = :c AND command_key = :k",
       soci::use(commandText), soci::use(key));
  for (const auto& r : rows) return SagaReply{text(r, 0), text(r, 1)};
  return std::nullopt;
}

void insertSagaReply(Tx& tx, std::string_view command, const std::string& key, const std::string& orderId,
                     const SagaReply& reply, std::int64_t nowMs) {
  tx.exec(
      "INSERT INTO saga_replies (command, command_key, order_id, reply_type, payload, created_at_ms) "
      "VALUES (?, ?, ?, ?, ?, ?)",
      command, key, orderId, reply.type, reply.payload, nowMs);
}

void updateReservationStatus(Tx& tx, const std::string& id, ReservationStatus status, std::int64_t nowMs) {
  tx.exec("UPDATE reservations SET status = ?, updated_at_ms = ? WHERE reservation_id = ?", to_string(status), nowMs,
          id);
}

std::optional<Reservation> findReservation(soci::session& sql, const std::string& id) {
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT " << kReservationColumns << " FROM reservations WHERE reservation_id = :id",
       soci::use(id));
  for (const auto& r : rows) return reservationFrom(r);
  return std::nullopt;
}

void insertAudit(Tx& tx, const AuditEntry& a, const EventInventory& after, const std::string& at) {
  auto nullable = [](const std::string& text) {
    return text.empty() ? SqlValue(nullptr) : SqlValue(std::string_view(text));
  };
  tx.exec(
      "INSERT INTO audit_log (event_id, action, user_id, reservation_id, category_id, ticket_count, available, "
      "reserved, sold, at, correlation_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      a.eventId, a.action, a.userId, nullable(a.reservationId), nullable(a.categoryId), a.ticketCount,
      after.availableSeats(), after.reservedSeats(), after.soldSeats(), at, a.correlationId);
}

std::int64_t countReservations(soci::session& sql, const std::string& eventId) {
  std::int64_t count = 0;
  sql << "SELECT COUNT(*) FROM reservations WHERE event_id = :e", soci::into(count), soci::use(eventId);
  return count;
}

std::vector<Reservation> listReservations(soci::session& sql, const std::string& eventId, int limit,
                                          std::int64_t offset) {
  std::vector<Reservation> out;
  soci::rowset<soci::row> rows = (sql.prepare << "SELECT " << kReservationColumns
                                              << " FROM reservations WHERE event_id = :e ORDER BY reserved_at_ms DESC, "
                                                 "reservation_id LIMIT :l OFFSET :o",
                                  soci::use(eventId), soci::use(limit), soci::use(offset));
  for (const auto& r : rows) out.push_back(reservationFrom(r));
  return out;
}

std::int64_t countAudit(soci::session& sql, const std::string& eventId) {
  std::int64_t count = 0;
  sql << "SELECT COUNT(*) FROM audit_log WHERE event_id = :e", soci::into(count), soci::use(eventId);
  return count;
}

boost::json::array listAudit(soci::session& sql, const std::string& eventId, int limit, std::int64_t offset) {
  boost::json::array out;
  soci::rowset<soci::row> rows =
      (sql.prepare
           << "SELECT seq, action, user_id, reservation_id, category_id, ticket_count, available, reserved, "
              "sold, at, correlation_id FROM audit_log WHERE event_id = :e ORDER BY seq DESC LIMIT :l OFFSET :o",
       soci::use(eventId), soci::use(limit), soci::use(offset));
  for (const auto& r : rows) {
    boost::json::object entry{{"sequence", integer(r, 0)},
                              {"action", text(r, 1)},
                              {"userId", text(r, 2)},
                              {"ticketCount", integer(r, 5)},
                              {"availableAfter", integer(r, 6)},
                              {"reservedAfter", integer(r, 7)},
                              {"soldAfter", integer(r, 8)},
                              {"timestamp", text(r, 9)},
                              {"correlationId", text(r, 10)}};
    entry["reservationId"] =
        r.get_indicator(3) == soci::i_null ? boost::json::value(nullptr) : boost::json::value(text(r, 3));
    entry["categoryId"] =
        r.get_indicator(4) == soci::i_null ? boost::json::value(nullptr) : boost::json::value(text(r, 4));
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace boxoffice::inventory::store
