// A small history-API router. The server answers the page at every path in `pages` (keep in
// step with src/web/web_ui.cpp), so a reload or a shared link lands on the right page.
import { useEffect, useState } from "preact/hooks";

export type PageName =
  | "events"
  | "event"
  | "order"
  | "tickets"
  | "signin"
  | "signup"
  | "notFound"
  // door scanner, admin and the rest of the buyer account
  | "scan"
  | "admin"
  | "orders"
  | "notifications"
  | OrganizerPage;

// The organizer back office (src/organizer).
export type OrganizerPage = "orgHome" | "orgNew" | "orgEdit" | "orgDashboard";
export const organizerPages = new Set<PageName>(["orgHome", "orgNew", "orgEdit", "orgDashboard"]);

export interface Location {
  page: PageName;
  params: Record<string, string>;
  query: URLSearchParams;
  path: string;
}

const pages: [RegExp, PageName, string[]][] = [
  [/^\/$/, "events", []],
  [/^\/events\/([^/]+)$/, "event", ["id"]],
  [/^\/orders\/([^/]+)$/, "order", ["id"]],
  [/^\/tickets$/, "tickets", []],
  [/^\/signin$/, "signin", []],
  [/^\/signup$/, "signup", []],
  // door scanner, admin and the rest of the buyer account
  [/^\/scan$/, "scan", []],
  [/^\/scan\/([^/]+)$/, "scan", ["eventId"]],
  [/^\/admin$/, "admin", []],
  [/^\/orders$/, "orders", []],
  [/^\/notifications$/, "notifications", []],
  [/^\/organizer$/, "orgHome", []],
  [/^\/organizer\/new$/, "orgNew", []],
  [/^\/organizer\/events\/([^/]+)$/, "orgDashboard", ["id"]],
  [/^\/organizer\/events\/([^/]+)\/edit$/, "orgEdit", ["id"]],
];

function parse(): Location {
  const path = window.location.pathname;
  const query = new URLSearchParams(window.location.search);
  for (const [pattern, page, names] of pages) {
    const match = pattern.exec(path);
    if (match) {
      const params: Record<string, string> = {};
      names.forEach((name, i) => (params[name] = decodeURIComponent(match[i + 1])));
      return { page, params, query, path };
    }
  }
  return { page: "notFound", params: {}, query, path };
}

const listeners = new Set<() => void>();
window.addEventListener("popstate", () => listeners.forEach((l) => l()));

export function navigate(to: string, replace = false) {
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  window.scrollTo(0, 0);
  listeners.forEach((l) => l());
}

export function useLocation(): Location {
  const [location, setLocation] = useState(parse);
  useEffect(() => {
    const listener = () => setLocation(parse());
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }, []);
  return location;
}

// Links stay real <a href> (open in a new tab, keyboard, screen readers); a plain click is
// handled here without a page load.
export function followLink(event: MouseEvent) {
  const anchor = (event.target as Element | null)?.closest?.("a");
  if (!anchor || event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || anchor.target) return;
  const url = new URL(anchor.href, window.location.href);
  if (url.origin !== window.location.origin || url.pathname.startsWith("/api/")) return;
  // In-page links (the skip link) are the browser's business.
  if (url.hash && url.pathname === window.location.pathname && url.search === window.location.search) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
}
