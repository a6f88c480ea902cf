#pragma once
// The engine's per-transaction state, shared by engine.cpp (HTTP batches, events messages) and
// engine_saga.cpp (the saga's commands). Private to the engine.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "boxoffice/kernel/time.hpp"
#include "engine.hpp"
#include "journal.hpp"

namespace boxoffice::inventory {

struct Engine::Batch {
  explicit Batch(std::int64_t nowMillis) : now(nowMillis), nowText(formatRfc3339(fromUnixMillis(nowMillis))) {}
  Journal journal;
  std::vector<std::string> touched;
  std::int64_t now;
  std::string nowText;
  void touch(const std::string& eventId) {
    if (std::find(touched.begin(), touched.end(), eventId) == touched.end()) touched.push_back(eventId);
  }
};

// The correlationId an expiry is told with: the one of the request or command that placed the
// hold, so one id tells a purchase's whole story. Holds stored before that was kept have none.
inline std::string expiryCorrelation(const Reservation& hold) {
  return hold.correlationId.empty() ? "expiry-" + hold.reservationId : hold.correlationId;
}

}  // namespace boxoffice::inventory
