#include "token_authenticator.hpp"

#include "boxoffice/kernel/problem.hpp"

namespace boxoffice::identity {

auth::Principal TokenAuthenticator::authenticate(std::string_view bearerToken) const {
  auto claims = jwt_.verify(bearerToken, unixSeconds(clock_.now()));
  if (revoked_.isRevoked(claims.jwtId)) throw Problem::unauthorized("The access token has been revoked.");
  return auth::Principal{std::move(claims.subject), std::move(claims.email), std::move(claims.roles)};
}

}  // namespace boxoffice::identity
