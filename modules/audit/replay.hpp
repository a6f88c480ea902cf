#pragma once
// Replay: stored records re-delivered to one subscriber through MessageBus::deliverTo, read and
// delivered a chunk at a time (bounded memory however large the range).
#include <cstddef>

#include "boxoffice/audit/api.hpp"
#include "boxoffice/kernel/bus.hpp"
#include "boxoffice/kernel/db.hpp"

namespace boxoffice::audit {

struct ReplayLimits {
  std::int64_t maxMessages = 100000;
  std::size_t chunkSize = 500;
};

// Validates (Problem 400 with `errors`), counts, then delivers. See AuditModule::replay.
ReplayResult replay(Database& store, MessageBus& bus, const ReplayRequest& request, const ReplayLimits& limits);

}  // namespace boxoffice::audit
