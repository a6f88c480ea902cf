#pragma once
// The identity use cases behind the HTTP routes and the CLI: create users, check credentials,
// find and list users, change roles. Validates its inputs itself (throwing Problem), so every
// caller, HTTP or `boxoffice users add`, gets the same rules.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "boxoffice/identity/api.hpp"
#include "boxoffice/kernel/auth.hpp"
#include "boxoffice/kernel/clock.hpp"
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/log.hpp"
#include "password_hasher.hpp"

namespace boxoffice::identity {

struct NewUser {
  std::string email;  // as given; normalized here
  std::string password;
  std::string displayName;  // trimmed here
  std::vector<auth::Role> roles;
  std::string id{};  // empty: a new random UUID (a fixed one only for well-known demo accounts)
};

struct UserPage {
  std::vector<UserSummary> items;
  std::int64_t page = 1;
  std::int64_t size = 20;
  std::int64_t totalItems = 0;
};

class IdentityService {
 public:
  // `clock` stamps createdAt/updatedAt.
  IdentityService(Database& store, const PasswordHasher& hasher, Logger log, const Clock& clock);

  // 400 (field errors for email, password, displayName), 409 "email-taken". Publishes
  // UserRegistered in the same transaction as the insert.
  UserSummary createUser(const NewUser& input, std::string_view correlationId);
  // Self-service sign-up, which must not tell who has an account: the same work either way
  // (validation, one password hash, one durable write). A new email becomes an account
  // (UserRegistered: the welcome email); a taken one publishes RegistrationAttempted instead, at
  // most once per `noticeInterval` per account, so the owner hears of it without being
  // flooded. 400 as createUser; never 409.
  void registerSelf(const NewUser& input, std::string_view correlationId,
                    std::chrono::seconds noticeInterval = std::chrono::hours(24));
  // The user if the password matches; nullopt for an unknown email or a wrong password, which
  // take about the same time. Upgrades the stored hash when its parameters are outdated.
  // `requestId` goes into the log line of a hash upgrade.
  std::optional<UserSummary> checkCredentials(const std::string& normalizedEmail, std::string_view password,
                                              std::string_view requestId = {});
  std::optional<UserSummary> find(const std::string& userId) const;
  std::optional<UserSummary> findByEmail(const std::string& normalizedEmail) const;
  UserPage list(std::int64_t page, std::int64_t size) const;
  // 404 unknown user; 409 "own-admin-role" when an Admin would drop their own Admin role (so the
  // last Admin cannot lock everyone out by accident).
  UserSummary setRoles(const auth::Principal& caller, const std::string& userId, std::vector<auth::Role> roles,
                       std::string_view requestId = {});

 private:
  Database& store_;
  const PasswordHasher& hasher_;
  Logger log_;
  const Clock& clock_;
};

}  // namespace boxoffice::identity
