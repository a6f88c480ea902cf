// Who is signed in. The access token lives only in this module's memory; the refresh token is an
// HttpOnly cookie the page never sees (docs/api/identity.md, "Browser sessions"). A reload
// therefore starts signed out and asks POST /api/v1/auth/refresh, which answers from the cookie.
import { dropHolderLists } from "../scanner/cache";
import { ApiError, networkError, problemFrom } from "./problem";
import type { TokenAnswer, User } from "./types";

interface State {
  user: User | null;
  ready: boolean; // the first refresh attempt after the page loaded has finished
  // No connection when the session was to be renewed: `user` is the account this browser last
  // had (remembered without any token), so the door keeps working from its offline list; every
  // API call fails until the connection is back, when the session is renewed by itself.
  offline: boolean;
}

let accessToken: string | null = null;
let state: State = { user: null, ready: false, offline: false };
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let refreshing: Promise<boolean> | null = null;
const listeners = new Set<(s: State) => void>();
// A hint, not a secret: "this browser signed in and has not signed out", so a visitor who never
// signed in is not sent to POST /auth/refresh (a 400) on every page load.
const sessionHint = "boxoffice.session";
// Who that was (id, email, name, roles; never a token), for the offline state above.
const lastUserKey = "boxoffice.lastUser";

function remembered(): User | null {
  try {
    const user = JSON.parse(localStorage.getItem(lastUserKey) ?? "null") as User | null;
    return user && typeof user.id === "string" && Array.isArray(user.roles) ? user : null;
  } catch {
    return null;
  }
}

function publish(next: Partial<State>) {
  state = { ...state, ...next };
  listeners.forEach((listener) => listener(state));
}

export function sessionState(): State {
  return state;
}

export function onSession(listener: (s: State) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function bearer(): string | null {
  return accessToken;
}

async function post(path: string, body: unknown, token?: string): Promise<Response> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  try {
    return await fetch(path, { method: "POST", headers, body: JSON.stringify(body), credentials: "same-origin" });
  } catch {
    throw networkError();
  }
}

async function loadUser(token: string): Promise<User | null> {
  const response = await fetch("/api/v1/users/me", { headers: { Authorization: `Bearer ${token}` } });
  return response.ok ? ((await response.json()) as User) : null;
}

async function adopt(answer: TokenAnswer) {
  accessToken = answer.accessToken;
  localStorage.setItem(sessionHint, "1");
  clearTimeout(refreshTimer);
  // A minute before the access token runs out, a new one: the page never meets a 401 for that.
  const refreshIn = Math.max(10, answer.expiresIn - 60) * 1000;
  refreshTimer = setTimeout(() => void refresh(), refreshIn);
  const user = await loadUser(answer.accessToken);
  if (user) {
    const { id, email, displayName, roles } = user;
    localStorage.setItem(lastUserKey, JSON.stringify({ id, email, displayName, roles }));
  }
  publish({ user, ready: true, offline: false });
}

function forget() {
  accessToken = null;
  localStorage.removeItem(sessionHint);
  localStorage.removeItem(lastUserKey);
  clearTimeout(refreshTimer);
  publish({ user: null, ready: true, offline: false });
}

// The renewal could not reach the server (not a refusal): keep the session (the cookie may well
// still be good) and carry on as the remembered account until the browser is online again.
function wentOffline(): false {
  const user = remembered();
  if (!user) {
    forget();
    return false;
  }
  accessToken = null;
  clearTimeout(refreshTimer);
  publish({ user, ready: true, offline: true });
  window.addEventListener("online", () => void refresh(), { once: true });
  return false;
}

export async function signIn(email: string, password: string): Promise<void> {
  const response = await post("/api/v1/auth/token", { email, password, refreshTokenDelivery: "cookie" });
  if (!response.ok) throw await problemFrom(response);
  await adopt((await response.json()) as TokenAnswer);
}

export async function signUp(email: string, password: string, displayName: string): Promise<void> {
  const response = await post("/api/v1/auth/register", { email, password, displayName });
  if (!response.ok) throw await problemFrom(response);
  await signIn(email, password);
}

async function refreshOnce(): Promise<boolean> {
  // The cookie rides along by itself; the JSON body (with its Content-Type) is what a cross-site
  // form cannot send, and the server requires it.
  const response = await post("/api/v1/auth/refresh", {});
  if (!response.ok) {
    forget();
    return false;
  }
  await adopt((await response.json()) as TokenAnswer);
  return true;
}

// One refresh at a time, across tabs too: each refresh token works once, and two tabs presenting
// the same one would end the session (reuse detection). Under the lock a tab sends whatever
// cookie the previous holder left, which is the fresh one.
export function refresh(): Promise<boolean> {
  if (!refreshing) {
    const run = (): Promise<boolean> =>
      refreshOnce().catch((error: unknown) =>
        error instanceof ApiError && error.status === 0 ? wentOffline() : (forget(), false),
      );
    const locks = (navigator as Navigator & { locks?: LockManager }).locks;
    const started = (locks ? locks.request("boxoffice-refresh", run) : run()) as Promise<boolean>;
    refreshing = started.finally(() => {
      refreshing = null;
    });
    return refreshing;
  }
  return refreshing;
}

// After a page load: the session back from the refresh cookie, if this browser has one.
export async function restore(): Promise<void> {
  if (localStorage.getItem(sessionHint)) await refresh();
  else publish({ ready: true });
}

// Signing out also drops the door's cached check-in lists (holder names) from this browser; the
// door's queued offline scans stay for the user who made them (scanner/cache.ts).
export async function signOut(): Promise<void> {
  const token = accessToken;
  forget();
  dropHolderLists();
  if (token) await post("/api/v1/auth/logout", {}, token).catch(() => undefined);
}
