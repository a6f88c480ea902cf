#pragma once
// The identity HTTP routes: parse and validate the request, call the service, render JSON.
// Who may call what is declared with each route (Access); handlers do no role checks of their own
// beyond ownership (a user may read their own record).
#include "boxoffice/kernel/bounded_executor.hpp"
#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/metrics.hpp"
#include "boxoffice/kernel/rate_limit.hpp"
#include "boxoffice/kernel/router.hpp"
#include "device_tokens.hpp"
#include "identity_service.hpp"
#include "jwt.hpp"
#include "login_throttle.hpp"
#include "revoked_tokens.hpp"
#include "token_service.hpp"

namespace boxoffice::identity {

// The rate-limit policy for POST /auth/token, keyed by normalized email + client network.
inline constexpr const char* kLoginPolicy = "login";
// Charged per client network before a password-hashing route is queued on its pool.
inline constexpr const char* kCredentialPolicy = "credentials";

// What the password-hashing routes share: their own pool, the per-account brake, device tokens.
struct CredentialChecks {
  BoundedExecutor& pool;
  LoginThrottle& throttle;
  const DeviceTokens& devices;
};

class Routes {
 public:
  Routes(IdentityService& users, TokenService& tokens, const Jwt& jwt, RevokedTokens& revoked,
         CredentialChecks credentialChecks, RateLimiter& rateLimiter, Metrics& metrics, const Clock& clock);
  void registerAll(Router& router);

 private:
  http::Response registerUser(const http::Request& request, RequestContext& ctx);
  http::Response issueToken(const http::Request& request, RequestContext& ctx);
  http::Response refresh(const http::Request& request, RequestContext& ctx);
  http::Response logout(const http::Request& request, RequestContext& ctx);
  http::Response me(const http::Request& request, RequestContext& ctx);
  http::Response getUser(const http::Request& request, RequestContext& ctx);
  http::Response listUsers(const http::Request& request, RequestContext& ctx);
  http::Response putRoles(const http::Request& request, RequestContext& ctx);
  void checkLoginRate(const std::string& normalizedEmail, const http::Request& request);
  void checkAccountBrake(const std::string& normalizedEmail);

  IdentityService& users_;
  TokenService& tokens_;
  const Jwt& jwt_;
  RevokedTokens& revoked_;
  CredentialChecks credentialChecks_;
  RateLimiter& rateLimiter_;
  Metrics& metrics_;
  const Clock& clock_;
};

boost::json::object userJson(const UserSummary& user);

}  // namespace boxoffice::identity
