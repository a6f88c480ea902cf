#include "store.hpp"

#include <boost/json.hpp>

#include "boxoffice/kernel/message_json.hpp"

namespace boxoffice::orders::store {

namespace {

using rows::integer;
using rows::text;

std::optional<std::string> optText(const soci::row& r, std::size_t i) {
  if (r.get_indicator(i) == soci::i_null) return std::nullopt;
  return r.get<std::string>(i);
}
std::optional<std::int64_t> optInt(const soci::row& r, std::size_t i) {
  if (r.get_indicator(i) == soci::i_null) return std::nullopt;
  return integer(r, i);
}
std::int64_t ms(TimePoint t) { return toUnixMillis(t); }
SqlValue nullable(const std::optional<std::string>& s) {
  return s ? SqlValue(std::string_view(*s)) : SqlValue(nullptr);
}
SqlValue nullableMs(const std::optional<TimePoint>& t) { return t ? SqlValue(ms(*t)) : SqlValue(nullptr); }

std::string seatsJson(const std::vector<SeatLine>& seats) {
  boost::json::array out;
  for (const auto& s : seats) out.push_back({{"categoryId", s.categoryId}, {"ticketCount", s.ticketCount}});
  return boost::json::serialize(out);
}
std::vector<SeatLine> seatsFrom(const std::string& text) {
  std::vector<SeatLine> out;
  if (text.empty()) return out;
  auto parsed = boost::json::parse(text);
  for (const auto& v : parsed.as_array()) {
    const auto& o = v.as_object();
    out.push_back({std::string(o.at("categoryId").as_string()), static_cast<int>(o.at("ticketCount").as_int64())});
  }
  return out;
}

constexpr const char* kRefundColumns = "refund_id, amount, currency, full_refund, reason, seats, at, deferred";

RefundRecord refundFrom(const soci::row& r) {
  RefundRecord out;
  out.refundId = text(r, 0);
  out.amount = {integer(r, 1), text(r, 2)};
  out.full = integer(r, 3) != 0;
  out.reason = text(r, 4);
  out.seats = seatsFrom(text(r, 5));
  out.at = fromUnixMillis(integer(r, 6));
  out.deferred = integer(r, 7) != 0;
  return out;
}

int nextSeq(Tx& tx, const char* table, const std::string& orderId) {
  int seq = 0;
  tx.sql() << "SELECT COALESCE(MAX(seq), 0) FROM " << table << " WHERE order_id = :id", soci::into(seq),
      soci::use(orderId);
  return seq + 1;
}

void writeChildren(Tx& tx, const Order& order) {
  tx.exec("DELETE FROM order_items WHERE order_id = ?", order.id);
  int position = 0;
  for (const auto& item : order.items) {
    tx.exec(
        "INSERT INTO order_items (order_id, position, category_id, ticket_count, unit_price, sold_count, "
        "returned_count) VALUES (?, ?, ?, ?, ?, ?, ?)",
        order.id, position++, item.categoryId, item.ticketCount,
        item.unitPrice ? SqlValue(*item.unitPrice) : SqlValue(nullptr), item.soldCount, item.returnRequested);
  }
  tx.exec("DELETE FROM order_holds WHERE order_id = ?", order.id);
  for (const auto& hold : order.holds) {
    tx.exec(
        "INSERT INTO order_holds (order_id, reservation_id, category_id, ticket_count, amount, currency, status) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        order.id, hold.reservationId, hold.categoryId, hold.ticketCount, hold.amount.amount, hold.amount.currency,
        hold.status);
  }
}

void writeSaga(Tx& tx, const std::string& orderId, const Saga& s, bool insert) {
  const char* sql = insert ? "INSERT INTO sagas (state, current_step, attempts, awaiting_payment, charge_sent, paid, "
                             "seats_sold, await_release, await_void, release_reason, void_reason, "
                             "compensation_sent_at, compensation_attempts, step_started_at, started_at, updated_at, "
                             "completed_at, order_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                           : "UPDATE sagas SET state = ?1, current_step = ?2, attempts = ?3, awaiting_payment = ?4, "
                             "charge_sent = ?5, paid = ?6, seats_sold = ?7, await_release = ?8, await_void = ?9, "
                             "release_reason = ?10, void_reason = ?11, compensation_sent_at = ?12, "
                             "compensation_attempts = ?13, step_started_at = ?14, started_at = ?15, updated_at = ?16, "
                             "completed_at = ?17 WHERE order_id = ?18";
  tx.exec(sql, s.state, s.step, s.attempts, s.awaitingPayment ? 1 : 0, s.chargeSent ? 1 : 0, s.paid ? 1 : 0,
          s.seatsSold ? 1 : 0, s.awaitRelease ? 1 : 0, s.awaitReversal ? 1 : 0, s.releaseReason, s.voidReason,
          nullableMs(s.compensationSentAt), s.compensationAttempts, ms(s.stepStartedAt), ms(s.startedAt),
          ms(s.updatedAt), nullableMs(s.completedAt), orderId);
}

// Only the refunds still waiting are flagged: those applied since are cleared (a new one is
// inserted with its flag by insertRefund, after save).
void writeDeferredRefunds(Tx& tx, const Order& order) {
  tx.exec("UPDATE order_refunds SET deferred = 0 WHERE order_id = ? AND deferred = 1", order.id);
  for (const auto& r : order.deferredRefunds) {
    tx.exec("UPDATE order_refunds SET deferred = 1 WHERE order_id = ? AND refund_id = ?", order.id, r.refundId);
  }
}

std::optional<std::string> methodJson(const Order& order) {
  if (!order.paymentMethod) return std::nullopt;
  return boost::json::serialize(toJson(*order.paymentMethod));
}

constexpr const char* kOrderColumns =
    "o.id, o.user_id, o.event_id, o.status, o.currency, o.total_amount, o.refunded_amount, o.adopt_reservation_id, "
    "o.payment_method, o.payment_id, o.ip_address, o.user_agent, o.correlation_id, o.failure_reason, "
    "o.failure_detail, o.cancel_reason, o.cancel_refund_id, o.held_again, o.expires_at, o.created_at, o.updated_at, "
    "o.version, s.state, s.current_step, s.attempts, s.awaiting_payment, s.charge_sent, s.paid, s.seats_sold, "
    "s.await_release, s.await_void, s.step_started_at, s.started_at, s.updated_at, s.completed_at, "
    "s.release_reason, s.void_reason, s.compensation_sent_at, s.compensation_attempts";

Checkout checkoutFrom(const soci::row& r) {
  Checkout c;
  auto& o = c.order;
  o.id = text(r, 0);
  o.userId = text(r, 1);
  o.eventId = text(r, 2);
  o.status = text(r, 3);
  o.currency = optText(r, 4);
  o.totalAmount = integer(r, 5);
  o.refundedAmount = integer(r, 6);
  o.adoptReservationId = optText(r, 7);
  if (auto method = optText(r, 8)) {
    o.paymentMethod = fromJson<payments::messages::PaymentMethod>(boost::json::parse(*method).as_object());
  }
  o.paymentId = optText(r, 9);
  o.ipAddress = text(r, 10);
  o.userAgent = text(r, 11);
  o.correlationId = text(r, 12);
  o.failureReason = optText(r, 13);
  o.failureDetail = optText(r, 14);
  o.cancelReason = optText(r, 15);
  o.cancelRefundId = optText(r, 16);
  o.heldAgain = integer(r, 17) != 0;
  if (auto expires = optInt(r, 18)) o.expiresAt = fromUnixMillis(*expires);
  o.createdAt = fromUnixMillis(integer(r, 19));
  o.updatedAt = fromUnixMillis(integer(r, 20));
  o.version = integer(r, 21);
  auto& s = c.saga;
  s.state = text(r, 22);
  s.step = text(r, 23);
  s.attempts = static_cast<int>(integer(r, 24));
  s.awaitingPayment = integer(r, 25) != 0;
  s.chargeSent = integer(r, 26) != 0;
  s.paid = integer(r, 27) != 0;
  s.seatsSold = integer(r, 28) != 0;
  s.awaitRelease = integer(r, 29) != 0;
  s.awaitReversal = integer(r, 30) != 0;
  s.stepStartedAt = fromUnixMillis(integer(r, 31));
  s.startedAt = fromUnixMillis(integer(r, 32));
  s.updatedAt = fromUnixMillis(integer(r, 33));
  if (auto completed = optInt(r, 34)) s.completedAt = fromUnixMillis(*completed);
  s.releaseReason = text(r, 35);
  s.voidReason = text(r, 36);
  if (auto sent = optInt(r, 37)) s.compensationSentAt = fromUnixMillis(*sent);
  s.compensationAttempts = static_cast<int>(integer(r, 38));
  return c;
}

void loadChildren(soci::session& sql, Order& o) {
  {
    soci::rowset<soci::row> rs =
        (sql.prepare << "SELECT category_id, ticket_count, unit_price, sold_count, returned_count FROM order_items "
                        "WHERE order_id = :id ORDER BY position",
         soci::use(o.id));
    for (const auto& r : rs) {
      o.items.push_back({text(r, 0), static_cast<int>(integer(r, 1)), optInt(r, 2), static_cast<int>(integer(r, 3)),
                         static_cast<int>(integer(r, 4))});
    }
  }
  {
    soci::rowset<soci::row> rs = (sql.prepare << "SELECT reservation_id, category_id, ticket_count, amount, currency, "
                                                 "status FROM order_holds WHERE order_id = :id ORDER BY rowid",
                                  soci::use(o.id));
    for (const auto& r : rs) {
      o.holds.push_back(
          {text(r, 0), text(r, 1), static_cast<int>(integer(r, 2)), {integer(r, 3), text(r, 4)}, text(r, 5)});
    }
  }
  {
    soci::rowset<soci::row> rs =
        (sql.prepare << "SELECT refund_id FROM order_refunds WHERE order_id = :id ORDER BY at", soci::use(o.id));
    for (const auto& r : rs) o.refundIds.push_back(text(r, 0));
  }
  {
    soci::rowset<soci::row> rs =
        (sql.prepare << "SELECT return_id FROM order_returns WHERE order_id = :id ORDER BY at", soci::use(o.id));
    for (const auto& r : rs) o.returnIds.push_back(text(r, 0));
  }
  {
    soci::rowset<soci::row> rs = (sql.prepare << "SELECT " << kRefundColumns
                                              << " FROM order_refunds WHERE order_id = :id AND deferred = 1 "
                                                 "ORDER BY at, rowid",
                                  soci::use(o.id));
    for (const auto& r : rs) o.deferredRefunds.push_back(refundFrom(r));
  }
}

}  // namespace

void insert(Tx& tx, const Checkout& c) {
  const auto& o = c.order;
  tx.exec(
      "INSERT INTO orders (id, user_id, event_id, status, currency, total_amount, refunded_amount, "
      "adopt_reservation_id, payment_method, payment_id, ip_address, user_agent, correlation_id, created_at, "
      "updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      o.id, o.userId, o.eventId, o.status, nullable(o.currency), o.totalAmount, o.refundedAmount,
      nullable(o.adoptReservationId), nullable(methodJson(o)), nullable(o.paymentId), o.ipAddress, o.userAgent,
      o.correlationId, ms(o.createdAt), ms(o.updatedAt), o.version);
  writeChildren(tx, o);
  writeSaga(tx, o.id, c.saga, true);
}

namespace {
std::optional<Checkout> loadWith(soci::session& sql, const std::string& orderId, const char* lock) {
  soci::rowset<soci::row> rs =
      (sql.prepare << "SELECT " << kOrderColumns << " FROM orders o JOIN sagas s ON s.order_id = o.id WHERE o.id = :id"
                   << lock,
       soci::use(orderId));
  for (const auto& r : rs) {
    auto c = checkoutFrom(r);
    loadChildren(sql, c.order);
    return c;
  }
  return std::nullopt;
}
}  // namespace

std::optional<Checkout> load(soci::session& sql, const std::string& orderId) { return loadWith(sql, orderId, ""); }

std::optional<Checkout> loadForUpdate(Tx& tx, const std::string& orderId) {
  return loadWith(tx.sql(), orderId, tx.dialect() == Dialect::Postgresql ? " FOR UPDATE" : "");
}

void save(Tx& tx, const Checkout& c) {
  const auto& o = c.order;
  tx.exec(
      "UPDATE orders SET event_id = ?1, status = ?2, currency = ?3, total_amount = ?4, refunded_amount = ?5, "
      "payment_method = ?6, payment_id = ?7, ip_address = ?8, user_agent = ?9, failure_reason = ?10, "
      "failure_detail = ?11, cancel_reason = ?12, cancel_refund_id = ?13, held_again = ?14, expires_at = ?15, "
      "updated_at = ?16, version = ?17 WHERE id = ?18",
      o.eventId, o.status, nullable(o.currency), o.totalAmount, o.refundedAmount, nullable(methodJson(o)),
      nullable(o.paymentId), o.ipAddress, o.userAgent, nullable(o.failureReason), nullable(o.failureDetail),
      nullable(o.cancelReason), nullable(o.cancelRefundId), o.heldAgain ? 1 : 0, nullableMs(o.expiresAt),
      ms(o.updatedAt), o.version, o.id);
  writeChildren(tx, o);
  writeDeferredRefunds(tx, o);
  writeSaga(tx, o.id, c.saga, false);
}

void appendHistory(Tx& tx, const std::string& orderId, const std::vector<HistoryEntry>& entries) {
  if (entries.empty()) return;
  int seq = nextSeq(tx, "order_status_history", orderId);
  for (const auto& e : entries) {
    tx.exec("INSERT INTO order_status_history (order_id, seq, status, reason, detail, at) VALUES (?, ?, ?, ?, ?, ?)",
            orderId, seq++, e.status, nullable(e.reason), nullable(e.detail), ms(e.at));
  }
}

void appendSteps(Tx& tx, const std::string& orderId, const std::vector<StepRecord>& steps) {
  if (steps.empty()) return;
  int seq = nextSeq(tx, "saga_steps", orderId);
  for (const auto& s : steps) {
    tx.exec("INSERT INTO saga_steps (order_id, seq, step, attempt, result, detail, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            orderId, seq++, s.step, s.attempt, s.result, nullable(s.detail), ms(s.at));
  }
}

void appendCompensations(Tx& tx, const std::string& orderId, const std::vector<Compensation>& compensations) {
  if (compensations.empty()) return;
  int seq = nextSeq(tx, "saga_compensations", orderId);
  for (const auto& c : compensations) {
    tx.exec("INSERT INTO saga_compensations (order_id, seq, action, reason, at) VALUES (?, ?, ?, ?, ?)", orderId, seq++,
            c.action, c.reason, ms(c.at));
  }
}

void insertRefund(Tx& tx, const std::string& orderId, const RefundRecord& r) {
  tx.exec(
      "INSERT INTO order_refunds (order_id, refund_id, amount, currency, full_refund, reason, seats, at, "
      "deferred) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
      orderId, r.refundId, r.amount.amount, r.amount.currency, r.full ? 1 : 0, r.reason, seatsJson(r.seats), ms(r.at),
      r.deferred ? 1 : 0);
}

void insertReturn(Tx& tx, const std::string& orderId, const ReturnRecord& r) {
  tx.exec(
      "INSERT INTO order_returns (order_id, return_id, reason, items, ticket_count, at) "
      "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
      orderId, r.returnId, r.reason, seatsJson(r.items), r.ticketCount, ms(r.at));
}

std::vector<HistoryEntry> history(soci::session& sql, const std::string& orderId) {
  std::vector<HistoryEntry> out;
  soci::rowset<soci::row> rs = (sql.prepare << "SELECT status, reason, detail, at FROM order_status_history "
                                               "WHERE order_id = :id ORDER BY seq",
                                soci::use(orderId));
  for (const auto& r : rs) out.push_back({text(r, 0), optText(r, 1), optText(r, 2), fromUnixMillis(integer(r, 3))});
  return out;
}

std::vector<StepRecord> steps(soci::session& sql, const std::string& orderId) {
  std::vector<StepRecord> out;
  soci::rowset<soci::row> rs = (sql.prepare << "SELECT step, attempt, result, detail, at FROM saga_steps "
                                               "WHERE order_id = :id ORDER BY seq",
                                soci::use(orderId));
  for (const auto& r : rs) {
    out.push_back(
        {text(r, 0), static_cast<int>(integer(r, 1)), text(r, 2), optText(r, 3), fromUnixMillis(integer(r, 4))});
  }
  return out;
}

std::vector<Compensation> compensations(soci::session& sql, const std::string& orderId) {
  std::vector<Compensation> out;
  soci::rowset<soci::row> rs =
      (sql.prepare << "SELECT action, reason, at FROM saga_compensations WHERE order_id = :id ORDER BY seq",
       soci::use(orderId));
  for (const auto& r : rs) out.push_back({text(r, 0), text(r, 1), fromUnixMillis(integer(r, 2))});
  return out;
}

std::vector<RefundRecord> refunds(soci::session& sql, const std::string& orderId) {
  std::vector<RefundRecord> out;
  soci::rowset<soci::row> rs =
      (sql.prepare << "SELECT " << kRefundColumns << " FROM order_refunds WHERE order_id = :id ORDER BY at, rowid",
       soci::use(orderId));
  for (const auto& r : rs) out.push_back(refundFrom(r));
  return out;
}

std::vector<ReturnRecord> returns(soci::session& sql, const std::string& orderId) {
  std::vector<ReturnRecord> out;
  soci::rowset<soci::row> rs = (sql.prepare << "SELECT return_id, reason, items, ticket_count, at FROM order_returns "
                                               "WHERE order_id = :id ORDER BY at",
                                soci::use(orderId));
  for (const auto& r : rs) {
    out.push_back({text(r, 0), text(r, 1), seatsFrom(text(r, 2)), static_cast<int>(integer(r, 3)),
                   fromUnixMillis(integer(r, 4))});
  }
  return out;
}

std::optional<std::string> orderOfReservation(soci::session& sql, const std::string& reservationId) {
  std::string orderId;
  sql << "SELECT order_id FROM order_holds WHERE reservation_id = :r LIMIT 1", soci::into(orderId),
      soci::use(reservationId);
  if (!sql.got_data()) return std::nullopt;
  return orderId;
}

std::vector<std::string> openOrdersOfEvent(soci::session& sql, const std::string& eventId) {
  std::vector<std::string> out;
  soci::rowset<std::string> rs =
      (sql.prepare << "SELECT id FROM orders WHERE event_id = :e AND status NOT IN ('Cancelled', 'Failed', "
                      "'Refunded') ORDER BY created_at",
       soci::use(eventId));
  for (const auto& id : rs) out.push_back(id);
  return out;
}

std::vector<std::string> stuckSagas(soci::session& sql, std::int64_t beforeMs, int limit) {
  std::vector<std::string> out;
  // A running saga of an ended order has nothing left to time out (the order's fate is decided);
  // selecting it would let such sagas crowd out the stuck ones in every batch.
  soci::rowset<std::string> rs =
      (sql.prepare << "SELECT s.order_id FROM sagas s JOIN orders o ON o.id = s.order_id WHERE "
                      "(s.state IN ('Started', 'InProgress') AND s.awaiting_payment = 0 AND s.step_started_at < :b1 "
                      "AND o.status NOT IN ('Cancelled', 'Failed', 'Refunded')) "
                      "OR (s.state = 'Compensating' AND s.compensation_sent_at < :b2) "
                      "ORDER BY COALESCE(s.compensation_sent_at, s.step_started_at) LIMIT :limit",
       soci::use(beforeMs, "b1"), soci::use(beforeMs, "b2"), soci::use(limit, "limit"));
  for (const auto& id : rs) out.push_back(id);
  return out;
}

namespace {

// A WHERE clause of only the filters given ("column = :pN" each), so SQLite can use the index on
// the filtered column; "(:x = '' OR column = :x)" would scan the whole table on every request.
struct Filters {
  std::string where;
  std::vector<std::string> values;
  void add(const std::optional<std::string>& value, const char* column) {
    if (!value) return;
    where += (where.empty() ? " WHERE " : " AND ") + std::string(column) + " = :p" + std::to_string(values.size());
    values.push_back(*value);
  }
};

// One page of ids from `from` (a table name) under `filters`, newest first, and the total count.
std::vector<std::string> pageOfIds(soci::session& sql, const std::string& idColumn, const std::string& from,
                                   const std::string& orderBy, Filters& filters, const PageRequest& page,
                                   long long& total) {
  {
    soci::statement count(sql);
    count.exchange(soci::into(total));
    for (auto& value : filters.values) count.exchange(soci::use(value));
    count.alloc();
    count.prepare("SELECT COUNT(*) FROM " + from + filters.where);
    count.define_and_bind();
    count.execute(true);
  }
  long long limit = page.size;
  long long offset = page.offset();
  std::string id;
  soci::statement select(sql);
  select.exchange(soci::into(id));
  for (auto& value : filters.values) select.exchange(soci::use(value));
  select.exchange(soci::use(limit));
  select.exchange(soci::use(offset));
  select.alloc();
  auto n = std::to_string(filters.values.size());
  select.prepare("SELECT " + idColumn + " FROM " + from + filters.where + " ORDER BY " + orderBy + " LIMIT :p" + n +
                 " OFFSET :p" + std::to_string(filters.values.size() + 1));
  select.define_and_bind();
  std::vector<std::string> ids;
  if (select.execute(true)) {
    do {
      ids.push_back(id);
    } while (select.fetch());
  }
  return ids;
}

}  // namespace

OrderPage list(soci::session& sql, const ListFilter& filter, const PageRequest& page) {
  Filters filters;
  filters.add(filter.userId, "user_id");
  filters.add(filter.eventId, "event_id");
  filters.add(filter.status, "status");
  OrderPage out;
  long long total = 0;
  auto ids = pageOfIds(sql, "id", "orders", "created_at DESC, id DESC", filters, page, total);
  out.totalItems = total;
  for (const auto& id : ids) {
    if (auto c = load(sql, id)) out.items.push_back(std::move(*c));
  }
  return out;
}

OrderPage listSagas(soci::session& sql, const std::optional<std::string>& state, const PageRequest& page) {
  Filters filters;
  filters.add(state, "state");
  OrderPage out;
  long long total = 0;
  auto ids = pageOfIds(sql, "order_id", "sagas", "started_at DESC, order_id DESC", filters, page, total);
  out.totalItems = total;
  for (const auto& id : ids) {
    if (auto c = load(sql, id)) out.items.push_back(std::move(*c));
  }
  return out;
}

}  // namespace boxoffice::orders::store
