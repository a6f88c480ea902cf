#pragma once
// Integration messages the tickets module publishes on topic "admission": a ticket's life from
// issue to the door. Each is written to the tickets outbox in the same transaction as the
// ticket's change. JSON: boxoffice/kernel/message_json.hpp.
#include <string>
#include <string_view>

#include "boxoffice/kernel/message.hpp"

namespace boxoffice::tickets::messages {

// A ticket as every admission message reports it.
struct TicketState {
  std::string ticketId;
  std::string orderId;
  std::string eventId;
  std::string categoryId;
  std::string holderUserId;
  std::string status;  // Valid | CheckedIn | Voided | Transferred
};
BOOST_DESCRIBE_STRUCT(TicketState, (), (ticketId, orderId, eventId, categoryId, holderUserId, status))

struct TicketIssued : TicketState {
  static constexpr std::string_view topic = topics::admission;
  static constexpr std::string_view type = "TicketIssued";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary = "One ticket per seat of a completed order.";
  std::string code;      // the short code printed on the ticket
  std::string issuedAt;  // RFC 3339 UTC
};
BOOST_DESCRIBE_STRUCT(TicketIssued, (TicketState), (code, issuedAt))

struct TicketVoided : TicketState {
  static constexpr std::string_view topic = topics::admission;
  static constexpr std::string_view type = "TicketVoided";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary =
      "The ticket no longer admits anyone: its seat was refunded or charged back, or its event was cancelled "
      "(used tickets of a cancelled event stay CheckedIn).";
  std::string reason;  // the SeatsReturned reason (refund | chargeback | ...) or eventCancelled | eventDeleted
  std::string voidedAt;
};
BOOST_DESCRIBE_STRUCT(TicketVoided, (TicketState), (reason, voidedAt))

struct TicketTransferred : TicketState {
  static constexpr std::string_view topic = topics::admission;
  static constexpr std::string_view type = "TicketTransferred";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary =
      "The ticket changed hands: the old one is Transferred (its QR no longer admits), the new one is Valid.";
  std::string newTicketId;
  std::string newHolderUserId;
  std::string transferredAt;
};
BOOST_DESCRIBE_STRUCT(TicketTransferred, (TicketState), (newTicketId, newHolderUserId, transferredAt))

struct TicketTransferOffered : TicketState {
  static constexpr std::string_view topic = topics::admission;
  static constexpr std::string_view type = "TicketTransferOffered";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary =
      "A holder passed a ticket to an email with no account: its QR stopped working and the recipient is sent a "
      "claim link (notifications). The token is single-use and grants only claiming this ticket.";
  std::string transferId;
  std::string toEmail;
  std::string claimToken;
  std::string fromName;   // the holder's display name, for the email
  std::string offeredAt;  // RFC 3339 UTC
};
BOOST_DESCRIBE_STRUCT(TicketTransferOffered, (TicketState), (transferId, toEmail, claimToken, fromName, offeredAt))

struct TicketCheckedIn : TicketState {
  static constexpr std::string_view topic = topics::admission;
  static constexpr std::string_view type = "TicketCheckedIn";
  static constexpr int messageVersion = 1;
  static constexpr std::string_view summary =
      "The ticket's holder was let in (at a gate, or in an offline sync). An offline scan made before the recorded "
      "one replaces it and is published again with its earlier time and gate: the earliest checkedInAt is the "
      "admission.";
  std::string gate;
  std::string checkedInAt;  // when it was scanned (an offline scan's own time)
  std::string scannedBy;    // user id of the scanner
};
BOOST_DESCRIBE_STRUCT(TicketCheckedIn, (TicketState), (gate, checkedInAt, scannedBy))

struct Messaging {
  static constexpr std::string_view module = "tickets";
  using Publishes = MessageList<TicketIssued, TicketVoided, TicketTransferOffered, TicketTransferred, TicketCheckedIn>;
};

}  // namespace boxoffice::tickets::messages
