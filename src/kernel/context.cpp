#include "boxoffice/kernel/context.hpp"

#include "boxoffice/kernel/problem.hpp"

namespace boxoffice {

const auth::Principal& RequestContext::caller() const {
  if (!principal) throw Problem::unauthorized();
  return *principal;
}

}  // namespace boxoffice
