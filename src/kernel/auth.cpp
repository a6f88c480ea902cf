#include "boxoffice/kernel/auth.hpp"

#include <algorithm>
#include <array>

namespace boxoffice::auth {

std::string_view to_string(Role role) {
  switch (role) {
    case Role::Admin:
      return "Admin";
    case Role::Organizer:
      return "Organizer";
    case Role::User:
      return "User";
  }
  return "User";
}

std::optional<Role> parseRole(std::string_view text) {
  for (Role role : {Role::Admin, Role::Organizer, Role::User}) {
    if (to_string(role) == text) return role;
  }
  return std::nullopt;
}

std::string_view to_string(Permission permission) {
  switch (permission) {
    case Permission::EventsView:
      return "events:view";
    case Permission::EventsViewOwn:
      return "events:view-own";
    case Permission::EventsCreate:
      return "events:create";
    case Permission::EventsUpdate:
      return "events:update";
    case Permission::EventsDelete:
      return "events:delete";
    case Permission::InventoryManage:
      return "inventory:manage";
    case Permission::InventoryViewOwn:
      return "inventory:view-own";
    case Permission::TicketsPurchase:
      return "tickets:purchase";
    case Permission::PaymentsRefund:
      return "payments:refund";
    case Permission::PaymentsViewOwn:
      return "payments:view-own";
    case Permission::NotificationsSend:
      return "notifications:send";
    case Permission::NotificationsSendOwn:
      return "notifications:send-own";
    case Permission::UsersManage:
      return "users:manage";
    case Permission::ProfileManage:
      return "profile:manage";
    case Permission::SystemManage:
      return "system:manage";
  }
  return "unknown";
}

// Seed 000's RBAC table, plus two grants it leaves implicit: everyone signed in may manage their
// own profile and view events, and an Admin may also buy tickets (roles are additive anyway).
bool roleGrants(Role role, Permission permission) {
  using P = Permission;
  static constexpr std::array admin{P::EventsCreate,    P::EventsUpdate,      P::EventsDelete,     P::InventoryManage,
                                    P::PaymentsRefund,  P::NotificationsSend, P::UsersManage,      P::EventsView,
                                    P::ProfileManage,   P::TicketsPurchase,   P::InventoryViewOwn, P::EventsViewOwn,
                                    P::PaymentsViewOwn, P::SystemManage};
  static constexpr std::array organizer{P::EventsCreate,     P::EventsUpdate,    P::EventsViewOwn,
                                        P::InventoryViewOwn, P::PaymentsViewOwn, P::NotificationsSendOwn,
                                        P::EventsView,       P::ProfileManage};
  static constexpr std::array user{P::EventsView, P::TicketsPurchase, P::PaymentsViewOwn, P::ProfileManage};
  auto contains = [permission](const auto& list) {
    return std::find(list.begin(), list.end(), permission) != list.end();
  };
  switch (role) {
    case Role::Admin:
      return contains(admin);
    case Role::Organizer:
      return contains(organizer);
    case Role::User:
      return contains(user);
  }
  return false;
}

bool Principal::hasRole(Role role) const { return std::find(roles.begin(), roles.end(), role) != roles.end(); }

bool Principal::can(Permission permission) const {
  return std::any_of(roles.begin(), roles.end(), [permission](Role r) { return roleGrants(r, permission); });
}

}  // namespace boxoffice::auth
