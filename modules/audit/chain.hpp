#pragma once
// The hash chain (docs/api/audit.md, "What is hashed"): the exact bytes of a record, its hash,
// and a streaming check of a chain read in sequence order.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace boxoffice::audit {

// The previous hash of the first record.
inline constexpr std::string_view kGenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

struct Record {
  std::int64_t sequence = 0;
  std::string messageId;
  std::string topic;
  std::string type;
  int version = 1;
  std::string occurredAt;
  std::string correlationId;
  std::string causationId;
  std::string recordedAt;
  std::string envelope;  // the envelope's JSON as received
  std::string previousHash;
  std::string hash;
};

// previousHash "\n" then each field as <decimal byte length> ":" <bytes> "\n", in the order:
// sequence, messageId, topic, type, version, occurredAt, correlationId, causationId, recordedAt,
// envelope. Length prefixes make the encoding unambiguous whatever the fields contain.
std::string canonicalBytes(std::string_view previousHash, const Record& record);
// Lower-case hex SHA-256 of canonicalBytes.
std::string computeHash(std::string_view previousHash, const Record& record);

// Feed records in sequence order; the first problem found is kept and later records ignored.
class ChainVerifier {
 public:
  struct Fault {
    std::int64_t sequence;
    std::string messageId;
    std::string problem;
  };
  void check(const Record& record);
  const std::optional<Fault>& fault() const { return fault_; }
  std::int64_t checked() const { return checked_; }

 private:
  std::string previousHash_{kGenesisHash};
  std::int64_t expectedSequence_ = 1;
  std::int64_t checked_ = 0;
  std::optional<Fault> fault_;
};

}  // namespace boxoffice::audit
