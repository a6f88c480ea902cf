#pragma once
// The tickets module's rules: issuing and voiding (driven by messages), check-in at the door and
// offline sync, transfers, scanner grants. Each command is one write transaction that also
// publishes its admission message; the routes call these and only parse and render.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "boxoffice/events/api.hpp"
#include "boxoffice/identity/api.hpp"
#include "boxoffice/inventory/messages.hpp"
#include "boxoffice/kernel/auth.hpp"
#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/log.hpp"
#include "boxoffice/kernel/metrics.hpp"
#include "boxoffice/orders/messages.hpp"
#include "key_ring.hpp"
#include "model.hpp"

namespace boxoffice::tickets {

// Who may do what at an event's door.
class EventAccess {
 public:
  EventAccess(Database& store, const events::EventQueries& events) : store_(store), events_(events) {}
  std::optional<events::EventView> event(const std::string& eventId) const { return events_.findEvent(eventId); }
  // Admin, or the Organizer of the event.
  bool manages(const auth::Principal& caller, const std::string& eventId) const;
  static bool manages(const auth::Principal& caller, const events::EventView& event);
  // manages(), or a Scanner the organizer granted for this event.
  bool scans(const auth::Principal& caller, const std::string& eventId) const;

 private:
  Database& store_;
  const events::EventQueries& events_;
};

struct CheckInAsk {
  std::optional<std::string> code;
  std::optional<std::string> payload;  // the QR code's text
  std::optional<std::string> eventId;  // the gate's event: a ticket of another event is refused
  std::string gate;
};

struct OfflineScan {
  std::string ticketId;
  std::int64_t scannedAt = 0;
  std::string gate;
};

struct SyncResult {
  std::string ticketId;
  std::string result;  // admitted | duplicate | voided | transferred | unknown | invalid-time
  std::optional<std::int64_t> firstScannedAt;
  std::optional<std::string> firstGate;
  // admitted, but a later scan (online or synced before) had been recorded as the first
  bool replacedLaterScan = false;
};

struct TransferOutcome {
  Transfer transfer;
  std::optional<std::string> claimToken;  // only for a pending transfer, returned once to nobody but the mail
};

class TicketService {
 public:
  TicketService(Database& store, KeyRing& keys, const EventAccess& access, const identity::UserDirectory& users,
                const Clock& clock, Logger log, Metrics& metrics);

  // Called after a commit that changed tickets of `eventId` (live statistics).
  void onChange(std::function<void(const std::string& eventId)> listener) { changed_ = std::move(listener); }

  // Messages.
  void issue(Tx& tx, const orders::messages::OrderCompleted& order, const std::string& correlationId);
  void voidReturned(Tx& tx, const inventory::messages::SeatsReturned& returned, const std::string& correlationId);
  void voidEvent(Tx& tx, const std::string& eventId, const std::string& reason, const std::string& correlationId);

  // The door. Throws Problem: 400 bad signature, 404 unknown (or not the caller's to scan), 409
  // already-checked-in / ticket-voided / ticket-transferred / wrong-event.
  Ticket checkIn(const auth::Principal& caller, const CheckInAsk& ask, const std::string& correlationId);
  std::vector<SyncResult> sync(const auth::Principal& caller, const std::string& eventId,
                               const std::vector<OfflineScan>& scans, const std::string& correlationId);

  // Transfers. The caller must hold the ticket (404 otherwise).
  TransferOutcome transfer(const auth::Principal& caller, const std::string& ticketId, const std::string& email,
                           const std::string& correlationId);
  Ticket claim(const auth::Principal& caller, const std::string& token, const std::string& correlationId);
  Transfer cancelTransfer(const auth::Principal& caller, const std::string& transferId,
                          const std::string& correlationId);

 private:
  Ticket newTicket(Tx& tx, const events::EventView& event, const std::string& organizerKeyOwner, Ticket draft);
  static std::string uniqueCode(Tx& tx);
  std::string holderNameOf(const std::string& userId) const;
  void voidTicket(Tx& tx, const Ticket& ticket, const std::string& reason, std::int64_t version,
                  const std::string& correlationId);
  Ticket reissue(Tx& tx, const Ticket& old, const Transfer& transfer, const std::string& holderUserId,
                 const std::string& holderName);

  Database& store_;
  KeyRing& keys_;
  const EventAccess& access_;
  const identity::UserDirectory& users_;
  const Clock& clock_;
  Logger log_;
  Metrics& metrics_;
  std::function<void(const std::string&)> changed_;
  // The list-version sequence. Only ever used inside write transactions, which the store runs
  // one at a time (its single writer), so it needs no lock of its own; a rolled-back transaction
  // leaves a gap, which is harmless (versions only need to grow).
  std::optional<std::int64_t> lastVersion_;
  std::int64_t nextVersion(Tx& tx);
  void notifyAfterCommit(Tx& tx, const std::string& eventId);
};

// The code as typed at a door: case, spaces and dashes do not matter.
std::string normalizeCode(std::string_view typed);

}  // namespace boxoffice::tickets
