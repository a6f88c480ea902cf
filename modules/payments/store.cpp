#include "store.hpp"

#include <map>
#include <tuple>

#include "boxoffice/kernel/json.hpp"
#include "boxoffice/kernel/message_json.hpp"

namespace boxoffice::payments::store {

namespace {

constexpr const char* kPaymentColumns =
    "payment_id, order_id, user_id, event_id, reservation_ids, items, amount, currency, status, "
    "payment_method_type, gateway, gateway_transaction_id, failure_reason, failure_detail, fraud_score, "
    "processed_at, ip_address, user_agent, card_brand, card_last4, card_exp_month, card_exp_year, card_fingerprint, "
    "card_holder_name, card_token, correlation_id, attempts, next_attempt_at, void_reason, void_refund_id, "
    "charged_back_amount, charged_back_at, created_at, updated_at";

constexpr const char* kRefundColumns =
    "refund_id, payment_id, amount, currency, seats, reason, status, requested_by, correlation_id, attempts, "
    "next_attempt_at, failure_reason, created_at, completed_at, origin";

std::optional<std::int64_t> optionalInteger(const soci::row& row, std::size_t i) {
  if (row.get_indicator(i) == soci::i_null) return std::nullopt;
  return rows::integer(row, i);
}

template <class T>
T parseJson(const std::string& text) {
  return fromJsonValue<T>(boost::json::parse(text.empty() ? "[]" : text));
}

Payment readPayment(const soci::row& r) {
  Payment p;
  std::size_t i = 0;
  p.paymentId = rows::text(r, i++);
  p.orderId = rows::text(r, i++);
  p.userId = rows::text(r, i++);
  p.eventId = rows::text(r, i++);
  p.reservationIds = parseJson<std::vector<std::string>>(rows::text(r, i++));
  p.items = parseJson<std::vector<messages::PaidItem>>(rows::text(r, i++));
  p.amount.amount = rows::integer(r, i++);
  p.amount.currency = rows::text(r, i++);
  p.status = rows::text(r, i++);
  p.method = rows::text(r, i++);
  p.gateway = rows::text(r, i++);
  p.gatewayTransactionId = rows::text(r, i++);
  p.failureReason = rows::text(r, i++);
  p.failureDetail = rows::text(r, i++);
  p.fraudScore = static_cast<int>(rows::integer(r, i++));
  p.processedAt = optionalInteger(r, i++);
  p.ipAddress = rows::text(r, i++);
  p.userAgent = rows::text(r, i++);
  p.cardBrand = rows::text(r, i++);
  p.cardLast4 = rows::text(r, i++);
  if (auto m = optionalInteger(r, i++)) p.cardExpMonth = static_cast<int>(*m);
  if (auto y = optionalInteger(r, i++)) p.cardExpYear = static_cast<int>(*y);
  p.cardFingerprint = rows::text(r, i++);
  p.cardHolderName = rows::text(r, i++);
  p.cardToken = rows::text(r, i++);
  p.correlationId = rows::text(r, i++);
  p.attempts = static_cast<int>(rows::integer(r, i++));
  p.nextAttemptAt = rows::integer(r, i++);
  p.voidReason = rows::text(r, i++);
  p.voidRefundId = rows::text(r, i++);
  p.chargedBackAmount = rows::integer(r, i++);
  p.chargedBackAt = optionalInteger(r, i++);
  p.createdAt = rows::integer(r, i++);
  p.updatedAt = rows::integer(r, i++);
  return p;
}

Refund readRefund(const soci::row& r) {
  Refund f;
  std::size_t i = 0;
  f.refundId = rows::text(r, i++);
  f.paymentId = rows::text(r, i++);
  f.amount.amount = rows::integer(r, i++);
  f.amount.currency = rows::text(r, i++);
  f.seats = parseJson<std::vector<messages::ReturnedSeats>>(rows::text(r, i++));
  f.reason = rows::text(r, i++);
  f.status = rows::text(r, i++);
  f.requestedBy = rows::text(r, i++);
  f.correlationId = rows::text(r, i++);
  f.attempts = static_cast<int>(rows::integer(r, i++));
  f.nextAttemptAt = rows::integer(r, i++);
  f.failureReason = rows::text(r, i++);
  f.createdAt = rows::integer(r, i++);
  f.completedAt = optionalInteger(r, i++);
  f.origin = rows::text(r, i++);
  return f;
}

std::vector<Payment> queryPayments(soci::session& sql, const std::string& where, const std::vector<std::string>& args,
                                   const std::string& tail = {}) {
  std::string text = std::string("SELECT ") + kPaymentColumns + " FROM payments " + where + " " + tail;
  std::vector<Payment> out;
  auto collect = [&](soci::rowset<soci::row>& rs) {
    for (const auto& row : rs) out.push_back(readPayment(row));
  };
  // SOCI binds parameters at compile time: one branch per count (the filters use at most three).
  if (args.empty()) {
    soci::rowset<soci::row> rs = sql.prepare << text;
    collect(rs);
  } else if (args.size() == 1) {
    soci::rowset<soci::row> rs = (sql.prepare << text, soci::use(args[0]));
    collect(rs);
  } else if (args.size() == 2) {
    soci::rowset<soci::row> rs = (sql.prepare << text, soci::use(args[0]), soci::use(args[1]));
    collect(rs);
  } else {
    soci::rowset<soci::row> rs = (sql.prepare << text, soci::use(args[0]), soci::use(args[1]), soci::use(args[2]));
    collect(rs);
  }
  return out;
}

}  // namespace

std::optional<Payment> findPayment(soci::session& sql, const std::string& paymentId) {
  auto found = queryPayments(sql, "WHERE payment_id = :id", {paymentId});
  if (found.empty()) return std::nullopt;
  return found.front();
}

void lockPayment(Tx& tx, const std::string& paymentId) {
  if (tx.dialect() != Dialect::Postgresql) return;
  tx.queryRow(
      "SELECT 1 FROM payments WHERE payment_id = ?1 FOR UPDATE", [](const ResultRow&) {}, paymentId);
}

std::optional<Payment> findByOrder(soci::session& sql, const std::string& orderId) {
  auto found = queryPayments(sql, "WHERE order_id = :id", {orderId});
  if (found.empty()) return std::nullopt;
  return found.front();
}

void insertPayment(Tx& tx, const Payment& p) {
  auto reservations = json::serialize(toJsonValue(p.reservationIds));
  auto items = json::serialize(toJsonValue(p.items));
  tx.exec(
      "INSERT INTO payments (payment_id, order_id, user_id, event_id, reservation_ids, items, amount, currency, "
      "status, "
      "payment_method_type, gateway, fraud_score, ip_address, user_agent, card_brand, card_last4, card_exp_month, "
      "card_exp_year, card_fingerprint, card_holder_name, card_token, correlation_id, next_attempt_at, "
      "failure_reason, failure_detail, processed_at, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
      "?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28)",
      p.paymentId, p.orderId, p.userId, p.eventId, reservations, items, p.amount.amount, p.amount.currency, p.status,
      p.method, p.gateway, p.fraudScore, p.ipAddress, p.userAgent,
      p.cardBrand.empty() ? SqlValue(nullptr) : SqlValue(std::string_view(p.cardBrand)),
      p.cardLast4.empty() ? SqlValue(nullptr) : SqlValue(std::string_view(p.cardLast4)),
      p.cardExpMonth ? SqlValue(std::int64_t{*p.cardExpMonth}) : SqlValue(nullptr),
      p.cardExpYear ? SqlValue(std::int64_t{*p.cardExpYear}) : SqlValue(nullptr),
      p.cardFingerprint.empty() ? SqlValue(nullptr) : SqlValue(std::string_view(p.cardFingerprint)),
      p.cardHolderName.empty() ? SqlValue(nullptr) : SqlValue(std::string_view(p.cardHolderName)),
      p.cardToken.empty() ? SqlValue(nullptr) : SqlValue(std::string_view(p.cardToken)), p.correlationId,
      p.nextAttemptAt, p.failureReason.empty() ? SqlValue(nullptr) : SqlValue(std::string_view(p.failureReason)),
      p.failureDetail.empty() ? SqlValue(nullptr) : SqlValue(std::string_view(p.failureDetail)),
      p.processedAt ? SqlValue(*p.processedAt) : SqlValue(nullptr), p.createdAt, p.updatedAt);
}

void updatePayment(Tx& tx, const Payment& p) {
  auto text = [](const std::string& s) { return s.empty() ? SqlValue(nullptr) : SqlValue(std::string_view(s)); };
  tx.exec(
      "UPDATE payments SET status = ?2, gateway_transaction_id = ?3, failure_reason = ?4, failure_detail = ?5, "
      "processed_at = ?6, card_token = ?7, attempts = ?8, next_attempt_at = ?9, void_reason = ?10, "
      "void_refund_id = ?11, charged_back_amount = ?12, charged_back_at = ?13, updated_at = ?14 WHERE payment_id = ?1",
      p.paymentId, p.status, text(p.gatewayTransactionId), text(p.failureReason), text(p.failureDetail),
      p.processedAt ? SqlValue(*p.processedAt) : SqlValue(nullptr), text(p.cardToken), p.attempts, p.nextAttemptAt,
      text(p.voidReason), text(p.voidRefundId), p.chargedBackAmount,
      p.chargedBackAt ? SqlValue(*p.chargedBackAt) : SqlValue(nullptr), p.updatedAt);
}

std::vector<Payment> listPayments(soci::session& sql, const ListFilter& filter, const PageRequest& page,
                                  std::int64_t& totalItems) {
  // Placeholders (a void before any charge) are no payment anyone made: never listed.
  std::string where = "WHERE payment_method_type <> 'None'";
  std::vector<std::string> args;
  if (filter.userId) {
    where += " AND user_id = :u";
    args.push_back(*filter.userId);
  }
  if (filter.orderId) {
    where += " AND order_id = :o";
    args.push_back(*filter.orderId);
  }
  if (filter.eventId) {
    where += " AND event_id = :e";
    args.push_back(*filter.eventId);
  }
  long long count = 0;
  if (args.empty()) {
    sql << "SELECT COUNT(*) FROM payments " + where, soci::into(count);
  } else if (args.size() == 1) {
    sql << "SELECT COUNT(*) FROM payments " + where, soci::use(args[0]), soci::into(count);
  } else if (args.size() == 2) {
    sql << "SELECT COUNT(*) FROM payments " + where, soci::use(args[0]), soci::use(args[1]), soci::into(count);
  } else {
    sql << "SELECT COUNT(*) FROM payments " + where, soci::use(args[0]), soci::use(args[1]), soci::use(args[2]),
        soci::into(count);
  }
  totalItems = count;
  return queryPayments(sql, where, args,
                       "ORDER BY created_at DESC, payment_id DESC LIMIT " + std::to_string(page.size) + " OFFSET " +
                           std::to_string(page.offset()));
}

std::vector<Payment> duePayments(soci::session& sql, std::int64_t nowMs, int limit) {
  return queryPayments(sql, "WHERE status IN ('Pending', 'Processing') AND next_attempt_at <= " + std::to_string(nowMs),
                       {}, "ORDER BY next_attempt_at, created_at LIMIT " + std::to_string(limit));
}

std::optional<std::int64_t> nextDue(soci::session& sql) {
  long long payment = 0;
  long long refund = 0;
  soci::indicator paymentNull = soci::i_ok;
  soci::indicator refundNull = soci::i_ok;
  sql << "SELECT MIN(next_attempt_at) FROM payments WHERE status IN ('Pending', 'Processing')",
      soci::into(payment, paymentNull);
  sql << "SELECT MIN(next_attempt_at) FROM refunds WHERE status = 'Pending'", soci::into(refund, refundNull);
  std::optional<std::int64_t> out;
  if (paymentNull == soci::i_ok) out = payment;
  if (refundNull == soci::i_ok) out = out ? std::min<std::int64_t>(*out, refund) : refund;
  return out;
}

namespace {
std::vector<Refund> queryRefunds(soci::session& sql, const std::string& where, const std::string& arg) {
  soci::rowset<soci::row> rs =
      (sql.prepare << std::string("SELECT ") + kRefundColumns + " FROM refunds " + where, soci::use(arg));
  std::vector<Refund> out;
  for (const auto& row : rs) out.push_back(readRefund(row));
  return out;
}
}  // namespace

std::vector<Refund> refundsOf(soci::session& sql, const std::string& paymentId) {
  return queryRefunds(sql, "WHERE payment_id = :p ORDER BY created_at, refund_id", paymentId);
}

std::optional<Refund> findRefund(soci::session& sql, const std::string& refundId) {
  auto found = queryRefunds(sql, "WHERE refund_id = :r", refundId);
  if (found.empty()) return std::nullopt;
  return found.front();
}

void lockRefund(Tx& tx, const std::string& refundId) {
  if (tx.dialect() != Dialect::Postgresql) return;
  tx.queryRow(
      "SELECT 1 FROM refunds WHERE refund_id = ?1 FOR UPDATE", [](const ResultRow&) {}, refundId);
}

bool claimRefund(Tx& tx, const std::string& refundId, std::int64_t nowMs, std::int64_t until) {
  return tx.exec(
             "UPDATE refunds SET next_attempt_at = ?3 WHERE refund_id = ?1 AND status = 'Pending' AND "
             "next_attempt_at <= ?2",
             refundId, nowMs, until) == 1;
}

void insertRefund(Tx& tx, const Refund& refund) {
  const Refund& f = refund;
  tx.exec(
      "INSERT INTO refunds (refund_id, payment_id, amount, currency, seats, reason, status, requested_by, "
      "correlation_id, next_attempt_at, created_at, origin) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
      f.refundId, f.paymentId, f.amount.amount, f.amount.currency, json::serialize(toJsonValue(f.seats)), f.reason,
      f.status, f.requestedBy, f.correlationId, f.createdAt, f.createdAt, f.origin);
}

void updateRefund(Tx& tx, const Refund& refund) {
  const Refund& f = refund;
  tx.exec(
      "UPDATE refunds SET status = ?2, attempts = ?3, next_attempt_at = ?4, failure_reason = ?5, completed_at = ?6 "
      "WHERE refund_id = ?1",
      f.refundId, f.status, f.attempts, f.nextAttemptAt,
      f.failureReason.empty() ? SqlValue(nullptr) : SqlValue(std::string_view(f.failureReason)),
      f.completedAt ? SqlValue(*f.completedAt) : SqlValue(nullptr));
}

std::optional<Payment> findByTransactionId(soci::session& sql, const std::string& gateway,
                                           const std::string& transactionId) {
  auto found = queryPayments(sql, "WHERE gateway = :g AND gateway_transaction_id = :t", {gateway, transactionId});
  if (found.empty()) return std::nullopt;
  return found.front();
}

bool recordWebhookEvent(Tx& tx, const std::string& gateway, const std::string& eventId, std::int64_t nowMs) {
  return tx.exec(
             "INSERT INTO webhook_events (gateway, event_id, received_at) VALUES (?1, ?2, ?3) ON CONFLICT DO "
             "NOTHING",
             gateway, eventId, nowMs) > 0;
}

std::int64_t stuckRefunds(soci::session& sql, int minAttempts) {
  long long n = 0;
  sql << "SELECT COUNT(*) FROM refunds WHERE status = 'Pending' AND attempts >= :a", soci::use(minAttempts),
      soci::into(n);
  return n;
}

std::vector<Refund> dueRefunds(soci::session& sql, std::int64_t nowMs, int limit) {
  return queryRefunds(sql,
                      "WHERE status = 'Pending' AND next_attempt_at <= " + std::to_string(nowMs) +
                          " AND :unused = '' ORDER BY next_attempt_at LIMIT " + std::to_string(limit),
                      std::string());
}

std::vector<ReportLine> report(soci::session& sql, const std::optional<std::string>& eventId, std::int64_t fromMs,
                               std::int64_t toMs) {
  std::map<std::pair<std::string, std::string>, ReportLine> lines;
  auto line = [&](const std::string& event, const std::string& currency) -> ReportLine& {
    auto& l = lines[{event, currency}];
    l.eventId = event;
    l.currency = currency;
    return l;
  };
  // Always one :e, so the binds are the same either way (a placeholder used twice is bound twice
  // on PostgreSQL); length(:e) >= 0 holds for any text.
  std::string eventFilter = eventId ? " AND p.event_id = :e" : " AND length(:e) >= 0";
  std::string e = eventId.value_or("");
  {
    soci::rowset<soci::row> rs =
        (sql.prepare << "SELECT p.event_id, p.currency, SUM(p.amount) FROM payments p WHERE p.status IN ('Completed', "
                        "'PartiallyRefunded', 'Refunded', 'ChargedBack') AND p.processed_at >= :f AND "
                        "p.processed_at < :t" +
                            eventFilter + " GROUP BY p.event_id, p.currency",
         soci::use(fromMs), soci::use(toMs), soci::use(e));
    for (const auto& r : rs) line(rows::text(r, 0), rows::text(r, 1)).gross += rows::integer(r, 2);
  }
  {
    soci::rowset<soci::row> rs =
        (sql.prepare << "SELECT p.event_id, f.currency, SUM(f.amount) FROM refunds f JOIN payments p ON p.payment_id = "
                        "f.payment_id WHERE f.status = 'Completed' AND f.completed_at >= :f AND f.completed_at < :t" +
                            eventFilter + " GROUP BY p.event_id, f.currency",
         soci::use(fromMs), soci::use(toMs), soci::use(e));
    for (const auto& r : rs) line(rows::text(r, 0), rows::text(r, 1)).refunded += rows::integer(r, 2);
  }
  {
    soci::rowset<soci::row> rs =
        (sql.prepare << "SELECT p.event_id, p.currency, SUM(p.charged_back_amount) FROM payments p WHERE "
                        "p.charged_back_at >= :f AND p.charged_back_at < :t" +
                            eventFilter + " GROUP BY p.event_id, p.currency",
         soci::use(fromMs), soci::use(toMs), soci::use(e));
    for (const auto& r : rs) line(rows::text(r, 0), rows::text(r, 1)).chargedBack += rows::integer(r, 2);
  }
  std::vector<ReportLine> out;
  out.reserve(lines.size());
  for (auto& [key, l] : lines) out.push_back(l);
  return out;
}

std::string settingOrCreate(Database& store, const std::string& name, const std::string& candidate) {
  return store.write([&](Tx& tx) {
    // Insert-if-absent then read: two processes starting at once agree on one value.
    tx.sql() << "INSERT INTO payments_settings (name, value) VALUES (:n, :v) ON CONFLICT (name) DO NOTHING",
        soci::use(name), soci::use(candidate);
    std::string value;
    tx.sql() << "SELECT value FROM payments_settings WHERE name = :n", soci::use(name), soci::into(value);
    return value;
  });
}

}  // namespace boxoffice::payments::store
