#pragma once
// The tickets module's records as the store reads and writes them.
#include <cstdint>
#include <optional>
#include <string>

namespace boxoffice::tickets {

namespace status {
inline constexpr std::string_view valid = "Valid";
inline constexpr std::string_view checkedIn = "CheckedIn";
inline constexpr std::string_view voided = "Voided";
inline constexpr std::string_view transferred = "Transferred";
}  // namespace status

struct Ticket {
  std::string ticketId;
  std::string issueKey;
  std::string orderId;
  std::string eventId;
  std::string categoryId;
  std::string categoryName;
  std::string holderUserId;
  std::string holderName;
  std::string buyerUserId;
  std::string code;
  std::string status;
  std::string keyId;
  std::string payload;  // the signed QR payload
  std::optional<std::string> transferredFrom;
  std::int64_t issuedAt = 0;
  std::optional<std::int64_t> checkedInAt;
  std::optional<std::string> checkedInGate;
  std::optional<std::string> checkedInBy;
  std::optional<std::int64_t> voidedAt;
  std::optional<std::string> voidReason;
  std::int64_t listVersion = 0;
};

struct Transfer {
  std::string transferId;
  std::string ticketId;
  std::string eventId;
  std::string fromUserId;
  std::string toEmail;
  std::optional<std::string> toUserId;
  std::string status;  // Pending | Completed | Cancelled
  std::optional<std::string> newTicketId;
  std::int64_t createdAt = 0;
  std::optional<std::int64_t> completedAt;
};

struct Scanner {
  std::string eventId;
  std::string userId;
  std::string email;
  std::string grantedBy;
  std::int64_t grantedAt = 0;
};

struct AdmissionSettings {
  std::string eventId;
  bool transfersAllowed = true;
  std::int64_t version = 0;  // the settings' ETag; 0 until first set
  std::int64_t listVersion = 0;
};

}  // namespace boxoffice::tickets
