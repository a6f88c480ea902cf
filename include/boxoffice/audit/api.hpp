#pragma once
// The audit module's contract (seed 003 Audit service): every integration message, on every
// topic, stored unchanged in an append-only, hash-chained record; searchable by Admins; one
// purchase's whole story by correlationId; replay of stored messages to one subscriber. It
// publishes nothing and no module calls it; the command line (`boxoffice audit verify|replay`)
// uses the functions below.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "boxoffice/kernel/module.hpp"

namespace boxoffice {
struct ConfigKey;  // boxoffice/kernel/config.hpp, for whoever calls configKeys()
}  // namespace boxoffice

namespace boxoffice::audit {

// Re-delivers the stored messages whose occurredAt lies in [from, to] (RFC 3339) and, when
// `types` is not empty, whose type is one of them, to the one subscriber named.
struct ReplayRequest {
  std::string from;
  std::string to;
  std::vector<std::string> types;
  std::string subscriber;
};

struct ReplayResult {
  std::string subscriber;
  std::int64_t matched = 0;        // records in the range (and types)
  std::int64_t delivered = 0;      // newly queued in the subscriber's inbox
  std::int64_t skipped = 0;        // its inbox already held the message id
  std::int64_t notSubscribed = 0;  // the subscriber does not subscribe to the record's topic
};

struct VerifyResult {
  std::int64_t records = 0;  // checked, up to and including the first bad one
  struct BadRecord {
    std::int64_t sequence = 0;
    std::string messageId;
    std::string problem;  // "content hash mismatch...", "broken link...", "gap in sequence..."
  };
  std::optional<BadRecord> firstBad;
  bool intact() const { return !firstBad; }
};

class AuditModule : public Module {
 public:
  // Throws Problem (400) for a bad range or types, an unknown subscriber, or a range holding more
  // than audit.replayMaxMessages records. Delivers through ModuleDeps::bus, so every module's
  // subscriptions must be registered first.
  virtual ReplayResult replay(const ReplayRequest& request) = 0;
};

// audit.* keys.
std::vector<ConfigKey> configKeys();

std::unique_ptr<AuditModule> createModule(const ModuleDeps& deps);

// Reads the whole chain of the audit store (opened and migrated), in sequence order, a chunk at
// a time, and stops at the first bad record.
VerifyResult verify(Database& auditStore);

}  // namespace boxoffice::audit
