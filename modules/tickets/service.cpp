// Issuing, voiding and transferring tickets. Check-in is in checkin.cpp.
#include "service.hpp"

#include <algorithm>
#include <cctype>
#include <sodium.h>

#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/message_json.hpp"
#include "boxoffice/kernel/time.hpp"
#include "boxoffice/tickets/messages.hpp"
#include "problems.hpp"
#include "store.hpp"
#include "ticket_signature.hpp"

namespace boxoffice::tickets {

namespace {

// No 0/O, 1/I/L: read aloud or typed at a door, a code cannot be misread.
constexpr std::string_view kCodeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
constexpr int kCodeLength = 8;

messages::TicketState stateOf(const Ticket& t) {
  return {t.ticketId, t.orderId, t.eventId, t.categoryId, t.holderUserId, t.status};
}

std::string categoryNameOf(const events::EventView& event, const std::string& categoryId) {
  for (const auto& c : event.priceCategories) {
    if (c.categoryId == categoryId) return c.name;
  }
  return categoryId;  // removed from the event since the sale: the id still names it
}

// Transfers close when the event starts: from then on a gate (possibly offline, with a cached
// list) may have let the ticket in, and a fresh ticket for someone else would admit a second person.
bool transfersClosed(const events::EventView& event, std::int64_t now) {
  if (event.status == events::messages::status::cancelled) return true;
  auto starts = parseRfc3339(event.startsAt);
  return starts && toUnixMillis(*starts) <= now;
}

std::string lowerCase(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string normalizeCode(std::string_view typed) {
  std::string out;
  for (char c : typed) {
    if (c == '-' || c == ' ') continue;
    out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

bool EventAccess::manages(const auth::Principal& caller, const events::EventView& event) {
  return caller.isAdmin() || (caller.hasRole(auth::Role::Organizer) && event.organizerId == caller.userId);
}

bool EventAccess::manages(const auth::Principal& caller, const std::string& eventId) const {
  if (caller.isAdmin()) return true;
  auto found = events_.findEvent(eventId);
  return found && manages(caller, *found);
}

bool EventAccess::scans(const auth::Principal& caller, const std::string& eventId) const {
  if (manages(caller, eventId)) return true;
  return store_.read([&](soci::session& sql) { return store::isScanner(sql, eventId, caller.userId); });
}

TicketService::TicketService(Database& store, KeyRing& keys, const EventAccess& access,
                             const identity::UserDirectory& users, const Clock& clock, Logger log, Metrics& metrics)
    : store_(store),
      keys_(keys),
      access_(access),
      users_(users),
      clock_(clock),
      log_(std::move(log)),
      metrics_(metrics) {
  metrics_.describe("tickets_issued_total", "counter", "Tickets issued (one per sold seat, and one per transfer).");
  metrics_.describe("tickets_voided_total", "counter", "Tickets voided, by reason.");
  metrics_.describe("tickets_checkins_total", "counter", "Scans at the door, by outcome.");
}

std::int64_t TicketService::nextVersion(Tx& tx) {
  if (!lastVersion_) lastVersion_ = store::lastListVersion(tx.sql());
  return ++*lastVersion_;
}

void TicketService::notifyAfterCommit(Tx& tx, const std::string& eventId) {
  if (changed_) tx.afterCommit([this, eventId] { changed_(eventId); });
}

std::string TicketService::uniqueCode(Tx& tx) {
  // 31^8 (8.5e11) codes: a collision is rare, but the column is UNIQUE, so look before inserting.
  for (int attempt = 0; attempt < 10; ++attempt) {
    std::string code;
    for (int i = 0; i < kCodeLength; ++i) {
      code.push_back(kCodeAlphabet[randombytes_uniform(static_cast<std::uint32_t>(kCodeAlphabet.size()))]);
    }
    if (!store::codeExists(tx.sql(), code)) return code;
  }
  throw std::runtime_error("no free ticket code after 10 attempts");
}

std::string TicketService::holderNameOf(const std::string& userId) const {
  auto user = users_.findUser(userId);
  if (!user) return "Ticket holder";
  if (!user->displayName.empty()) return user->displayName;
  return user->email.substr(0, user->email.find('@'));
}

Ticket TicketService::newTicket(Tx& tx, const events::EventView& event, const std::string& organizerKeyOwner,
                                Ticket draft) {
  auto now = clock_.nowMillis();
  auto key = keys_.activeKey(tx, organizerKeyOwner, now);
  draft.ticketId = newUuid();
  draft.eventId = event.eventId;
  draft.code = uniqueCode(tx);
  draft.status = std::string(status::valid);
  draft.keyId = key.keyId;
  draft.payload = signClaim({draft.ticketId, draft.eventId, draft.categoryId, key.keyId}, *key.key);
  draft.issuedAt = now;
  store::insertTicket(tx, draft);
  notifyAfterCommit(tx, draft.eventId);
  metrics_.increment("tickets_issued_total");
  return draft;
}

void TicketService::issue(Tx& tx, const orders::messages::OrderCompleted& order, const std::string& correlationId) {
  auto event = access_.event(order.eventId);
  if (!event) {
    // Deleted since the sale: its deletion refunds the order; a ticket would admit to nothing.
    log_.warn("order completed for an unknown event; no tickets issued",
              {{"orderId", order.orderId}, {"eventId", order.eventId}});
    return;
  }
  if (event->status == events::messages::status::cancelled) {
    // The cancellation was handled first (another topic, no order between them): it found no
    // tickets to void, so none may be issued now; the order's refund follows the cancellation.
    log_.info("order completed for a cancelled event; no tickets issued", {{"orderId", order.orderId}});
    return;
  }
  std::optional<std::int64_t> version;
  const auto holderName = holderNameOf(order.userId);
  for (const auto& item : order.items) {
    for (int n = 1; n <= item.ticketCount; ++n) {
      Ticket draft;
      draft.issueKey = order.orderId + "/" + item.categoryId + "/" + std::to_string(n);
      // A redelivered or replayed OrderCompleted finds its tickets there and issues nothing.
      if (store::issueKeyExists(tx.sql(), draft.issueKey)) continue;
      if (!version) version = nextVersion(tx);
      draft.orderId = order.orderId;
      draft.categoryId = item.categoryId;
      draft.categoryName = categoryNameOf(*event, item.categoryId);
      draft.holderUserId = order.userId;
      draft.holderName = holderName;
      draft.buyerUserId = order.userId;
      draft.listVersion = *version;
      auto ticket = newTicket(tx, *event, event->organizerId, std::move(draft));
      messages::TicketIssued issued{stateOf(ticket), ticket.code, formatUnixMillis(ticket.issuedAt)};
      tx.publish(issued, correlationId);
    }
  }
}

void TicketService::voidTicket(Tx& tx, const Ticket& ticket, const std::string& reason, std::int64_t version,
                               const std::string& correlationId) {
  auto now = clock_.nowMillis();
  // Its pending transfer dies with it: the claim link no longer gives anyone a ticket.
  if (ticket.status == status::transferred) store::cancelPendingTransfer(tx, ticket.ticketId, now);
  store::markVoided(tx, ticket.ticketId, now, reason, version);
  notifyAfterCommit(tx, ticket.eventId);
  Ticket after = ticket;
  after.status = std::string(status::voided);
  tx.publish(messages::TicketVoided{stateOf(after), reason, formatUnixMillis(now)}, correlationId);
  metrics_.increment("tickets_voided_total", {{"reason", reason}});
}

void TicketService::voidReturned(Tx& tx, const inventory::messages::SeatsReturned& returned,
                                 const std::string& correlationId) {
  // The same return again (inventory repeats its stored reply under a new message id, an audit
  // replay after the inbox forgot the first): it voided its tickets already.
  if (!returned.returnId.empty() && !store::recordReturn(tx, returned.returnId, returned.orderId, clock_.nowMillis())) {
    return;
  }
  std::optional<std::int64_t> version;
  for (const auto& item : returned.items) {
    auto candidates = store::voidCandidates(tx.sql(), returned.orderId, item.categoryId);
    auto count = std::min<std::size_t>(candidates.size(), static_cast<std::size_t>(std::max(item.ticketCount, 0)));
    if (count < static_cast<std::size_t>(item.ticketCount)) {
      log_.warn("fewer tickets than returned seats", {{"orderId", returned.orderId},
                                                      {"categoryId", item.categoryId},
                                                      {"returned", item.ticketCount},
                                                      {"tickets", static_cast<std::int64_t>(candidates.size())}});
    }
    for (std::size_t i = 0; i < count; ++i) {
      if (!version) version = nextVersion(tx);
      voidTicket(tx, candidates[i], returned.reason, *version, correlationId);
    }
  }
}

void TicketService::voidEvent(Tx& tx, const std::string& eventId, const std::string& reason,
                              const std::string& correlationId) {
  auto tickets = store::validTicketsOf(tx.sql(), eventId);
  auto pending = store::pendingTransferTicketsOf(tx.sql(), eventId);
  tickets.insert(tickets.end(), pending.begin(), pending.end());
  if (tickets.empty()) return;
  auto version = nextVersion(tx);
  for (const auto& ticket : tickets) voidTicket(tx, ticket, reason, version, correlationId);
}

Ticket TicketService::reissue(Tx& tx, const Ticket& old, const Transfer& transfer, const std::string& holderUserId,
                              const std::string& holderName) {
  auto event = access_.event(old.eventId);
  if (!event) throw problems::eventOver();
  Ticket draft;
  draft.issueKey = "transfer/" + transfer.transferId;
  draft.orderId = old.orderId;
  draft.categoryId = old.categoryId;
  draft.categoryName = old.categoryName;
  draft.holderUserId = holderUserId;
  draft.holderName = holderName;
  draft.buyerUserId = old.buyerUserId;
  draft.transferredFrom = old.ticketId;
  draft.listVersion = nextVersion(tx);
  return newTicket(tx, *event, event->organizerId, std::move(draft));
}

TransferOutcome TicketService::transfer(const auth::Principal& caller, const std::string& ticketId,
                                        const std::string& email, const std::string& correlationId) {
  auto recipient = users_.findUserByEmail(email);
  return store_.write([&](Tx& tx) {
    auto ticket = store::findTicket(tx.sql(), ticketId);
    if (!ticket || ticket->holderUserId != caller.userId) throw problems::ticketNotFound();
    if ((recipient && recipient->id == caller.userId) || lowerCase(email) == lowerCase(caller.email)) {
      throw problems::transferToSelf();
    }
    if (ticket->status == status::checkedIn) throw problems::ticketCheckedIn();
    if (ticket->status == status::voided) throw problems::ticketVoided();
    if (ticket->status == status::transferred) throw problems::ticketTransferred();
    auto event = access_.event(ticket->eventId);
    auto now = clock_.nowMillis();
    if (!event || transfersClosed(*event, now)) throw problems::eventOver();
    if (!store::settingsOf(tx.sql(), ticket->eventId).transfersAllowed) throw problems::transfersForbidden();

    TransferOutcome out;
    auto& t = out.transfer;
    t.transferId = newUuid();
    t.ticketId = ticket->ticketId;
    t.eventId = ticket->eventId;
    t.fromUserId = caller.userId;
    t.toEmail = email;
    t.createdAt = now;
    // The old QR stops admitting in this very transaction, whichever way the ticket goes.
    store::markTransferred(tx, ticket->ticketId, nextVersion(tx));
    Ticket old = *ticket;
    old.status = std::string(status::transferred);
    if (recipient) {
      auto fresh = reissue(tx, *ticket, t, recipient->id, holderNameOf(recipient->id));
      t.toUserId = recipient->id;
      t.status = "Completed";
      t.newTicketId = fresh.ticketId;
      t.completedAt = now;
      store::insertTransfer(tx, t, std::nullopt);
      tx.publish(messages::TicketTransferred{stateOf(old), fresh.ticketId, recipient->id, formatUnixMillis(now)},
                 correlationId);
      tx.publish(messages::TicketIssued{stateOf(fresh), fresh.code, formatUnixMillis(fresh.issuedAt)}, correlationId);
    } else {
      out.claimToken = randomToken(32);
      t.status = "Pending";
      store::insertTransfer(tx, t, sha256Hex(*out.claimToken));
      tx.publish(messages::TicketTransferOffered{stateOf(old), t.transferId, email, *out.claimToken, ticket->holderName,
                                                 formatUnixMillis(now)},
                 correlationId);
    }
    return out;
  });
}

Ticket TicketService::claim(const auth::Principal& caller, const std::string& token, const std::string& correlationId) {
  const auto holderName = holderNameOf(caller.userId);
  return store_.write([&](Tx& tx) {
    auto transfer = store::findPendingByTokenHash(tx.sql(), sha256Hex(token));
    if (!transfer) throw problems::claimNotValid();
    auto old = store::findTicket(tx.sql(), transfer->ticketId);
    if (!old || old->status != status::transferred) throw problems::claimNotValid();
    auto now = clock_.nowMillis();
    // The organizer's switch and the event's start apply to the claim as to the transfer; the
    // sender can still take the ticket back.
    auto event = access_.event(old->eventId);
    if (!event || transfersClosed(*event, now)) throw problems::eventOver();
    if (!store::settingsOf(tx.sql(), old->eventId).transfersAllowed) throw problems::transfersForbidden();
    auto fresh = reissue(tx, *old, *transfer, caller.userId, holderName);
    store::settleTransfer(tx, transfer->transferId, "Completed", caller.userId, fresh.ticketId, now);
    tx.publish(messages::TicketTransferred{stateOf(*old), fresh.ticketId, caller.userId, formatUnixMillis(now)},
               correlationId);
    tx.publish(messages::TicketIssued{stateOf(fresh), fresh.code, formatUnixMillis(fresh.issuedAt)}, correlationId);
    return fresh;
  });
}

Transfer TicketService::cancelTransfer(const auth::Principal& caller, const std::string& transferId,
                                       const std::string& correlationId) {
  const auto holderName = holderNameOf(caller.userId);
  return store_.write([&](Tx& tx) {
    auto transfer = store::findTransfer(tx.sql(), transferId);
    if (!transfer || transfer->fromUserId != caller.userId) throw problems::transferNotFound();
    if (transfer->status != "Pending") throw problems::transferSettled(transfer->status);
    auto old = store::findTicket(tx.sql(), transfer->ticketId);
    if (!old) throw problems::transferNotFound();
    auto now = clock_.nowMillis();
    // The ticket comes back as a new one (a new QR): the link may have been seen by others.
    auto fresh = reissue(tx, *old, *transfer, caller.userId, holderName);
    store::settleTransfer(tx, transfer->transferId, "Cancelled", std::nullopt, fresh.ticketId, now);
    tx.publish(messages::TicketTransferred{stateOf(*old), fresh.ticketId, caller.userId, formatUnixMillis(now)},
               correlationId);
    tx.publish(messages::TicketIssued{stateOf(fresh), fresh.code, formatUnixMillis(fresh.issuedAt)}, correlationId);
    transfer->status = "Cancelled";
    transfer->newTicketId = fresh.ticketId;
    transfer->completedAt = now;
    return *transfer;
  });
}

}  // namespace boxoffice::tickets
