#pragma once
// What a handler knows about the request beyond its bytes.
#include <functional>
#include <optional>
#include <string>

#include "boxoffice/kernel/actor.hpp"
#include "boxoffice/kernel/auth.hpp"
#include "boxoffice/kernel/log.hpp"

namespace boxoffice {

struct RequestContext {
  std::string requestId;      // X-Request-Id, accepted or generated
  std::string correlationId;  // flows into every message published while handling the request
  std::optional<auth::Principal> principal;
  Logger log;  // bound to the module and the request id
  // Runs `work` where it may block (the worker pool). A route that runs on the io thread calls
  // it for its occasional database read; on a worker route it runs `work` at once. An exception
  // thrown by `work` is answered like one thrown by the handler.
  std::function<void(std::function<void()> work)> offload = [](const std::function<void()>& work) { work(); };

  // The caller; throws Problem::unauthorized if the route let an anonymous caller through.
  const auth::Principal& caller() const;
  // The caller as the use cases see it: principal (if any) and correlation id.
  Actor actor() const { return {principal, correlationId}; }
};

}  // namespace boxoffice
