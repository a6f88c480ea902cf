#pragma once
// Roles, permissions (seed 000's RBAC table) and the authenticated caller.
// Routes declare the permission they need (router.hpp: Access); the router enforces it, so no
// handler checks roles by hand. Ownership ("an Organizer edits only their events") is a
// resource rule and stays in the module, using Principal::can / owns.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace boxoffice::auth {

enum class Role { Admin, Organizer, User };

std::string_view to_string(Role role);
std::optional<Role> parseRole(std::string_view text);

enum class Permission {
  EventsView,
  EventsViewOwn,
  EventsCreate,
  EventsUpdate,
  EventsDelete,
  InventoryManage,
  InventoryViewOwn,
  TicketsPurchase,
  PaymentsRefund,
  PaymentsViewOwn,
  NotificationsSend,
  NotificationsSendOwn,
  UsersManage,
  ProfileManage,
  SystemManage,  // operations: dead letters, replay (Admin only; not in the seed's table)
};

std::string_view to_string(Permission permission);  // "events:create"
bool roleGrants(Role role, Permission permission);

struct Principal {
  std::string userId;
  std::string email;
  std::vector<Role> roles;

  bool hasRole(Role role) const;
  bool can(Permission permission) const;
  bool isAdmin() const { return hasRole(Role::Admin); }
};

// Verifies a bearer token. Implemented by the identity module; the server calls it.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // Throws Problem::unauthorized for a malformed, badly signed, expired or revoked token.
  virtual Principal authenticate(std::string_view bearerToken) const = 0;
};

}  // namespace boxoffice::auth
