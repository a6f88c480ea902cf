#include "store.hpp"

#include "boxoffice/kernel/sql_where.hpp"

namespace boxoffice::tickets::store {

namespace {

constexpr const char* kTicketColumns =
    "ticket_id, issue_key, order_id, event_id, category_id, category_name, holder_user_id, holder_name, "
    "buyer_user_id, code, status, key_id, payload, transferred_from, issued_at, checked_in_at, checked_in_gate, "
    "checked_in_by, voided_at, void_reason, list_version";

std::optional<std::string> optionalText(const soci::row& row, std::size_t i) {
  if (row.get_indicator(i) != soci::i_ok) return std::nullopt;
  return rows::text(row, i);
}
std::optional<std::int64_t> optionalInteger(const soci::row& row, std::size_t i) {
  if (row.get_indicator(i) != soci::i_ok) return std::nullopt;
  return rows::integer(row, i);
}

Ticket ticketFrom(const soci::row& row) {
  Ticket t;
  t.ticketId = rows::text(row, 0);
  t.issueKey = rows::text(row, 1);
  t.orderId = rows::text(row, 2);
  t.eventId = rows::text(row, 3);
  t.categoryId = rows::text(row, 4);
  t.categoryName = rows::text(row, 5);
  t.holderUserId = rows::text(row, 6);
  t.holderName = rows::text(row, 7);
  t.buyerUserId = rows::text(row, 8);
  t.code = rows::text(row, 9);
  t.status = rows::text(row, 10);
  t.keyId = rows::text(row, 11);
  t.payload = rows::text(row, 12);
  t.transferredFrom = optionalText(row, 13);
  t.issuedAt = rows::integer(row, 14);
  t.checkedInAt = optionalInteger(row, 15);
  t.checkedInGate = optionalText(row, 16);
  t.checkedInBy = optionalText(row, 17);
  t.voidedAt = optionalInteger(row, 18);
  t.voidReason = optionalText(row, 19);
  t.listVersion = rows::integer(row, 20);
  return t;
}

std::vector<Ticket> ticketsWhere(soci::session& sql, const SqlWhere& where, const std::string& tail) {
  std::vector<Ticket> out;
  where.forEachRow(sql, std::string("SELECT ") + kTicketColumns + " FROM tickets" + where.sql() + tail,
                   [&](const soci::row& row) { out.push_back(ticketFrom(row)); });
  return out;
}

std::optional<Ticket> oneTicket(soci::session& sql, std::string_view condition, const std::string& value) {
  SqlWhere where;
  where.text(condition, value);
  auto found = ticketsWhere(sql, where, " LIMIT 1");
  if (found.empty()) return std::nullopt;
  return std::move(found.front());
}

Transfer transferFrom(const soci::row& row) {
  Transfer t;
  t.transferId = rows::text(row, 0);
  t.ticketId = rows::text(row, 1);
  t.eventId = rows::text(row, 2);
  t.fromUserId = rows::text(row, 3);
  t.toEmail = rows::text(row, 4);
  t.toUserId = optionalText(row, 5);
  t.status = rows::text(row, 6);
  t.newTicketId = optionalText(row, 7);
  t.createdAt = rows::integer(row, 8);
  t.completedAt = optionalInteger(row, 9);
  return t;
}

constexpr const char* kTransferColumns =
    "transfer_id, ticket_id, event_id, from_user_id, to_email, to_user_id, status, new_ticket_id, created_at, "
    "completed_at";

std::optional<Transfer> oneTransfer(soci::session& sql, std::string_view condition, const std::string& value) {
  SqlWhere where;
  where.text(condition, value);
  std::optional<Transfer> out;
  where.forEachRow(sql, std::string("SELECT ") + kTransferColumns + " FROM transfers" + where.sql() + " LIMIT 1",
                   [&](const soci::row& row) { out = transferFrom(row); });
  return out;
}

}  // namespace

std::optional<Ticket> findTicket(soci::session& sql, const std::string& ticketId) {
  return oneTicket(sql, "ticket_id =", ticketId);
}

std::optional<Ticket> findByCode(soci::session& sql, const std::string& code) { return oneTicket(sql, "code =", code); }

bool codeExists(soci::session& sql, const std::string& code) {
  int n = 0;
  sql << "SELECT COUNT(*) FROM tickets WHERE code = :c", soci::use(code), soci::into(n);
  return n > 0;
}

bool issueKeyExists(soci::session& sql, const std::string& issueKey) {
  int n = 0;
  sql << "SELECT COUNT(*) FROM tickets WHERE issue_key = :k", soci::use(issueKey), soci::into(n);
  return n > 0;
}

void insertTicket(Tx& tx, const Ticket& t) {
  tx.exec(
      "INSERT INTO tickets (ticket_id, issue_key, order_id, event_id, category_id, category_name, holder_user_id, "
      "holder_name, buyer_user_id, code, status, key_id, payload, transferred_from, issued_at, list_version) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      t.ticketId, t.issueKey, t.orderId, t.eventId, t.categoryId, t.categoryName, t.holderUserId, t.holderName,
      t.buyerUserId, t.code, t.status, t.keyId, t.payload,
      t.transferredFrom ? SqlValue(std::string_view(*t.transferredFrom)) : SqlValue(nullptr), t.issuedAt,
      t.listVersion);
}

std::vector<Ticket> voidCandidates(soci::session& sql, const std::string& orderId, const std::string& categoryId) {
  SqlWhere where;
  where.text("order_id =", orderId);
  where.text("category_id =", categoryId);
  where.add(
      "(status IN ('Valid', 'CheckedIn') OR (status = 'Transferred' AND ticket_id IN "
      "(SELECT ticket_id FROM transfers WHERE status = 'Pending')))");
  return ticketsWhere(
      sql, where,
      // The buyer's own first (unused, then in a pending transfer, then used); a ticket they
      // passed on to someone else last, so a refund never turns away a person who was given it.
      " ORDER BY CASE WHEN holder_user_id = buyer_user_id THEN 0 ELSE 1 END, "
      "CASE status WHEN 'Valid' THEN 0 WHEN 'Transferred' THEN 1 ELSE 2 END, issued_at DESC, issue_key DESC");
}

std::vector<Ticket> validTicketsOf(soci::session& sql, const std::string& eventId) {
  SqlWhere where;
  where.text("event_id =", eventId);
  where.add("status = 'Valid'");
  return ticketsWhere(sql, where, "");
}

std::vector<Ticket> pendingTransferTicketsOf(soci::session& sql, const std::string& eventId) {
  SqlWhere where;
  where.text("event_id =", eventId);
  where.add("status = 'Transferred' AND ticket_id IN (SELECT ticket_id FROM transfers WHERE status = 'Pending')");
  return ticketsWhere(sql, where, "");
}

void markCheckedIn(Tx& tx, const std::string& ticketId, std::int64_t at, const std::string& gate, const std::string& by,
                   std::int64_t listVersion) {
  tx.exec(
      "UPDATE tickets SET status = 'CheckedIn', checked_in_at = ?, checked_in_gate = ?, checked_in_by = ?, "
      "list_version = ? WHERE ticket_id = ?",
      at, gate, by, listVersion, ticketId);
}

bool checkInIfValid(Tx& tx, const std::string& ticketId, std::int64_t at, const std::string& gate,
                    const std::string& by, std::int64_t listVersion) {
  return tx.exec(
             "UPDATE tickets SET status = 'CheckedIn', checked_in_at = ?, checked_in_gate = ?, checked_in_by = ?, "
             "list_version = ? WHERE ticket_id = ? AND status = 'Valid'",
             at, gate, by, listVersion, ticketId) > 0;
}

void markVoided(Tx& tx, const std::string& ticketId, std::int64_t at, const std::string& reason,
                std::int64_t listVersion) {
  tx.exec("UPDATE tickets SET status = 'Voided', voided_at = ?, void_reason = ?, list_version = ? WHERE ticket_id = ?",
          at, reason, listVersion, ticketId);
}

void markTransferred(Tx& tx, const std::string& ticketId, std::int64_t listVersion) {
  tx.exec("UPDATE tickets SET status = 'Transferred', list_version = ? WHERE ticket_id = ?", listVersion, ticketId);
}

int countScans(Tx& tx, const std::string& ticketId, int limit) {
  int count = 0;
  tx.queryRow(
      "SELECT COUNT(*) FROM (SELECT 1 FROM checkins WHERE ticket_id = ? LIMIT ?) AS recorded",
      [&](const ResultRow& row) { count = static_cast<int>(row.integer(0)); }, ticketId, limit);
  return count;
}

bool offlineScanRecorded(Tx& tx, const std::string& ticketId, std::int64_t scannedAt, const std::string& gate,
                         const std::string& by) {
  return tx.queryRow(
      "SELECT 1 FROM checkins WHERE ticket_id = ? AND scanned_at = ? AND gate = ? AND scanned_by = ? "
      "AND source = 'offline' LIMIT 1",
      [](const ResultRow&) {}, ticketId, scannedAt, gate, by);
}

void recordScan(Tx& tx, const std::string& ticketId, const std::string& eventId, const std::string& gate,
                std::int64_t scannedAt, const std::string& by, const std::string& source, const std::string& outcome,
                std::int64_t now) {
  tx.exec(
      "INSERT INTO checkins (ticket_id, event_id, gate, scanned_at, scanned_by, source, outcome, recorded_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      ticketId, eventId, gate, scannedAt, by, source, outcome, now);
}

std::vector<Ticket> listTickets(soci::session& sql, const TicketFilter& filter, const PageRequest& page,
                                std::int64_t& total) {
  SqlWhere where;
  if (filter.holderUserId) where.text("holder_user_id =", *filter.holderUserId);
  if (filter.eventId) where.text("event_id =", *filter.eventId);
  if (filter.status) where.text("status =", *filter.status);
  total = where.count(sql, "tickets");
  return ticketsWhere(sql, where,
                      " ORDER BY issued_at DESC, ticket_id LIMIT " + std::to_string(page.size) + " OFFSET " +
                          std::to_string(page.offset()));
}

void forEachTicketOf(soci::session& sql, const std::string& eventId, std::int64_t sinceVersion,
                     const std::function<void(const Ticket&)>& each) {
  SqlWhere where;
  where.text("event_id =", eventId);
  if (sinceVersion > 0) where.number("list_version >", sinceVersion);
  where.forEachRow(
      sql, std::string("SELECT ") + kTicketColumns + " FROM tickets" + where.sql() + " ORDER BY issued_at, issue_key",
      [&](const soci::row& row) { each(ticketFrom(row)); });
}

AdmissionSettings settingsOf(soci::session& sql, const std::string& eventId) {
  AdmissionSettings s;
  s.eventId = eventId;
  int allowed = 1;
  std::int64_t version = 0;
  sql << "SELECT transfers_allowed, version FROM admission_events WHERE event_id = :e", soci::use(eventId),
      soci::into(allowed), soci::into(version);
  if (sql.got_data()) {
    s.transfersAllowed = allowed != 0;
    s.version = version;
  }
  s.listVersion = listVersionOf(sql, eventId);
  return s;
}

void setTransfersAllowed(Tx& tx, const std::string& eventId, bool allowed, std::int64_t now) {
  tx.exec(
      "INSERT INTO admission_events (event_id, transfers_allowed, updated_at) VALUES (?, ?, ?) "
      "ON CONFLICT (event_id) DO UPDATE SET transfers_allowed = excluded.transfers_allowed, "
      "version = admission_events.version + 1, updated_at = excluded.updated_at",
      eventId, static_cast<std::int64_t>(allowed ? 1 : 0), now);
}

std::int64_t lastListVersion(soci::session& sql) {
  std::int64_t version = 0;
  soci::indicator ind = soci::i_null;
  sql << "SELECT MAX(list_version) FROM tickets", soci::into(version, ind);
  return ind == soci::i_ok ? version : 0;
}

std::int64_t listVersionOf(soci::session& sql, const std::string& eventId) {
  std::int64_t version = 0;
  soci::indicator ind = soci::i_null;
  sql << "SELECT MAX(list_version) FROM tickets WHERE event_id = :e", soci::use(eventId), soci::into(version, ind);
  return ind == soci::i_ok ? version : 0;
}

bool recordReturn(Tx& tx, const std::string& returnId, const std::string& orderId, std::int64_t now) {
  return tx.exec(
             "INSERT INTO ticket_returns (return_id, order_id, applied_at) VALUES (?, ?, ?) "
             "ON CONFLICT (return_id) DO NOTHING",
             returnId, orderId, now) > 0;
}

void cancelPendingTransfer(Tx& tx, const std::string& ticketId, std::int64_t now) {
  tx.exec(
      "UPDATE transfers SET status = 'Cancelled', completed_at = ?, token_hash = NULL "
      "WHERE ticket_id = ? AND status = 'Pending'",
      now, ticketId);
}

bool isScanner(soci::session& sql, const std::string& eventId, const std::string& userId) {
  int n = 0;
  sql << "SELECT COUNT(*) FROM scanners WHERE event_id = :e AND user_id = :u", soci::use(eventId), soci::use(userId),
      soci::into(n);
  return n > 0;
}

bool insertScanner(Tx& tx, const Scanner& s) {
  return tx.exec(
             "INSERT INTO scanners (event_id, user_id, email, granted_by, granted_at) VALUES (?, ?, ?, ?, ?) "
             "ON CONFLICT (event_id, user_id) DO NOTHING",
             s.eventId, s.userId, s.email, s.grantedBy, s.grantedAt) > 0;
}

bool deleteScanner(Tx& tx, const std::string& eventId, const std::string& userId) {
  return tx.exec("DELETE FROM scanners WHERE event_id = ? AND user_id = ?", eventId, userId) > 0;
}

std::vector<Scanner> scannersOf(soci::session& sql, const std::string& eventId) {
  std::vector<Scanner> out;
  SqlWhere where;
  where.text("event_id =", eventId);
  where.forEachRow(sql,
                   "SELECT event_id, user_id, email, granted_by, granted_at FROM scanners" + where.sql() +
                       " ORDER BY granted_at, user_id",
                   [&](const soci::row& row) {
                     out.push_back({rows::text(row, 0), rows::text(row, 1), rows::text(row, 2), rows::text(row, 3),
                                    rows::integer(row, 4)});
                   });
  return out;
}

std::vector<Scanner> grantsOf(soci::session& sql, const std::string& userId, const PageRequest& page,
                              std::int64_t& total) {
  std::vector<Scanner> out;
  SqlWhere where;
  where.text("user_id =", userId);
  total = where.count(sql, "scanners");
  where.forEachRow(sql,
                   "SELECT event_id, user_id, email, granted_by, granted_at FROM scanners" + where.sql() +
                       " ORDER BY granted_at DESC, event_id LIMIT " + std::to_string(page.size) + " OFFSET " +
                       std::to_string(page.offset()),
                   [&](const soci::row& row) {
                     out.push_back({rows::text(row, 0), rows::text(row, 1), rows::text(row, 2), rows::text(row, 3),
                                    rows::integer(row, 4)});
                   });
  return out;
}

void insertTransfer(Tx& tx, const Transfer& t, const std::optional<std::string>& tokenHash) {
  tx.exec(
      "INSERT INTO transfers (transfer_id, ticket_id, event_id, from_user_id, to_email, to_user_id, status, "
      "token_hash, new_ticket_id, created_at, completed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      t.transferId, t.ticketId, t.eventId, t.fromUserId, t.toEmail,
      t.toUserId ? SqlValue(std::string_view(*t.toUserId)) : SqlValue(nullptr), t.status,
      tokenHash ? SqlValue(std::string_view(*tokenHash)) : SqlValue(nullptr),
      t.newTicketId ? SqlValue(std::string_view(*t.newTicketId)) : SqlValue(nullptr), t.createdAt,
      t.completedAt ? SqlValue(*t.completedAt) : SqlValue(nullptr));
}

std::optional<Transfer> findTransfer(soci::session& sql, const std::string& transferId) {
  return oneTransfer(sql, "transfer_id =", transferId);
}

std::optional<Transfer> findPendingByTokenHash(soci::session& sql, const std::string& tokenHash) {
  auto t = oneTransfer(sql, "token_hash =", tokenHash);
  if (t && t->status != "Pending") return std::nullopt;
  return t;
}

bool settleTransfer(Tx& tx, const std::string& transferId, const std::string& status,
                    const std::optional<std::string>& toUserId, const std::string& newTicketId, std::int64_t now) {
  // The token is spent either way: only its hash was kept, and now not even that.
  return tx.exec(
             "UPDATE transfers SET status = ?, to_user_id = COALESCE(?, to_user_id), new_ticket_id = ?, "
             "completed_at = ?, token_hash = NULL WHERE transfer_id = ? AND status = 'Pending'",
             status, toUserId ? SqlValue(std::string_view(*toUserId)) : SqlValue(nullptr), newTicketId, now,
             transferId) > 0;
}

std::vector<Transfer> transfersFrom(soci::session& sql, const std::string& userId, int limit) {
  std::vector<Transfer> out;
  SqlWhere where;
  where.text("from_user_id =", userId);
  where.forEachRow(sql,
                   std::string("SELECT ") + kTransferColumns + " FROM transfers" + where.sql() +
                       " ORDER BY created_at DESC LIMIT " + std::to_string(limit),
                   [&](const soci::row& row) { out.push_back(transferFrom(row)); });
  return out;
}

std::vector<CategoryCount> countsByCategory(soci::session& sql, const std::string& eventId) {
  std::vector<CategoryCount> out;
  SqlWhere where;
  where.text("event_id =", eventId);
  where.add("status IN ('Valid', 'CheckedIn')");
  where.forEachRow(
      sql,
      "SELECT category_id, MAX(category_name), COUNT(*), "
      "SUM(CASE WHEN status = 'CheckedIn' THEN 1 ELSE 0 END) FROM tickets" +
          where.sql() + " GROUP BY category_id ORDER BY category_id",
      [&](const soci::row& row) {
        out.push_back({rows::text(row, 0), rows::text(row, 1), rows::integer(row, 2), rows::integer(row, 3)});
      });
  return out;
}

std::vector<std::pair<std::int64_t, std::int64_t>> admissionsPerBucket(soci::session& sql, const std::string& eventId,
                                                                       std::int64_t bucketMs) {
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  SqlWhere where;
  where.text("event_id =", eventId);
  where.add("status = 'CheckedIn'");
  const auto bucket = std::to_string(bucketMs);
  where.forEachRow(sql,
                   "SELECT (checked_in_at / " + bucket + ") * " + bucket + " AS b, COUNT(*) FROM tickets" +
                       where.sql() + " GROUP BY b ORDER BY b",
                   [&](const soci::row& row) { out.emplace_back(rows::integer(row, 0), rows::integer(row, 1)); });
  return out;
}

std::string settingOrCreate(Database& store, const std::string& name, const std::string& candidate) {
  return store.write([&](Tx& tx) {
    tx.exec("INSERT INTO ticket_settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", name, candidate);
    std::string value;
    tx.sql() << "SELECT value FROM ticket_settings WHERE name = :n", soci::use(name), soci::into(value);
    return value;
  });
}

}  // namespace boxoffice::tickets::store
