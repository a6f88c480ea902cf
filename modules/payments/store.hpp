#pragma once
// SQL of the payments module: rows in, structs out. Callers choose the transaction.
#include <optional>
#include <soci/soci.h>
#include <string>
#include <vector>

#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/paging.hpp"
#include "model.hpp"

namespace boxoffice::payments::store {

std::optional<Payment> findPayment(soci::session& sql, const std::string& paymentId);
// On PostgreSQL, where instances share the tables, locks the payment's row until the transaction
// ends (SELECT ... FOR UPDATE; a no-op on SQLite's single writer): what the caller reads next is
// the latest committed version, and no other instance decides on the same payment meanwhile.
void lockPayment(Tx& tx, const std::string& paymentId);
std::optional<Payment> findByOrder(soci::session& sql, const std::string& orderId);
void insertPayment(Tx& tx, const Payment& payment);
// Writes the mutable columns (status, outcome, attempts, void, chargeback) of `payment`.
void updatePayment(Tx& tx, const Payment& payment);

struct ListFilter {
  std::optional<std::string> userId;  // a buyer sees only their own
  std::optional<std::string> orderId;
  std::optional<std::string> eventId;
};
std::vector<Payment> listPayments(soci::session& sql, const ListFilter& filter, const PageRequest& page,
                                  std::int64_t& totalItems);

// Payments the processor should look at now (Pending or Processing, due), oldest first.
std::vector<Payment> duePayments(soci::session& sql, std::int64_t nowMs, int limit);
// Earliest next_attempt_at of a Pending/Processing payment or Pending refund, if any.
std::optional<std::int64_t> nextDue(soci::session& sql);

std::vector<Refund> refundsOf(soci::session& sql, const std::string& paymentId);
std::optional<Refund> findRefund(soci::session& sql, const std::string& refundId);
void insertRefund(Tx& tx, const Refund& refund);
void updateRefund(Tx& tx, const Refund& refund);
// As lockPayment, for a refund's row.
void lockRefund(Tx& tx, const std::string& refundId);
// Takes a due Pending refund for one gateway call: it is not due again before `until` (when a
// call whose answer was lost is tried again). False if it is not due any more: another instance
// (or an answer) got there first. Committed before the call.
bool claimRefund(Tx& tx, const std::string& refundId, std::int64_t nowMs, std::int64_t until);
std::vector<Refund> dueRefunds(soci::session& sql, std::int64_t nowMs, int limit);
// Pending refunds that failed at least `minAttempts` times (still retried: money owed to a buyer).
std::int64_t stuckRefunds(soci::session& sql, int minAttempts);

// The payment a gateway knows by its transaction id.
std::optional<Payment> findByTransactionId(soci::session& sql, const std::string& gateway,
                                           const std::string& transactionId);
// Notes a webhook event id of `gateway`; false if it was received before (a replay).
bool recordWebhookEvent(Tx& tx, const std::string& gateway, const std::string& eventId, std::int64_t nowMs);

// One line of the financial report.
struct ReportLine {
  std::string eventId;
  std::string currency;
  std::int64_t gross = 0;
  std::int64_t refunded = 0;
  std::int64_t chargedBack = 0;
  std::int64_t net() const { return gross - refunded - chargedBack; }
};
// Per event and currency: captured charges processed in [fromMs, toMs), refunds completed in
// it, chargebacks received in it.
std::vector<ReportLine> report(soci::session& sql, const std::optional<std::string>& eventId, std::int64_t fromMs,
                               std::int64_t toMs);

// Settings (generated development secrets): insert-if-absent, then read.
std::string settingOrCreate(Database& store, const std::string& name, const std::string& candidate);

}  // namespace boxoffice::payments::store
