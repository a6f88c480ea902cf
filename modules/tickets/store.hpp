#pragma once
// SQL of the tickets module (tickets.db, migrations/tickets). Plain functions over a session or a
// write transaction; the rules live in the service.
#include <cstdint>
#include <functional>
#include <optional>
#include <soci/soci.h>
#include <string>
#include <vector>

#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/paging.hpp"
#include "model.hpp"

namespace boxoffice::tickets::store {

std::optional<Ticket> findTicket(soci::session& sql, const std::string& ticketId);
std::optional<Ticket> findByCode(soci::session& sql, const std::string& code);
bool codeExists(soci::session& sql, const std::string& code);
bool issueKeyExists(soci::session& sql, const std::string& issueKey);
void insertTicket(Tx& tx, const Ticket& ticket);

// Tickets of an order and category that a returned seat may void, in the order it voids them:
// the buyer's own (Valid, then waiting in a pending transfer, then CheckedIn), then tickets the
// buyer passed on to others (Valid, then CheckedIn); the most recently issued first.
std::vector<Ticket> voidCandidates(soci::session& sql, const std::string& orderId, const std::string& categoryId);
// Every Valid ticket of an event, and every ticket of it waiting in a pending transfer.
std::vector<Ticket> validTicketsOf(soci::session& sql, const std::string& eventId);
std::vector<Ticket> pendingTransferTicketsOf(soci::session& sql, const std::string& eventId);

void markCheckedIn(Tx& tx, const std::string& ticketId, std::int64_t at, const std::string& gate, const std::string& by,
                   std::int64_t listVersion);
// Valid -> CheckedIn in one statement; false (nothing changed) if it was not Valid.
bool checkInIfValid(Tx& tx, const std::string& ticketId, std::int64_t at, const std::string& gate,
                    const std::string& by, std::int64_t listVersion);
void markVoided(Tx& tx, const std::string& ticketId, std::int64_t at, const std::string& reason,
                std::int64_t listVersion);
void markTransferred(Tx& tx, const std::string& ticketId, std::int64_t listVersion);
// How many scans of `ticketId` are recorded, counting at most `limit` (an index probe, not a scan).
int countScans(Tx& tx, const std::string& ticketId, int limit);
// Whether this exact offline scan (ticket, time, gate, scanner) is recorded already: a device
// that sends its queue again after a lost answer.
bool offlineScanRecorded(Tx& tx, const std::string& ticketId, std::int64_t scannedAt, const std::string& gate,
                         const std::string& by);
void recordScan(Tx& tx, const std::string& ticketId, const std::string& eventId, const std::string& gate,
                std::int64_t scannedAt, const std::string& by, const std::string& source, const std::string& outcome,
                std::int64_t now);

struct TicketFilter {
  std::optional<std::string> holderUserId;
  std::optional<std::string> eventId;
  std::optional<std::string> status;
};
std::vector<Ticket> listTickets(soci::session& sql, const TicketFilter& filter, const PageRequest& page,
                                std::int64_t& total);
// Every ticket of an event in issue order, one at a time (the CSV export, the check-in list).
void forEachTicketOf(soci::session& sql, const std::string& eventId, std::int64_t sinceVersion,
                     const std::function<void(const Ticket&)>& each);

// Admission settings and the check-in list version of an event (defaults when none stored).
AdmissionSettings settingsOf(soci::session& sql, const std::string& eventId);
void setTransfersAllowed(Tx& tx, const std::string& eventId, bool allowed, std::int64_t now);
// The highest list version stamped on any ticket (where the sequence goes on after a restart),
// and on the tickets of one event (its check-in list's version).
std::int64_t lastListVersion(soci::session& sql);
std::int64_t listVersionOf(soci::session& sql, const std::string& eventId);

// Records that the return `returnId` was applied; false if it had been already.
bool recordReturn(Tx& tx, const std::string& returnId, const std::string& orderId, std::int64_t now);
// A pending transfer of `ticketId` is cancelled (its ticket was voided): the claim gives nothing.
void cancelPendingTransfer(Tx& tx, const std::string& ticketId, std::int64_t now);

// Scanner grants.
bool isScanner(soci::session& sql, const std::string& eventId, const std::string& userId);
bool insertScanner(Tx& tx, const Scanner& scanner);  // false if already granted
bool deleteScanner(Tx& tx, const std::string& eventId, const std::string& userId);
std::vector<Scanner> scannersOf(soci::session& sql, const std::string& eventId);
// The grants of one account, newest first (a page of them; `total` is how many there are).
std::vector<Scanner> grantsOf(soci::session& sql, const std::string& userId, const PageRequest& page,
                              std::int64_t& total);

// Transfers.
void insertTransfer(Tx& tx, const Transfer& transfer, const std::optional<std::string>& tokenHash);
std::optional<Transfer> findTransfer(soci::session& sql, const std::string& transferId);
std::optional<Transfer> findPendingByTokenHash(soci::session& sql, const std::string& tokenHash);
// Pending -> Completed or Cancelled; false if it was no longer Pending.
bool settleTransfer(Tx& tx, const std::string& transferId, const std::string& status,
                    const std::optional<std::string>& toUserId, const std::string& newTicketId, std::int64_t now);
std::vector<Transfer> transfersFrom(soci::session& sql, const std::string& userId, int limit);

// Check-in statistics of an event.
struct CategoryCount {
  std::string categoryId;
  std::string categoryName;
  std::int64_t sold = 0;      // Valid + CheckedIn
  std::int64_t admitted = 0;  // CheckedIn
};
std::vector<CategoryCount> countsByCategory(soci::session& sql, const std::string& eventId);
// Admissions per bucket: (bucket start in ms, count), ascending.
std::vector<std::pair<std::int64_t, std::int64_t>> admissionsPerBucket(soci::session& sql, const std::string& eventId,
                                                                       std::int64_t bucketMs);

// Settings (a generated development key).
std::string settingOrCreate(Database& store, const std::string& name, const std::string& candidate);

}  // namespace boxoffice::tickets::store
