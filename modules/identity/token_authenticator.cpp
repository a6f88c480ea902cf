#include "token_authenticator.hpp"

#include "boxoffice/kernel/problem.hpp"

namespace boxoffice::identity {

auth::Principal TokenAuthenticator::authenticate(std::string_view bearerToken) const {
  auto now = unixSeconds(clock_.now());
  auto known = verified_.find(bearerToken, now);
  auto claims = known ? std::move(*known) : jwt_.verify(bearerToken, now);
  if (!known) verified_.remember(bearerToken, claims);
  if (revoked_.isRevoked(claims.jwtId)) throw Problem::unauthorized("The access token has been revoked.");
  return auth::Principal{std::move(claims.subject), std::move(claims.email), std::move(claims.roles)};
}

}  // namespace boxoffice::identity
