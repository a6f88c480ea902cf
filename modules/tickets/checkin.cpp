// The door: one scan (online) and a batch of scans made offline. Exactly one of two scans of a
// ticket admits: both run in the module's single writer, and the second sees the first's status.
#include <algorithm>

#include "boxoffice/kernel/message_json.hpp"
#include "boxoffice/kernel/time.hpp"
#include "boxoffice/tickets/messages.hpp"
#include "problems.hpp"
#include "service.hpp"
#include "store.hpp"
#include "ticket_signature.hpp"

namespace boxoffice::tickets {

namespace {

// An offline scanner's clock may run ahead a little; a scan further in the future is a clock
// gone wrong, like one from before the ticket was issued.
constexpr std::int64_t kFutureToleranceMs = 5LL * 60 * 1000;
// Scans kept per ticket: enough for any real dispute at the door (a copied code tried at several
// gates), few enough that one scanner account re-sending made-up offline scans cannot fill the disk.
constexpr int kMaxRecordedScansPerTicket = 20;

// What a scan found, decided inside the transaction and answered after it: a refusal is recorded
// (checkins row) and must commit, so it cannot be thrown from inside.
struct ScanOutcome {
  std::optional<Ticket> ticket;
  std::string outcome;  // admitted | duplicate | voided | transferred
};

messages::TicketCheckedIn checkedInMessage(const Ticket& t, std::int64_t at, const std::string& gate,
                                           const std::string& by) {
  return {{t.ticketId, t.orderId, t.eventId, t.categoryId, t.holderUserId, std::string(status::checkedIn)},
          gate,
          formatUnixMillis(at),
          by};
}

}  // namespace

Ticket TicketService::checkIn(const auth::Principal& caller, const CheckInAsk& ask, const std::string& correlationId) {
  // The signature first, before anything is looked up: a forged payload is told nothing about
  // which tickets exist.
  std::optional<std::string> ticketId;
  if (ask.payload) {
    auto claim = readClaim(*ask.payload);
    if (!claim) throw problems::badSignature();
    auto key = keys_.publicKey(claim->keyId);
    if (!key || !verifyPayload(*ask.payload, *key)) throw problems::badSignature();
    ticketId = claim->ticketId;
  }
  auto found = store_.read([&](soci::session& sql) {
    return ticketId ? store::findTicket(sql, *ticketId) : store::findByCode(sql, normalizeCode(ask.code.value_or("")));
  });
  // A payload that verifies but is not the one stored for its ticket (signed by another key for
  // the same id) is as good as forged.
  if (found && ask.payload && found->payload != *ask.payload) throw problems::badSignature();
  if (!found || !access_.scans(caller, found->eventId)) {
    metrics_.increment("tickets_checkins_total", {{"outcome", "unknown"}});
    throw problems::ticketNotFound();
  }
  if (ask.eventId && *ask.eventId != found->eventId) {
    metrics_.increment("tickets_checkins_total", {{"outcome", "wrong-event"}});
    throw problems::wrongEvent(found->eventId);
  }
  auto result = store_.write([&](Tx& tx) {
    auto now = clock_.nowMillis();
    ScanOutcome out;
    // The common case in one statement: it was Valid (as read above) and still is.
    if (store::checkInIfValid(tx, found->ticketId, now, ask.gate, caller.userId, nextVersion(tx))) {
      out.outcome = "admitted";
      out.ticket = *found;
      auto& ticket = *out.ticket;
      ticket.status = std::string(status::checkedIn);
      ticket.checkedInAt = now;
      ticket.checkedInGate = ask.gate;
      ticket.checkedInBy = caller.userId;
      tx.publish(checkedInMessage(ticket, now, ask.gate, caller.userId), correlationId);
      notifyAfterCommit(tx, ticket.eventId);
    } else {
      // Someone was first, or it stopped admitting since: say which, as it is now.
      out.ticket = store::findTicket(tx.sql(), found->ticketId);
      const auto& current = out.ticket->status;
      out.outcome = current == status::checkedIn ? "duplicate" : current == status::voided ? "voided" : "transferred";
    }
    const auto& ticket = *out.ticket;
    store::recordScan(tx, ticket.ticketId, ticket.eventId, ask.gate, now, caller.userId, "online", out.outcome, now);
    return out;
  });
  metrics_.increment("tickets_checkins_total", {{"outcome", result.outcome}});
  const auto& ticket = *result.ticket;
  if (result.outcome == "duplicate") {
    throw problems::alreadyCheckedIn(ticket.checkedInAt.value_or(0), ticket.checkedInGate.value_or(""),
                                     ticket.holderName, ticket.categoryName);
  }
  if (result.outcome == "voided") throw problems::ticketVoided();
  if (result.outcome == "transferred") throw problems::ticketTransferred();
  return ticket;
}

std::vector<SyncResult> TicketService::sync(const auth::Principal& caller, const std::string& eventId,
                                            const std::vector<OfflineScan>& scans, const std::string& correlationId) {
  if (!access_.event(eventId) || !access_.scans(caller, eventId)) throw problems::eventNotFound(eventId);
  // Earliest first: of several scans of one ticket in a batch the first one admits and the others
  // are duplicates, so a batch cannot replace its own scans over and over.
  std::vector<std::size_t> order(scans.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return scans[a].scannedAt < scans[b].scannedAt; });
  return store_.write([&](Tx& tx) {
    auto now = clock_.nowMillis();
    std::optional<std::int64_t> version;
    std::vector<SyncResult> results(scans.size());
    for (auto index : order) {
      const auto& scan = scans[index];
      auto& r = results[index];
      r.ticketId = scan.ticketId;
      auto ticket = store::findTicket(tx.sql(), scan.ticketId);
      if (!ticket || ticket->eventId != eventId) {
        r.result = "unknown";
        continue;
      }
      // A scan from before the ticket existed (or far ahead of now) is a device clock gone wrong;
      // taken as first, it would rewrite when the holder really came in.
      if (scan.scannedAt < ticket->issuedAt || scan.scannedAt > now + kFutureToleranceMs) {
        r.result = "invalid-time";
        continue;
      }
      // The device sent this scan before and lost the answer: answer again, record nothing.
      if (store::offlineScanRecorded(tx, ticket->ticketId, scan.scannedAt, scan.gate, caller.userId)) {
        bool itAdmitted = ticket->status == status::checkedIn && ticket->checkedInAt == scan.scannedAt &&
                          ticket->checkedInGate == scan.gate && ticket->checkedInBy == caller.userId;
        r.result = itAdmitted                            ? "admitted"
                   : ticket->status == status::checkedIn ? "duplicate"
                   : ticket->status == status::voided    ? "voided"
                                                         : "transferred";
        if (r.result == "duplicate") {
          r.firstScannedAt = ticket->checkedInAt;
          r.firstGate = ticket->checkedInGate;
        }
        continue;
      }
      if (ticket->status == status::valid ||
          (ticket->status == status::checkedIn && ticket->checkedInAt && scan.scannedAt < *ticket->checkedInAt)) {
        // First scan wins: this one was first, even if a later one reached the server before it.
        r.replacedLaterScan = ticket->status == status::checkedIn;
        if (r.replacedLaterScan) {
          r.firstScannedAt = ticket->checkedInAt;
          r.firstGate = ticket->checkedInGate;
        }
        if (!version) version = nextVersion(tx);
        store::markCheckedIn(tx, ticket->ticketId, scan.scannedAt, scan.gate, caller.userId, *version);
        notifyAfterCommit(tx, eventId);
        // A replacement is told too (the same message with the earlier time and gate): the audit
        // trail must show that the recorded admission changed, and who changed it.
        tx.publish(checkedInMessage(*ticket, scan.scannedAt, scan.gate, caller.userId), correlationId);
        r.result = "admitted";
      } else if (ticket->status == status::checkedIn) {
        r.result = "duplicate";
        r.firstScannedAt = ticket->checkedInAt;
        r.firstGate = ticket->checkedInGate;
      } else {
        r.result = ticket->status == status::voided ? "voided" : "transferred";
      }
      // An admission is always recorded; refused scans only up to the bound.
      if (r.result == "admitted" ||
          store::countScans(tx, ticket->ticketId, kMaxRecordedScansPerTicket) < kMaxRecordedScansPerTicket) {
        store::recordScan(tx, ticket->ticketId, eventId, scan.gate, scan.scannedAt, caller.userId, "offline", r.result,
                          now);
      }
      metrics_.increment("tickets_checkins_total", {{"outcome", r.result}});
    }
    return results;
  });
}

}  // namespace boxoffice::tickets
