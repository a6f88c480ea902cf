// Who may enter the back office. The API decides what each call may do (403/404); this only
// spares a User the trip and explains, rather than showing empty pages.
import type { User } from "../api/types";

export function canOrganize(user: User | null): boolean {
  return !!user && user.roles.some((role) => role === "Organizer" || role === "Admin");
}

export function isAdmin(user: User | null): boolean {
  return !!user && user.roles.includes("Admin");
}
