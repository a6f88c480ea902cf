#pragma once
// orders.db: orders, their items, holds, status history, refunds and returns; sagas with their
// step records and compensation log (migrations/orders/0001_orders.sql). Writes take a Tx (the
// caller's transaction), reads a session.
#include <cstdint>
#include <optional>
#include <soci/soci.h>
#include <string>
#include <vector>

#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/paging.hpp"
#include "model.hpp"

namespace boxoffice::orders::store {

void insert(Tx& tx, const Checkout& checkout);
std::optional<Checkout> load(soci::session& sql, const std::string& orderId);
// load() for a change: on PostgreSQL the order's and saga's rows stay locked (FOR UPDATE) until
// the transaction ends. Two instances deciding on one order (a reply on one, the timeout sweeper
// on the other) thus decide one after the other, the second on what the first committed, instead
// of both on the same version and both sending its commands (SQLite has one writer anyway).
std::optional<Checkout> loadForUpdate(Tx& tx, const std::string& orderId);
// Stores the changed order and saga as a new version.
void save(Tx& tx, const Checkout& checkout);

void appendHistory(Tx& tx, const std::string& orderId, const std::vector<HistoryEntry>& entries);
void appendSteps(Tx& tx, const std::string& orderId, const std::vector<StepRecord>& steps);
void appendCompensations(Tx& tx, const std::string& orderId, const std::vector<Compensation>& compensations);
void insertRefund(Tx& tx, const std::string& orderId, const RefundRecord& refund);
void insertReturn(Tx& tx, const std::string& orderId, const ReturnRecord& returned);

std::vector<HistoryEntry> history(soci::session& sql, const std::string& orderId);
std::vector<StepRecord> steps(soci::session& sql, const std::string& orderId);
std::vector<Compensation> compensations(soci::session& sql, const std::string& orderId);
std::vector<RefundRecord> refunds(soci::session& sql, const std::string& orderId);
std::vector<ReturnRecord> returns(soci::session& sql, const std::string& orderId);

// The order a hold belongs to (for ReservationExpired without an orderId).
std::optional<std::string> orderOfReservation(soci::session& sql, const std::string& reservationId);
// Orders of an event that have not ended, oldest first.
std::vector<std::string> openOrdersOfEvent(soci::session& sql, const std::string& eventId);
// Sagas the sweeper must look at, at most `limit`, longest waiting first: running ones (Started,
// InProgress) of orders not ended, not waiting for payment details, whose step began before
// `beforeMs`; Compensating ones whose compensations were last sent before `beforeMs`.
std::vector<std::string> stuckSagas(soci::session& sql, std::int64_t beforeMs, int limit);

struct ListFilter {
  std::optional<std::string> userId;
  std::optional<std::string> eventId;
  std::optional<std::string> status;
};
struct OrderPage {
  std::vector<Checkout> items;
  std::int64_t totalItems = 0;
};
OrderPage list(soci::session& sql, const ListFilter& filter, const PageRequest& page);
OrderPage listSagas(soci::session& sql, const std::optional<std::string>& state, const PageRequest& page);

}  // namespace boxoffice::orders::store
