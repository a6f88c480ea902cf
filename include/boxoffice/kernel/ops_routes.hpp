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

}  // namespace boxoffice
