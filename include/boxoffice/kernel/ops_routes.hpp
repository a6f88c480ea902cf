#pragma once
// Routes every deployment has: /health, /ready, /metrics, and the dead-letter admin routes.
#include <functional>
#include <optional>
#include <string>

#include "boxoffice/kernel/dead_letters.hpp"
#include "boxoffice/kernel/metrics.hpp"
#include "boxoffice/kernel/router.hpp"

namespace boxoffice {

// `notReadyReason` returns why the process cannot serve yet (or nullopt when it can).
void registerOpsRoutes(Router& router, Metrics& metrics,
                       const std::function<std::optional<std::string>()>& notReadyReason);
void registerDeadLetterRoutes(Router& router, DeadLetterAdmin& deadLetters);
// Page/size query parameters as ARCHITECTURE.md defines them (page >= 1, 1 <= size <= 100);
// 400 naming the parameter otherwise.
struct PageRequest {
  int page = 1;
  int size = 20;
  int offset() const { return (page - 1) * size; }
};
PageRequest parsePageRequest(const http::Request& request);
boost::json::object pageEnvelope(boost::json::array items, const PageRequest& page, std::int64_t totalItems);

}  // namespace boxoffice
