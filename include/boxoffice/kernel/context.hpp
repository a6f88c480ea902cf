#pragma once
// What a handler knows about the request beyond its bytes.
#include <optional>
#include <string>

#include "boxoffice/kernel/auth.hpp"
#include "boxoffice/kernel/log.hpp"

namespace boxoffice {

struct RequestContext {
  std::string requestId;      // X-Request-Id, accepted or generated
  std::string correlationId;  // flows into every message published while handling the request
  std::optional<auth::Principal> principal;
  Logger log;  // bound to the module and the request id

  // The caller; throws Problem::unauthorized if the route let an anonymous caller through.
  const auth::Principal& caller() const;
};

}  // namespace boxoffice
