#include "delivery_store.hpp"

#include "boxoffice/kernel/sql_where.hpp"

namespace boxoffice::notifications::store {

namespace {

constexpr const char* kColumns =
    "id, source_message_id, correlation_id, user_id, type, category, channel, status, address, language, timezone, "
    "user_name, subject, body_text, body_html, variant, unsubscribe_url, digest_at, digest_id, attempts, "
    "next_attempt_at, sending_since, last_error, created_at, sent_at, read_at";

std::optional<std::int64_t> optInt(const soci::row& r, std::size_t i) {
  if (r.get_indicator(i) == soci::i_null) return std::nullopt;
  return rows::integer(r, i);
}

DeliveryRow fromRow(const soci::row& r) {
  DeliveryRow d;
  std::size_t i = 0;
  for (auto* field :
       {&d.id, &d.sourceMessageId, &d.correlationId, &d.userId, &d.type, &d.category, &d.channel, &d.status, &d.address,
        &d.language, &d.timezone, &d.userName, &d.subject, &d.text, &d.html, &d.variant, &d.unsubscribeUrl})
    *field = rows::text(r, i++);
  d.digestAt = optInt(r, i++);
  d.digestId = rows::text(r, i++);
  d.attempts = static_cast<int>(rows::integer(r, i++));
  d.nextAttemptAt = optInt(r, i++);
  d.sendingSince = optInt(r, i++);
  d.lastError = rows::text(r, i++);
  d.createdAt = rows::integer(r, i++);
  d.sentAt = optInt(r, i++);
  d.readAt = optInt(r, i++);
  return d;
}

template <class... Binds>
std::vector<DeliveryRow> query(soci::session& sql, const std::string& where, Binds&&... binds) {
  auto prepared = (sql.prepare << (std::string("SELECT ") + kColumns + " FROM notification_deliveries " + where));
  soci::rowset<soci::row> rs = (prepared, ..., std::forward<Binds>(binds));
  std::vector<DeliveryRow> out;
  for (const auto& r : rs) out.push_back(fromRow(r));
  return out;
}

SqlValue opt(const std::optional<std::int64_t>& v) { return v ? SqlValue(*v) : SqlValue(nullptr); }

}  // namespace

bool insert(Tx& tx, const DeliveryRow& d) {
  return tx.exec(
             "INSERT INTO notification_deliveries (id, source_message_id, correlation_id, user_id, type, category, "
             "channel, status, address, language, timezone, user_name, subject, body_text, body_html, variant, "
             "unsubscribe_url, digest_at, digest_id, attempts, next_attempt_at, sending_since, last_error, "
             "created_at, sent_at, read_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
             "?15, ?16, ?17, ?18, ?19, ?20, ?21, NULL, ?22, ?23, ?24, NULL) "
             "ON CONFLICT (source_message_id, user_id, channel, type) DO NOTHING",
             d.id, d.sourceMessageId, d.correlationId, d.userId, d.type, d.category, d.channel, d.status, d.address,
             d.language, d.timezone, d.userName, d.subject, d.text, d.html, d.variant, d.unsubscribeUrl,
             opt(d.digestAt), d.digestId.empty() ? SqlValue(nullptr) : SqlValue(std::string_view(d.digestId)),
             static_cast<std::int64_t>(d.attempts), opt(d.nextAttemptAt), d.lastError, d.createdAt, opt(d.sentAt)) == 1;
}

std::optional<DeliveryRow> find(soci::session& sql, const std::string& id) {
  auto rows = query(sql, "WHERE id = :id", soci::use(id));
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::vector<std::string> dueIds(soci::session& sql, std::int64_t now, int limit) {
  std::vector<std::string> out;
  soci::rowset<soci::row> rs =
      (sql.prepare << "SELECT id FROM notification_deliveries WHERE status = 'Queued' AND digest_at IS NULL AND "
                      "digest_id IS NULL AND sending_since IS NULL AND next_attempt_at <= :now "
                      "ORDER BY next_attempt_at, id LIMIT :limit",
       soci::use(now), soci::use(limit));
  for (const auto& r : rs) out.push_back(rows::text(r, 0));
  return out;
}

std::vector<DeliveryRow> dueDigestRows(soci::session& sql, std::int64_t now, int limit) {
  return query(sql,
               "WHERE status = 'Queued' AND digest_at IS NOT NULL AND digest_at <= :now AND digest_id IS NULL "
               "AND sending_since IS NULL ORDER BY user_id, channel, created_at, id LIMIT :limit",
               soci::use(now), soci::use(limit));
}

std::vector<DeliveryRow> digestMembers(soci::session& sql, const std::string& digestId) {
  return query(sql, "WHERE digest_id = :d ORDER BY created_at, id", soci::use(digestId));
}

std::optional<std::int64_t> nextDue(soci::session& sql) {
  long long next = 0;
  soci::indicator ind = soci::i_null;
  sql << "SELECT MIN(CASE WHEN digest_at IS NULL THEN next_attempt_at ELSE digest_at END) FROM "
         "notification_deliveries WHERE status = 'Queued' AND digest_id IS NULL AND sending_since IS NULL",
      soci::into(next, ind);
  if (ind != soci::i_ok) return std::nullopt;
  return next;
}

std::vector<DeliveryRow> interrupted(soci::session& sql, std::int64_t claimedBefore) {
  const long long before = claimedBefore;
  return query(sql, "WHERE status = 'Queued' AND sending_since IS NOT NULL AND sending_since < :b", soci::use(before));
}

bool stillClaimed(Tx& tx, const std::string& id, std::int64_t claimedAt) {
  return tx.queryRow(
      tx.dialect() == Dialect::Postgresql
          ? "SELECT 1 FROM notification_deliveries WHERE id = ?1 AND status = 'Queued' AND "
            "sending_since = ?2 FOR UPDATE"
          : "SELECT 1 FROM notification_deliveries WHERE id = ?1 AND status = 'Queued' AND "
            "sending_since = ?2",
      [](const ResultRow&) {}, id, claimedAt);
}

bool failInterrupted(Tx& tx, const std::string& id, std::int64_t claimedAt, const std::string& error) {
  return tx.exec(
             "UPDATE notification_deliveries SET status = 'Failed', sending_since = NULL, next_attempt_at = NULL, "
             "last_error = ?3 WHERE id = ?1 AND status = 'Queued' AND sending_since = ?2",
             id, claimedAt, error) == 1;
}

bool claim(Tx& tx, const std::string& id, std::int64_t now) {
  return tx.exec(
             "UPDATE notification_deliveries SET sending_since = ?2, attempts = attempts + 1 WHERE id = ?1 AND "
             "status = 'Queued' AND sending_since IS NULL AND digest_id IS NULL",
             id, now) == 1;
}

void markSent(Tx& tx, const std::string& id, std::int64_t now) {
  tx.exec(
      "UPDATE notification_deliveries SET status = 'Sent', sent_at = ?2, sending_since = NULL, "
      "next_attempt_at = NULL, last_error = '' WHERE id = ?1",
      id, now);
}

void markFailed(Tx& tx, const std::string& id, const std::string& error) {
  tx.exec(
      "UPDATE notification_deliveries SET status = 'Failed', sending_since = NULL, next_attempt_at = NULL, "
      "last_error = ?2 WHERE id = ?1",
      id, error);
}

void scheduleRetry(Tx& tx, const std::string& id, std::int64_t at, const std::string& error) {
  tx.exec(
      "UPDATE notification_deliveries SET sending_since = NULL, next_attempt_at = ?2, last_error = ?3 WHERE id = ?1",
      id, at, error);
}

void recordSimulated(Tx& tx, const DeliveryRow& row, std::int64_t now) {
  auto id = row.id;  // one simulated send per delivery (a retry after success cannot happen)
  tx.exec(
      "INSERT INTO notification_simulated_sends (id, delivery_id, channel, address, subject, body, sent_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING",
      id, row.id, row.channel, row.address, row.subject, row.text, now);
}

std::vector<DeliveryRow> list(soci::session& sql, const Filter& f, const PageRequest& page, std::int64_t& total) {
  // Only the filters given become conditions, so the user and status indexes serve them.
  SqlWhere where;
  if (f.status) where.text("status =", *f.status);
  if (f.type) where.text("type =", *f.type);
  if (f.userId) where.text("user_id =", *f.userId);
  if (f.channel) where.text("channel =", *f.channel);
  total = where.count(sql, "notification_deliveries");
  std::vector<DeliveryRow> out;
  where.forEachRow(sql,
                   std::string("SELECT ") + kColumns + " FROM notification_deliveries" + where.sql() +
                       " ORDER BY created_at DESC, id DESC LIMIT " + std::to_string(page.size) + " OFFSET " +
                       std::to_string(page.offset()),
                   [&](const soci::row& row) { out.push_back(fromRow(row)); });
  return out;
}

std::vector<DeliveryRow> inApp(soci::session& sql, const std::string& userId, bool unreadOnly, const PageRequest& page,
                               std::int64_t& total) {
  int unread = unreadOnly ? 1 : 0;
  const std::string where =
      "WHERE user_id = :u AND channel = 'inApp' AND status = 'Sent' AND (:unread = 0 OR read_at IS NULL)";
  long long count = 0;
  sql << "SELECT COUNT(*) FROM notification_deliveries " + where, soci::use(userId), soci::use(unread),
      soci::into(count);
  total = count;
  long long size = page.size;
  long long offset = page.offset();
  return query(sql, where + " ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset", soci::use(userId),
               soci::use(unread), soci::use(size), soci::use(offset));
}

}  // namespace boxoffice::notifications::store
