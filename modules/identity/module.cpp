// The identity module: wiring of its parts, its configuration keys and demo users.
#include <array>

#include "boxoffice/identity/api.hpp"
#include "boxoffice/kernel/bounded_executor.hpp"
#include "boxoffice/kernel/ids.hpp"
#include "boxoffice/kernel/problem.hpp"
#include "device_tokens.hpp"
#include "email.hpp"
#include "identity_service.hpp"
#include "jwt.hpp"
#include "login_throttle.hpp"
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

// Hashing threads run a little below the request threads' priority: while a burst of sign-ins
// keeps them busy, every other request still gets the cores first.
constexpr int kHashingNiceness = 5;

int hashingThreads(const Config& config) {
  auto configured = static_cast<int>(config.getInt("identity.passwordHashing.threads"));
  return configured > 0 ? configured : PasswordHasher::defaultConcurrency();
}

LoginThrottle::Settings throttleSettings(const Config& config) {
  LoginThrottle::Settings settings;
  settings.freeFailures = static_cast<int>(config.getInt("identity.accountBrake.freeFailures"));
  settings.maxDelay = std::chrono::seconds(config.getInt("identity.accountBrake.maxDelaySeconds"));
  return settings;
}

// One process owns a SQLite file, so only on PostgreSQL can another instance revoke a token.
std::chrono::milliseconds revocationPoll(const ModuleDeps& deps) {
  if (deps.store.dialect() != Dialect::Postgresql) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(deps.config.getInt("identity.revocationPollMilliseconds"));
}

TokenLifetimes lifetimes(const Config& config) {
  return {std::chrono::seconds(config.getInt("auth.accessTokenTtlSeconds")),
          std::chrono::seconds(config.getInt("auth.refreshTokenTtlSeconds"))};
}

class IdentityModuleImpl final : public IdentityModule {
 public:
  explicit IdentityModuleImpl(ModuleDeps deps)
      : deps_(deps),
        hasher_(PasswordHasher::interactive(), hashingThreads(deps.config)),
        credentialPool_({"credentials", hashingThreads(deps.config),
                         static_cast<std::size_t>(deps.config.getInt("identity.passwordHashing.queue")),
                         kHashingNiceness}),
        jwtSettings_(jwtSettings(deps)),
        jwt_(jwtSettings_),
        devices_(jwtSettings_.secret),
        throttle_(deps.clock, throttleSettings(deps.config)),
        revoked_(deps.store, deps.clock, deps.log, revocationPoll(deps)),
        authenticator_(jwt_, revoked_, deps.clock),
        service_(deps.store, hasher_, deps.log, deps.clock),
        tokens_(deps.store, jwt_, lifetimes(deps.config), deps.log, deps.clock),
        routes_(service_, tokens_, jwt_, revoked_, CredentialChecks{credentialPool_, throttle_, devices_},
                deps.rateLimiter, deps.metrics, deps.clock) {
    // Strict, per email+network: slows password guessing against one account to a crawl while a
    // typo-prone human still gets a few tries.
    deps.rateLimiter.definePolicy(kLoginPolicy,
                                  {static_cast<double>(deps.config.getInt("rateLimit.loginPerMinute")) / 60.0,
                                   static_cast<double>(deps.config.getInt("rateLimit.loginBurst"))});
    // Every sign-in and sign-up from one network, whatever the email: one client cannot queue
    // more hashing than this.
    deps.rateLimiter.definePolicy(kCredentialPolicy,
                                  {static_cast<double>(deps.config.getInt("rateLimit.credentialsPerMinute")) / 60.0,
                                   static_cast<double>(deps.config.getInt("rateLimit.credentialsBurst"))});
  }

  std::string name() const override { return "identity"; }
  void start() override {
    revoked_.load();
    revoked_.start();
  }
  void stop() override { revoked_.stop(); }
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
  BoundedExecutor credentialPool_;
  JwtSettings jwtSettings_;
  Jwt jwt_;
  DeviceTokens devices_;
  LoginThrottle throttle_;
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
      {"rateLimit.credentialsPerMinute", T::Int, 30,
       "Sign-ins and sign-ups per minute per client network, whatever the email (each costs a password hash).", 1,
       10000000},
      {"rateLimit.credentialsBurst", T::Int, 20,
       "Sign-ins and sign-ups allowed at once per client network before the per-minute rate applies.", 1, 10000000},
      {"identity.passwordHashing.threads", T::Int, 0,
       "Threads hashing passwords for sign-in and sign-up (each hash takes ~64 MiB); 0: the number of cores, 2 to "
       "8.",
       0, 64},
      {"identity.passwordHashing.queue", T::Int, 16,
       "Sign-ins and sign-ups that may wait for a hashing thread; beyond that the answer is 503 with Retry-After.", 0,
       10000},
      {"identity.accountBrake.freeFailures", T::Int, 5,
       "Failed sign-ins in a row an account allows (from anywhere) before each further attempt must wait, the wait "
       "doubling from 1 s; a known device is exempt.",
       1, 1000},
      {"identity.accountBrake.maxDelaySeconds", T::Int, 900, "Longest wait the per-account brake imposes.", 1, 86400},
      {"identity.revocationPollMilliseconds", T::Int, 2000,
       "On PostgreSQL (more than one instance may share the database): how often each instance re-reads the "
       "signed-out access tokens, i.e. how long a token signed out on one instance may still work on another.",
       100, 60000},
  };
}

std::unique_ptr<IdentityModule> createModule(const ModuleDeps& deps) {
  return std::make_unique<IdentityModuleImpl>(deps);
}

}  // namespace boxoffice::identity
