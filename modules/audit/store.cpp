#include "store.hpp"

#include "boxoffice/kernel/sql_where.hpp"
#include "boxoffice/kernel/time.hpp"

namespace boxoffice::audit::store {

namespace {

constexpr const char* kColumns =
    "sequence, message_id, topic, type, version, occurred_at, correlation_id, causation_id, recorded_at, envelope, "
    "previous_hash, hash";

Record fromRow(const soci::row& row) {
  Record r;
  r.sequence = rows::integer(row, 0);
  r.messageId = rows::text(row, 1);
  r.topic = rows::text(row, 2);
  r.type = rows::text(row, 3);
  r.version = static_cast<int>(rows::integer(row, 4));
  r.occurredAt = rows::text(row, 5);
  r.correlationId = rows::text(row, 6);
  r.causationId = rows::text(row, 7);
  r.recordedAt = rows::text(row, 8);
  r.envelope = rows::text(row, 9);
  r.previousHash = rows::text(row, 10);
  r.hash = rows::text(row, 11);
  return r;
}

SqlWhere whereOf(const ListFilter& f) {
  SqlWhere w;
  if (f.type) w.text("type =", *f.type);
  if (f.topic) w.text("topic =", *f.topic);
  if (f.correlationId) w.text("correlation_id =", *f.correlationId);
  if (f.fromMs) w.number("occurred_ms >=", *f.fromMs);
  if (f.toMs) w.number("occurred_ms <=", *f.toMs);
  return w;
}

SqlWhere whereOf(const ReplayFilter& f) {
  SqlWhere w;
  w.number("occurred_ms >=", f.fromMs);
  w.number("occurred_ms <=", f.toMs);
  if (!f.types.empty()) w.textIn("type", f.types);
  return w;
}

std::vector<Record> select(soci::session& sql, const std::string& text, const SqlWhere& where) {
  std::vector<Record> out;
  where.forEachRow(sql, text, [&](const soci::row& row) { out.push_back(fromRow(row)); });
  return out;
}

std::int64_t count(soci::session& sql, const SqlWhere& where) { return where.count(sql, "audit_records"); }

}  // namespace

bool append(Tx& tx, const Envelope& message, const std::string& envelope, const std::string& recordedAt) {
  // Both lookups go through the writer's statement cache: audit appends one row per message on
  // the bus, and parsing these two queries each time was half of the append's cost.
  if (tx.queryRow(
          "SELECT 1 FROM audit_records WHERE message_id = ?", [](const ResultRow&) {}, message.messageId)) {
    return false;
  }
  long long lastSequence = 0;
  std::string lastHash(kGenesisHash);
  tx.queryRow("SELECT sequence, hash FROM audit_records ORDER BY sequence DESC LIMIT 1", [&](const ResultRow& row) {
    lastSequence = row.integer(0);
    lastHash = row.text(1);
  });
  Record r;
  r.sequence = lastSequence + 1;
  r.messageId = message.messageId;
  r.topic = message.topic;
  r.type = message.type;
  r.version = message.version;
  r.occurredAt = message.occurredAt;
  r.correlationId = message.correlationId;
  r.causationId = message.causationId;
  r.recordedAt = recordedAt;
  r.envelope = envelope;
  r.previousHash = lastHash;
  r.hash = computeHash(r.previousHash, r);
  auto occurred = parseRfc3339(message.occurredAt);
  std::int64_t occurredMs = occurred ? toUnixMillis(*occurred) : 0;
  tx.exec(
      "INSERT INTO audit_records (sequence, message_id, topic, type, version, occurred_at, occurred_ms, "
      "correlation_id, causation_id, envelope, recorded_at, previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
      "?, ?, ?)",
      r.sequence, r.messageId, r.topic, r.type, r.version, r.occurredAt, occurredMs, r.correlationId, r.causationId,
      r.envelope, r.recordedAt, r.previousHash, r.hash);
  return true;
}

std::vector<Record> list(soci::session& sql, const ListFilter& filter, const PageRequest& page, std::int64_t& total) {
  auto where = whereOf(filter);
  total = count(sql, where);
  return select(sql,
                std::string("SELECT ") + kColumns + " FROM audit_records" + where.sql() +
                    " ORDER BY sequence DESC LIMIT " + std::to_string(page.size) + " OFFSET " +
                    std::to_string(page.offset()),
                where);
}

std::vector<Record> story(soci::session& sql, const std::string& correlationId, std::size_t limit) {
  SqlWhere where;
  where.text("correlation_id =", correlationId);
  return select(sql,
                std::string("SELECT ") + kColumns + " FROM audit_records" + where.sql() + " ORDER BY sequence LIMIT " +
                    std::to_string(limit),
                where);
}

std::int64_t countMatching(soci::session& sql, const ReplayFilter& filter) { return count(sql, whereOf(filter)); }

namespace {
// The next `chunkSize` records after `after` that `where` admits, in chain order: the walks below
// read the table in pieces so that memory stays constant however long the chain is.
std::vector<Record> chunkAfter(Database& db, SqlWhere where, std::int64_t after, std::size_t chunkSize) {
  where.number("sequence >", after);
  return db.read([&](soci::session& sql) {
    return select(sql,
                  std::string("SELECT ") + kColumns + " FROM audit_records" + where.sql() +
                      " ORDER BY sequence LIMIT " + std::to_string(chunkSize),
                  where);
  });
}
}  // namespace

void forEachMatching(Database& db, const ReplayFilter& filter, std::size_t chunkSize,
                     const std::function<void(std::vector<Record>&)>& chunk) {
  std::int64_t after = 0;
  for (;;) {
    auto records = chunkAfter(db, whereOf(filter), after, chunkSize);
    if (records.empty()) return;
    after = records.back().sequence;
    chunk(records);
    if (records.size() < chunkSize) return;
  }
}

void forEachRecord(Database& db, std::size_t chunkSize, const std::function<bool(const Record&)>& each) {
  std::int64_t after = 0;
  for (;;) {
    auto records = chunkAfter(db, SqlWhere{}, after, chunkSize);
    for (const auto& r : records) {
      if (!each(r)) return;
    }
    if (records.size() < chunkSize) return;
    after = records.back().sequence;
  }
}

}  // namespace boxoffice::audit::store
