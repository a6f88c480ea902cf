#include "boxoffice/kernel/actor.hpp"

#include "boxoffice/kernel/problem.hpp"

namespace boxoffice {

const auth::Principal& Actor::caller() const {
  if (!principal_) throw Problem::unauthorized();
  return *principal_;
}

const std::string& Actor::id() const {
  static const std::string kSystem = "system";
  static const std::string kAnonymous;
  if (system_) return kSystem;
  return principal_ ? principal_->userId : kAnonymous;
}

}  // namespace boxoffice
