#pragma once
// Who is acting: the caller of a request (a Principal, or anonymous) or the system itself
// (sweepers, message handlers, demo data), and the correlation id every message it causes
// carries. Built from a request in one place (RequestContext::actor()); use cases take an Actor
// instead of reading the request.
#include <optional>
#include <string>

#include "boxoffice/kernel/auth.hpp"

namespace boxoffice {

class Actor {
 public:
  // A request's caller; `principal` is absent for an anonymous one.
  Actor(std::optional<auth::Principal> principal, std::string correlationId)
      : principal_(std::move(principal)), correlationId_(std::move(correlationId)) {}
  static Actor system(std::string correlationId) {
    Actor actor(std::nullopt, std::move(correlationId));
    actor.system_ = true;
    return actor;
  }

  const std::optional<auth::Principal>& principal() const { return principal_; }
  const std::string& correlationId() const { return correlationId_; }
  bool isSystem() const { return system_; }
  // The signed-in caller; throws Problem::unauthorized for an anonymous caller or the system.
  const auth::Principal& caller() const;
  // The id written to audit rows and compared for ownership: the user id, "system" for the
  // system, "" for an anonymous caller.
  const std::string& id() const;
  // The system acts with every right; a caller only with the Admin role.
  bool isAdmin() const { return system_ || (principal_ && principal_->isAdmin()); }

 private:
  std::optional<auth::Principal> principal_;
  std::string correlationId_;
  bool system_ = false;
};

}  // namespace boxoffice
