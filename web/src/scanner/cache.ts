// The door's memory of one event, kept in localStorage so it survives a reload and a lost
// connection: the check-in list (GET /api/v1/events/{id}/checkin-list, refreshed with `since`),
// the scans this device made (so an offline repeat can say when and where), and the queue of
// scans made offline, waiting for POST /api/v1/events/{id}/checkins:sync. One per signed-in user
// and event: a shared door device never shows one user's list to another, and offline scans are
// only ever sent under the token of the user who made them. Signing out drops the holder lists
// (dropHolderLists) and keeps only the queued scans, for their owner's next sign-in.
import type { EventDoc } from "../api/types";

export interface ListTicket {
  ticketId: string;
  code: string;
  status: "Valid" | "CheckedIn" | "Voided" | "Transferred";
  categoryId: string;
  holderName: string;
  version: number;
}

export interface Seen {
  at: string; // RFC 3339
  gate: string;
}

export interface QueuedScan {
  ticketId: string;
  scannedAt: string;
  gate: string;
}

export interface DoorCache {
  userId: string;
  eventId: string;
  event: EventDoc | null;
  version: number;
  listedAt: string | null; // when the list was last refreshed from the server
  tickets: Record<string, ListTicket>;
  seen: Record<string, Seen>;
  queue: QueuedScan[];
}

const prefix = "boxoffice.door.list.";
const keyOf = (userId: string, eventId: string) => `${prefix}${userId}.${eventId}`;

const emptyCache = (userId: string, eventId: string): DoorCache => ({
  userId,
  eventId,
  event: null,
  version: 0,
  listedAt: null,
  tickets: {},
  seen: {},
  queue: [],
});

export function loadCache(userId: string, eventId: string): DoorCache {
  const empty = emptyCache(userId, eventId);
  try {
    const stored = localStorage.getItem(keyOf(userId, eventId));
    if (!stored) return empty;
    const parsed = JSON.parse(stored) as DoorCache;
    return parsed.eventId === eventId && parsed.userId === userId ? { ...empty, ...parsed } : empty;
  } catch {
    return empty; // unreadable: start again from the server's list
  }
}

export function saveCache(cache: DoorCache) {
  localStorage.setItem(keyOf(cache.userId, cache.eventId), JSON.stringify(cache));
}

// Holder names are personal data: a shared door device can drop them after the event.
export function forgetCache(userId: string, eventId: string) {
  localStorage.removeItem(keyOf(userId, eventId));
}

// On sign-out: every cached check-in list goes (names, codes, the event). Scans still waiting to
// be sent stay, with this device's memory of them, under their owner's key: they are sent when
// that user signs in again and opens the door for the event, never under anyone else's token.
// (Lists from before the caches were kept per user, under boxoffice.door.<event>, go too.)
export function dropHolderLists() {
  const keys: string[] = [];
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i);
    if (key?.startsWith("boxoffice.door.") && key !== "boxoffice.door.gate") keys.push(key);
  }
  for (const key of keys) {
    let kept: DoorCache | null = null;
    try {
      const parsed = JSON.parse(localStorage.getItem(key) ?? "null") as DoorCache | null;
      if (key.startsWith(prefix) && parsed?.userId && parsed.queue?.length > 0)
        kept = { ...emptyCache(parsed.userId, parsed.eventId), seen: parsed.seen ?? {}, queue: parsed.queue };
    } catch {
      // unreadable: dropped
    }
    if (kept) saveCache(kept);
    else localStorage.removeItem(key);
  }
}

export function categoryName(cache: DoorCache, categoryId: string): string {
  return cache.event?.priceCategories.find((c) => c.categoryId === categoryId)?.name ?? categoryId;
}
