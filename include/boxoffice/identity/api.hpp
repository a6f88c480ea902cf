#pragma once
// The identity module's public facade: users, roles, tokens. Other modules and the composition
// root use only this header (and messages.hpp).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "boxoffice/kernel/auth.hpp"
#include "boxoffice/kernel/module.hpp"

namespace boxoffice {
struct ConfigKey;  // boxoffice/kernel/config.hpp, for whoever calls configKeys()
}  // namespace boxoffice

namespace boxoffice::identity {

struct UserSummary {
  std::string id;
  std::string email;
  std::string displayName;
  std::vector<auth::Role> roles;
  std::string createdAt;
};

// Read-only lookups of accounts for other modules (the holder's name on a ticket, the account
// behind an email). Callable from any thread.
class UserDirectory {
 public:
  virtual ~UserDirectory() = default;
  virtual std::optional<UserSummary> findUser(const std::string& userId) const = 0;
  // Case-insensitive, as sign-in compares emails; nullopt if no account has it.
  virtual std::optional<UserSummary> findUserByEmail(const std::string& email) const = 0;
};

class IdentityModule : public Module, public UserDirectory {
 public:
  // Verifies access tokens for the HTTP server.
  virtual const auth::Authenticator& authenticator() const = 0;
  // For `boxoffice users add` and demo data. Applies the password policy; throws Problem
  // (400 weak password, 409 duplicate email).
  virtual UserSummary addUser(const std::string& email, const std::string& password, const std::string& displayName,
                              auth::Role role) = 0;
};

// The demo organizer account (organizer@boxoffice.local, created by `serve --demo`) has this
// fixed id, so the demo catalogue the events module loads can name it as its owner.
inline constexpr std::string_view kDemoOrganizerUserId = "0d3e0000-0000-4000-8000-000000000001";

std::vector<ConfigKey> configKeys();
std::unique_ptr<IdentityModule> createModule(const ModuleDeps& deps);

}  // namespace boxoffice::identity
