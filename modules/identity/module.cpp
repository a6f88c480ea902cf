// The identity module: wiring of its parts, its configuration keys and demo users.
#include <array>

#include "boxoffice/identity/api.hpp"
#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "email.hpp"
#include "identity_service.hpp"
#include "jwt.hpp"
#include "password_hasher.hpp"
#include "revoked_tokens.hpp"
#include "routes.hpp"
#include "signing_key.hpp"
#include "token_authenticator.hpp"
#include "token_service.hpp"

namespace boxoffice::identity {

namespace {

// Public demo accounts for `serve --demo`. Their shared password is documented (README, docs) and
// deliberately not written to the log.
constexpr const char* kDemoPassword = "demo-password-2026";
struct DemoUser {
  const char* email;
  const char* displayName;
  auth::Role role;
  std::string_view fixedId;  // empty: a random id
};
// The demo organizer has the fixed id that owns the demo catalogue, so it can edit those events.
constexpr std::array kDemoUsers{
    DemoUser{"admin@boxoffice.local", "Demo Admin", auth::Role::Admin, {}},
    DemoUser{"organizer@boxoffice.local", "Demo Organizer", auth::Role::Organizer, kDemoOrganizerUserId},
    DemoUser{"buyer@boxoffice.local", "Demo Buyer", auth::Role::User, {}},
};

JwtSettings jwtSettings(const ModuleDeps& deps) {
  return {resolveSigningKey(deps.config, deps.store, deps.log), deps.config.getString("auth.issuer"),
          deps.config.getString("auth.audience"), std::chrono::seconds(deps.config.getInt("auth.clockSkewSeconds"))};
}

TokenLifetimes lifetimes(const Config& config) {
  return {std::chrono::seconds(config.getInt("auth.accessTokenTtlSeconds")),
          std::chrono::seconds(config.getInt("auth.refreshTokenTtlSeconds"))};
}

class IdentityModuleImpl final : public IdentityModule {
 public:
  explicit IdentityModuleImpl(ModuleDeps deps)
      : deps_(deps),
        jwt_(jwtSettings(deps)),
        authenticator_(jwt_, revoked_, deps.clock),
        service_(deps.store, hasher_, deps.log, deps.clock),
        tokens_(deps.store, jwt_, lifetimes(deps.config), deps.log, deps.clock),
        routes_(service_, tokens_, jwt_, revoked_, deps.rateLimiter, deps.metrics, deps.clock) {
    // Strict, per email+IP: slows password guessing against one account to a crawl while a
    // typo-prone human still gets a few tries.
    deps.rateLimiter.definePolicy(kLoginPolicy,
                                  {static_cast<double>(deps.config.getInt("rateLimit.loginPerMinute")) / 60.0,
                                   static_cast<double>(deps.config.getInt("rateLimit.loginBurst"))});
  }

  std::string name() const override { return "identity"; }
  void registerRoutes(Router& router) override { routes_.registerAll(router); }
  const auth::Authenticator& authenticator() const override { return authenticator_; }

  std::optional<UserSummary> findUser(const std::string& userId) const override { return service_.find(userId); }
  std::optional<UserSummary> findUserByEmail(const std::string& email) const override {
    return service_.findByEmail(normalizeEmail(email));
  }

  UserSummary addUser(const std::string& email, const std::string& password, const std::string& displayName,
                      auth::Role role) override {
    return service_.createUser({email, password, displayName, {role}}, newUuid());
  }

  void loadDemoData() override {
    for (const auto& demo : kDemoUsers) {
      if (service_.findByEmail(demo.email)) continue;
      try {
        service_.createUser({demo.email, kDemoPassword, demo.displayName, {demo.role}, std::string(demo.fixedId)},
                            newUuid());
      } catch (const Problem& problem) {
        if (problem.status() != 409) throw;  // created meanwhile by another process: fine
      }
    }
    deps_.log.warn(
        "demo users are active: admin@boxoffice.local (Admin), organizer@boxoffice.local (Organizer), "
        "buyer@boxoffice.local (User); they share the public demo password from the README. These are "
        "demo credentials: never run --demo on a reachable server");
  }

 private:
  ModuleDeps deps_;
  PasswordHasher hasher_;
  Jwt jwt_;
  RevokedTokens revoked_;
  TokenAuthenticator authenticator_;
  IdentityService service_;
  TokenService tokens_;
  Routes routes_;
};

}  // namespace

std::vector<ConfigKey> configKeys() {
  using T = ConfigType;
  return {
      {"auth.jwtSecret", T::String, "",
       "HS256 key for access tokens, at least 32 bytes (env BOXOFFICE_AUTH_JWT_SECRET). Empty: "
       "auth.jwtSecretFile, else a generated development key kept in the identity database.",
       0, INT64_MAX, true},
      {"auth.jwtSecretFile", T::String, "",
       "File holding the HS256 key (e.g. a Docker secret); used when auth.jwtSecret is empty."},
      {"auth.issuer", T::String, "boxoffice", "The iss claim of issued access tokens; other issuers are rejected."},
      {"auth.audience", T::String, "boxoffice-api",
       "The aud claim of issued access tokens; other audiences are rejected."},
      {"auth.accessTokenTtlSeconds", T::Int, 900,
       "Access-token lifetime. Role changes reach a user with their next token, so at the latest after this.", 1,
       86400},
      {"auth.refreshTokenTtlSeconds", T::Int, 14 * 24 * 3600,
       "Refresh-token lifetime; each refresh issues a new one with a fresh lifetime.", 60, 366LL * 24 * 3600},
      {"auth.clockSkewSeconds", T::Int, 30, "Clock difference tolerated when checking exp and nbf.", 0, 300},
      {"rateLimit.loginPerMinute", T::Int, 5, "Sign-in attempts per minute per email and client IP (POST /auth/token).",
       1, 1000000},
      {"rateLimit.loginBurst", T::Int, 5,
       "Sign-in attempts allowed at once per email and client IP before the per-minute rate applies.", 1, 1000000},
  };
}

std::unique_ptr<IdentityModule> createModule(const ModuleDeps& deps) {
  return std::make_unique<IdentityModuleImpl>(deps);
}

}  // namespace boxoffice::identity
