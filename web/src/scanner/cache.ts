// The door's memory of one event, kept in localStorage so it survives a reload and a lost
// connection: the check-in list (GET /api/v1/events/{id}/checkin-list, refreshed with `since`),
// the scans this device made (so an offline repeat can say when and where), and the queue of
// scans made offline, waiting for POST /api/v1/events/{id}/checkins:sync.
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
  eventId: string;
  event: EventDoc | null;
  version: number;
  listedAt: string | null; // when the list was last refreshed from the server
  tickets: Record<string, ListTicket>;
  seen: Record<string, Seen>;
  queue: QueuedScan[];
}

const keyOf = (eventId: string) => `boxoffice.door.${eventId}`;

export function loadCache(eventId: string): DoorCache {
  const empty: DoorCache = { eventId, event: null, version: 0, listedAt: null, tickets: {}, seen: {}, queue: [] };
  try {
    const stored = localStorage.getItem(keyOf(eventId));
    if (!stored) return empty;
    const parsed = JSON.parse(stored) as DoorCache;
    return parsed.eventId === eventId ? { ...empty, ...parsed } : empty;
  } catch {
    return empty; // unreadable: start again from the server's list
  }
}

export function saveCache(cache: DoorCache) {
  localStorage.setItem(keyOf(cache.eventId), JSON.stringify(cache));
}

// Holder names are personal data: a shared door device can drop them after the event.
export function forgetCache(eventId: string) {
  localStorage.removeItem(keyOf(eventId));
}

export function categoryName(cache: DoorCache, categoryId: string): string {
  return cache.event?.priceCategories.find((c) => c.categoryId === categoryId)?.name ?? categoryId;
}
