#include "routes.hpp"

#include <boost/json.hpp>
#include <chrono>

#include "boxoffice/kernel/client_network.hpp"
#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/json.hpp"
#include "boxoffice/kernel/paging.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "boxoffice/kernel/route_binding.hpp"
#include "email.hpp"
#include "password_policy.hpp"
#include "refresh_cookie.hpp"

namespace boxoffice::identity {

namespace {

using http::Method;
using http::Request;
using http::Response;

constexpr const char* kSignIns = "identity_sign_ins_total";
constexpr std::size_t kMaxPasswordInput = 1024;  // longer is refused before hashing anything
constexpr std::size_t kMaxTokenInput = 512;

// The same answer for an unknown email and a wrong password: nothing tells them apart.
Problem invalidCredentials() {
  return Problem(401, "invalid-credentials", "Invalid credentials.", "The email or password is incorrect.")
      .withHeader("WWW-Authenticate", "Bearer");
}

// Where the refresh token goes: the answer's body (programs), or an HttpOnly cookie (browsers;
// refresh_cookie.hpp), in which case the body leaves it out so no script ever holds it.
enum class Delivery { Body, Cookie };

Response tokenResponse(const TokenPair& pair, Delivery delivery, std::chrono::seconds refreshLifetime,
                       const std::string& deviceToken = {}) {
  boost::json::object body{{"accessToken", pair.accessToken}, {"tokenType", "Bearer"}, {"expiresIn", pair.expiresIn}};
  if (delivery == Delivery::Body) body["refreshToken"] = pair.refreshToken;
  if (!deviceToken.empty()) body["deviceToken"] = deviceToken;
  // Tokens must not end up in a shared cache (RFC 6749 §5.1).
  auto response =
      Response::json(200, json::serialize(body)).with("Cache-Control", "no-store").with("Pragma", "no-cache");
  if (delivery == Delivery::Cookie) response.with("Set-Cookie", refreshCookie(pair.refreshToken, refreshLifetime));
  return response;
}

// The refresh token of a refresh or logout: `refreshToken` in the body, else the cookie. The body
// must be JSON either way (`{}` with the cookie): a form another site posts cannot be, so the
// cookie alone never refreshes or ends a session (CSRF), on top of SameSite=Strict.
struct PresentedToken {
  std::string token;
  Delivery delivery = Delivery::Body;
};

PresentedToken readRefreshToken(const Request& request) {
  auto body = json::parseObjectBody(request);
  json::Validation validation;
  json::ObjectReader in(body, validation);
  auto token = in.optionalString("refreshToken", 1, kMaxTokenInput);
  in.rejectUnknown();
  validation.throwIfAny();
  if (token) return {*token, Delivery::Body};
  if (auto cookie = refreshTokenFromCookie(request)) return {*cookie, Delivery::Cookie};
  throw Problem::validation({{"refreshToken", "is required (or the refresh cookie)"}});
}

// A path id that is not a UUID cannot name a user: 404, as for an unknown UUID.
const std::string& userIdParam(const Request& request) {
  const auto& id = request.param("id");
  if (!isUuid(id)) throw Problem::notFound("No user has this id.");
  return id;
}

}  // namespace

boost::json::object userJson(const UserSummary& user) {
  boost::json::array roles;
  for (auto role : user.roles) roles.emplace_back(auth::to_string(role));
  return {{"id", user.id},
          {"email", user.email},
          {"displayName", user.displayName},
          {"roles", std::move(roles)},
          {"createdAt", user.createdAt}};
}

Routes::Routes(IdentityService& users, TokenService& tokens, const Jwt& jwt, RevokedTokens& revoked,
               CredentialChecks credentialChecks, RateLimiter& rateLimiter, Metrics& metrics, const Clock& clock)
    : users_(users),
      tokens_(tokens),
      jwt_(jwt),
      revoked_(revoked),
      credentialChecks_(credentialChecks),
      rateLimiter_(rateLimiter),
      metrics_(metrics),
      clock_(clock) {
  metrics_.describe(kSignIns, "counter", "Sign-in attempts at POST /api/v1/auth/token by result.");
}

namespace {

namespace api = openapi;

void defineApiSchemas(api::Components& components) {
  components.define("User", api::object({{"id", api::uuid()},
                                         {"email", api::string()},
                                         {"displayName", api::string()},
                                         {"roles", api::arrayOf(api::enumeration({"Admin", "Organizer", "User"}))},
                                         {"createdAt", api::dateTime()}}));
  components.define(
      "TokenPair",
      api::object({{"accessToken", api::described(api::string(), "A JWT for Authorization: Bearer.")},
                   {"tokenType", api::enumeration({"Bearer"})},
                   {"expiresIn", api::described(api::integer(), "Seconds until the access token expires.")},
                   api::optional("refreshToken",
                                 api::described(api::string(),
                                                "For POST /api/v1/auth/refresh; one use each. Absent when it was "
                                                "delivered as the HttpOnly cookie (refreshTokenDelivery: cookie).")),
                   api::optional("deviceToken", api::described(api::string(),
                                                               "Sign-in only: send it with later sign-ins from this "
                                                               "device, and failed guesses elsewhere cannot brake "
                                                               "you."))}));
}

api::Parameter userId() { return {"id", api::uuid(), "The user's id."}; }

}  // namespace

void Routes::registerAll(Router& router) {
  using auth::Permission;
  defineApiSchemas(router.schemas());
  auto refreshBody = api::object({api::optional(
      "refreshToken", api::described(api::string(1, kMaxTokenInput),
                                     "Without it, the boxoffice_refresh cookie is used (send {} as JSON)."))});
  // The two routes that hash a password run on their own bounded pool, charged per client
  // network first: a flood of them gets 429/503 and never takes the shared workers.
  router
      .add(Method::Post, "/api/v1/auth/register", "identity", Access::anyone(), bindRoute(this, &Routes::registerUser))
      .runOn(credentialChecks_.pool, kCredentialPolicy)
      .describe({.summary = "Sign up as a User",
                 .description = "The same 202 whether or not the email already has an account (the mailbox is "
                                "told either way), so the answer tells nobody who is registered.",
                 .body = api::object({{"email", api::string(1, 320)},
                                      {"password", api::described(api::string(kMinPasswordLength, kMaxPasswordLength),
                                                                  "Not a common password, not the email.")},
                                      {"displayName", api::string(1, 100)}}),
                 .responses = {{202, "Accepted",
                                api::object({{"status", api::enumeration({"accepted"})}, {"detail", api::string()}})}},
                 .problems = {"validation", "rate-limited", "unavailable"}});
  router.add(Method::Post, "/api/v1/auth/token", "identity", Access::anyone(), bindRoute(this, &Routes::issueToken))
      .runOn(credentialChecks_.pool, kCredentialPolicy)
      .describe({.summary = "Sign in: email and password for an access and a refresh token",
                 .description = "Failed attempts are slowed per account and address (429 with Retry-After); a "
                                "deviceToken from an earlier sign-in skips the per-account brake.",
                 .body = api::object({{"email", api::string(1, 320)},
                                      {"password", api::string(1, kMaxPasswordInput)},
                                      api::optional("deviceToken", api::string(1, kMaxTokenInput)),
                                      api::optional("refreshTokenDelivery",
                                                    api::described(api::enumeration({"body", "cookie"}),
                                                                   "cookie: the refresh token comes as an HttpOnly "
                                                                   "cookie for /api/v1/auth, not in the body "
                                                                   "(browsers). Default body."))}),
                 .responses = {{200, "Signed in", api::ref("TokenPair")}},
                 .problems = {"validation", "invalid-credentials", "rate-limited", "unavailable"}});
  router.add(Method::Post, "/api/v1/auth/refresh", "identity", Access::anyone(), bindRoute(this, &Routes::refresh))
      .describe({.summary = "Trade a refresh token for a new pair",
                 .description = "Each refresh token works once; using one twice revokes its whole family. A token "
                                "sent as the cookie is answered with the new one as the cookie.",
                 .body = refreshBody,
                 .responses = {{200, "A new pair", api::ref("TokenPair")}},
                 .problems = {"validation", "unauthorized"}});
  router.add(Method::Post, "/api/v1/auth/logout", "identity", Access::authenticated(), bindRoute(this, &Routes::logout))
      .describe({.summary = "Sign out: revoke the refresh token's family and this access token",
                 .body = refreshBody,
                 .responses = {{204, "Signed out"}},
                 .problems = {"validation"}});
  router
      .add(Method::Get, "/api/v1/users/me", "identity", Access::require(Permission::ProfileManage),
           bindRoute(this, &Routes::me))
      .describe({.summary = "The signed-in user",
                 .responses = {{200, "Your account", api::ref("User")}},
                 .problems = {"not-found"}});
  router
      .add(Method::Get, "/api/v1/users", "identity", Access::require(Permission::UsersManage),
           bindRoute(this, &Routes::listUsers))
      .describe({.summary = "Every account (Admin)",
                 .query = api::pageParameters(),
                 .responses = {{200, "One page of users", api::pageOf(api::ref("User"))}}});
  router.add(Method::Get, "/api/v1/users/{id}", "identity", Access::authenticated(), bindRoute(this, &Routes::getUser))
      .describe({.summary = "One account: your own, or any for an Admin",
                 .path = {userId()},
                 .responses = {{200, "The account", api::ref("User")}},
                 .problems = {"not-found", "forbidden"}});
  router
      .add(Method::Put, "/api/v1/users/{id}/roles", "identity", Access::require(Permission::UsersManage),
           bindRoute(this, &Routes::putRoles))
      .describe({.summary = "Replace an account's roles (Admin)",
                 .description = "An Admin cannot take the Admin role from themselves.",
                 .path = {userId()},
                 .body = api::object({{"roles",
                                       [] {
                                         auto list = api::arrayOf(api::enumeration({"Admin", "Organizer", "User"}));
                                         list["minItems"] = 1;
                                         list["maxItems"] = 10;
                                         return list;
                                       }()}}),
                 .responses = {{200, "The account with its new roles", api::ref("User")}},
                 .problems = {"validation", "not-found", "own-admin-role"}});
}

Response Routes::registerUser(const Request& request, RequestContext& ctx) {
  auto body = json::parseObjectBody(request);
  json::Validation validation;
  json::ObjectReader in(body, validation);
  NewUser user;
  user.email = in.requiredString("email", 1, 320);
  user.password = in.requiredString("password", 1, kMaxPasswordInput);
  user.displayName = in.requiredString("displayName", 1, 100);
  in.rejectUnknown();
  validation.throwIfAny();

  // The same answer whether or not the email has an account; its mailbox gets either the
  // welcome or a "you already have an account" note.
  users_.registerSelf(user, ctx.correlationId);
  boost::json::object answer{{"status", "accepted"},
                             {"detail",
                              "If this email can have a new account, it has one now: sign in with your password. "
                              "Either way a message is on its way to the address."}};
  return Response::json(202, json::serialize(answer)).with("Cache-Control", "no-store");
}

void Routes::checkLoginRate(const std::string& normalizedEmail, const Request& request) {
  auto decision = rateLimiter_.consume(kLoginPolicy, normalizedEmail + '|' + clientNetwork(request.remoteAddress));
  if (decision.allowed) return;
  metrics_.increment(kSignIns, {{"result", "rate_limited"}});
  auto retryAfter = std::max<long long>(1, decision.retryAfter.count());
  throw Problem::rateLimited("Too many sign-in attempts for this account from your address; try again in " +
                                 std::to_string(retryAfter) + " seconds.",
                             decision.retryAfter)
      .withHeader("RateLimit-Limit", std::to_string(static_cast<long long>(decision.limit)))
      .withHeader("RateLimit-Remaining", "0")
      .withHeader("RateLimit-Reset", std::to_string(retryAfter));
}

Response Routes::issueToken(const Request& request, RequestContext& ctx) {
  auto body = json::parseObjectBody(request);
  json::Validation validation;
  json::ObjectReader in(body, validation);
  auto email = in.requiredString("email", 1, 320);
  auto password = in.requiredString("password", 1, kMaxPasswordInput);
  auto deviceToken = in.optionalString("deviceToken", 1, kMaxTokenInput);
  auto deliveryName = in.optionalString("refreshTokenDelivery", 1, 10);
  if (deliveryName && *deliveryName != "body" && *deliveryName != "cookie") {
    validation.add("refreshTokenDelivery", "must be body or cookie");
  }
  auto delivery = deliveryName == "cookie" ? Delivery::Cookie : Delivery::Body;
  in.rejectUnknown();
  validation.throwIfAny();

  auto normalized = normalizeEmail(email);
  checkLoginRate(normalized, request);  // before any hashing: guessing costs the guesser
  // A device this account signed in from before is not braked: failing on purpose from
  // elsewhere cannot lock the owner out.
  bool knownDevice = deviceToken && credentialChecks_.devices.verify(*deviceToken, normalized);
  if (!knownDevice) checkAccountBrake(normalized);
  auto user = users_.checkCredentials(normalized, password, ctx.requestId);
  if (!user) {
    if (!knownDevice) credentialChecks_.throttle.failed(normalized);
    metrics_.increment(kSignIns, {{"result", "failure"}});
    ctx.log.info("sign-in failed");
    throw invalidCredentials();
  }
  credentialChecks_.throttle.succeeded(normalized);
  metrics_.increment(kSignIns, {{"result", "success"}});
  ctx.log.info("signed in", {{"userId", user->id}, {"knownDevice", knownDevice}});
  return tokenResponse(tokens_.issue(*user), delivery, tokens_.lifetimes().refresh,
                       knownDevice ? *deviceToken : credentialChecks_.devices.issue(normalized));
}

void Routes::checkAccountBrake(const std::string& normalizedEmail) {
  auto wait = credentialChecks_.throttle.wait(normalizedEmail);
  if (wait.count() == 0) return;
  metrics_.increment(kSignIns, {{"result", "account_braked"}});
  // Said the same way for every email, registered or not: the brake counts failures per
  // address, so it tells nothing about who has an account.
  throw Problem::rateLimited("Too many failed sign-ins for this account; try again in " + std::to_string(wait.count()) +
                                 " seconds, or sign in from a device you used before.",
                             wait);
}

Response Routes::refresh(const Request& request, RequestContext& ctx) {
  auto presented = readRefreshToken(request);
  try {
    return tokenResponse(tokens_.rotate(presented.token, ctx.requestId), presented.delivery,
                         tokens_.lifetimes().refresh);
  } catch (Problem& refused) {
    // A cookie that no longer works is removed, so the browser stops sending it.
    if (presented.delivery == Delivery::Cookie && refused.status() == 401) {
      refused.withHeader("Set-Cookie", expiredRefreshCookie());
    }
    throw;
  }
}

Response Routes::logout(const Request& request, RequestContext& ctx) {
  auto presented = readRefreshToken(request);
  const auto& caller = ctx.caller();
  bool revoked = tokens_.revokeFamily(presented.token, caller.userId);
  // The access token of this request stops working too, here at once and on other instances
  // within identity.revocationPollMilliseconds (RevokedTokens).
  if (auto authorization = request.header("Authorization"); authorization && authorization->size() > 7) {
    auto claims = jwt_.verify(std::string_view(*authorization).substr(7), unixSeconds(clock_.now()));
    revoked_.revoke(claims.jwtId, claims.expiresAt);
  }
  ctx.log.info("signed out", {{"userId", caller.userId}, {"sessionRevoked", revoked}});
  auto response = Response::noContent();
  if (presented.delivery == Delivery::Cookie) response.with("Set-Cookie", expiredRefreshCookie());
  return response;
}

Response Routes::me(const Request& /*request*/, RequestContext& ctx) {
  auto user = users_.find(ctx.caller().userId);
  if (!user) throw Problem::notFound("Your account no longer exists.");
  return Response::json(200, json::serialize(userJson(*user)));
}

Response Routes::getUser(const Request& request, RequestContext& ctx) {
  const auto& id = userIdParam(request);
  const auto& caller = ctx.caller();
  // Ownership rule: anyone may read their own record; users:manage reads any.
  if (caller.userId != id && !caller.can(auth::Permission::UsersManage)) throw Problem::forbidden();
  auto user = users_.find(id);
  if (!user) throw Problem::notFound("No user has this id.");
  return Response::json(200, json::serialize(userJson(*user)));
}

Response Routes::listUsers(const Request& request, RequestContext& /*ctx*/) {
  auto pageRequest = parsePageRequest(request);
  auto page = users_.list(pageRequest.page, pageRequest.size);
  boost::json::array items;
  for (const auto& user : page.items) items.push_back(userJson(user));
  return Response::json(200, json::serialize(pageEnvelope(std::move(items), pageRequest, page.totalItems)));
}

Response Routes::putRoles(const Request& request, RequestContext& ctx) {
  const auto& id = userIdParam(request);
  auto body = json::parseObjectBody(request);
  json::Validation validation;
  json::ObjectReader in(body, validation);
  std::vector<auth::Role> roles;
  if (const auto* list = in.requiredArray("roles", 10)) {
    if (list->empty()) validation.add("roles", "must name at least one role");
    for (std::size_t i = 0; i < list->size(); ++i) {
      const auto& item = (*list)[i];
      auto role = item.is_string() ? auth::parseRole(item.as_string()) : std::nullopt;
      if (!role) {
        validation.add("roles[" + std::to_string(i) + "]", "must be one of Admin, Organizer, User");
      } else {
        roles.push_back(*role);
      }
    }
  }
  in.rejectUnknown();
  validation.throwIfAny();
  auto user = users_.setRoles(ctx.caller(), id, std::move(roles), ctx.requestId);
  return Response::json(200, json::serialize(userJson(user)));
}

}  // namespace boxoffice::identity
