// One scan at the door: online the server decides (POST /api/v1/checkin); without a connection
// the cached check-in list decides provisionally and the scan is queued for checkins:sync, where
// the server has the last word (first scan wins).
import { rawCall } from "../api/raw";
import { sessionState } from "../api/session";
import { t } from "../i18n";
import type { EventDoc } from "../api/types";
import { categoryName, saveCache, type DoorCache, type ListTicket } from "./cache";
import { idsOfPayload, isPayload, normaliseCode } from "./payload";

export type Outcome =
  | "admitted"
  | "already-checked-in"
  | "ticket-voided"
  | "ticket-transferred"
  | "wrong-event"
  | "ticket-not-found"
  | "invalid-ticket-signature"
  | "error";

export interface Verdict {
  outcome: Outcome;
  provisional: boolean; // decided from the cached list, not by the server
  holderName?: string;
  categoryName?: string;
  at?: string; // admitted: now; a repeat: the first scan
  gate?: string;
  detail?: string;
}

interface ProblemBody {
  type?: string;
  detail?: string;
  title?: string;
  checkedInAt?: string;
  gate?: string;
  holderName?: string;
  categoryName?: string;
}

const slugOf = (type: string | undefined) => (type ?? "").replace(/^.*\/problems\//, "");

function remember(cache: DoorCache, ticketId: string, at: string, gate: string) {
  cache.seen[ticketId] = { at, gate };
  const listed = cache.tickets[ticketId];
  if (listed) listed.status = "CheckedIn";
}

async function online(cache: DoorCache, input: string, gate: string): Promise<Verdict | null> {
  const ask = isPayload(input) ? { payload: input.trim() } : { code: normaliseCode(input) };
  const response = await rawCall("POST", "/api/v1/checkin", { ...ask, gate, eventId: cache.eventId });
  if (!response) return null; // no connection: the cache decides
  if (response.ok) {
    const body = (await response.json()) as {
      ticketId: string;
      holderName: string;
      categoryName: string;
      checkedInAt: string;
      gate: string;
    };
    remember(cache, body.ticketId, body.checkedInAt, body.gate);
    return {
      outcome: "admitted",
      provisional: false,
      holderName: body.holderName,
      categoryName: body.categoryName,
      at: body.checkedInAt,
      gate: body.gate,
    };
  }
  let problem: ProblemBody = {};
  try {
    problem = (await response.json()) as ProblemBody;
  } catch {
    // not JSON: the status alone
  }
  const slug = slugOf(problem.type);
  const known: Outcome[] = [
    "already-checked-in",
    "ticket-voided",
    "ticket-transferred",
    "wrong-event",
    "ticket-not-found",
    "invalid-ticket-signature",
  ];
  if ((known as string[]).includes(slug)) {
    return {
      outcome: slug as Outcome,
      provisional: false,
      holderName: problem.holderName,
      categoryName: problem.categoryName,
      at: problem.checkedInAt,
      gate: problem.gate,
    };
  }
  // A 5xx from a proxy while the server is down is as good as no connection.
  if (response.status >= 502 && response.status <= 504) return null;
  return { outcome: "error", provisional: false, detail: problem.detail || problem.title || String(response.status) };
}

function offline(cache: DoorCache, input: string, gate: string, now: Date): Verdict {
  let ticket: ListTicket | undefined;
  if (isPayload(input)) {
    const ids = idsOfPayload(input);
    if (!ids) return { outcome: "invalid-ticket-signature", provisional: true };
    if (ids.eventId !== cache.eventId) return { outcome: "wrong-event", provisional: true };
    ticket = cache.tickets[ids.ticketId];
  } else {
    const code = normaliseCode(input);
    ticket = Object.values(cache.tickets).find((t) => t.code === code);
  }
  if (!ticket) return { outcome: "ticket-not-found", provisional: true };
  const who = { holderName: ticket.holderName, categoryName: categoryName(cache, ticket.categoryId) };
  if (ticket.status === "Voided") return { outcome: "ticket-voided", provisional: true, ...who };
  if (ticket.status === "Transferred") return { outcome: "ticket-transferred", provisional: true, ...who };
  const seen = cache.seen[ticket.ticketId];
  if (ticket.status === "CheckedIn" || seen) {
    return { outcome: "already-checked-in", provisional: true, ...who, at: seen?.at, gate: seen?.gate };
  }
  const at = now.toISOString();
  cache.queue.push({ ticketId: ticket.ticketId, scannedAt: at, gate });
  remember(cache, ticket.ticketId, at, gate);
  return { outcome: "admitted", provisional: true, ...who, at, gate };
}

// Decides one scan and saves what it changed in the cache.
export async function scan(cache: DoorCache, input: string, gate: string, connected: boolean): Promise<Verdict> {
  const verdict = (connected ? await online(cache, input, gate) : null) ?? offline(cache, input, gate, new Date());
  saveCache(cache);
  return verdict;
}

export interface SyncResult {
  ticketId: string;
  result: "admitted" | "duplicate" | "voided" | "transferred" | "unknown" | "invalid-time";
  firstScannedAt?: string;
  firstGate?: string;
  replacedScanAt?: string;
  replacedGate?: string;
}

export interface SyncReport {
  sent: number;
  admitted: number;
  conflicts: number;
  results: SyncResult[];
}

const batch = 500; // the route's limit

// Sends the queued offline scans, oldest first, and drops each batch the server answered. null:
// no connection (the queue stays).
export async function syncQueue(cache: DoorCache): Promise<SyncReport | null | { error: string }> {
  const report: SyncReport = { sent: 0, admitted: 0, conflicts: 0, results: [] };
  // Scans are sent only under the token of the user who made them.
  if (cache.queue.length > 0 && cache.userId !== sessionState().user?.id) return { error: t("doorQueueNotYours") };
  while (cache.queue.length > 0) {
    const scans = cache.queue.slice(0, batch);
    const path = `/api/v1/events/${encodeURIComponent(cache.eventId)}/checkins:sync`;
    const response = await rawCall("POST", path, { scans });
    if (!response) return report.sent > 0 ? report : null;
    if (!response.ok) {
      const body = (await response.json().catch(() => ({}))) as ProblemBody;
      return { error: body.detail || body.title || String(response.status) };
    }
    const answer = (await response.json()) as { admitted: number; conflicts: number; results: SyncResult[] };
    cache.queue = cache.queue.slice(scans.length);
    for (const r of answer.results) {
      // The server's first scan is the one that counts, on this device too.
      if (r.result === "duplicate" && r.firstScannedAt)
        cache.seen[r.ticketId] = { at: r.firstScannedAt, gate: r.firstGate ?? "" };
    }
    saveCache(cache);
    report.sent += scans.length;
    report.admitted += answer.admitted;
    report.conflicts += answer.conflicts;
    report.results.push(...answer.results);
  }
  return report;
}

// The event and the changes to its check-in list since the cached version. false: no connection.
export async function refreshList(cache: DoorCache): Promise<boolean | { status: number; detail: string }> {
  const id = encodeURIComponent(cache.eventId);
  const eventResponse = await rawCall("GET", `/api/v1/events/${id}`);
  if (!eventResponse) return false;
  if (eventResponse.ok) cache.event = (await eventResponse.json()) as EventDoc;
  const response = await rawCall("GET", `/api/v1/events/${id}/checkin-list?since=${cache.version}`);
  if (!response) return false;
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as ProblemBody;
    return { status: response.status, detail: body.detail || body.title || String(response.status) };
  }
  const list = (await response.json()) as { version: number; tickets: ListTicket[] };
  for (const ticket of list.tickets) {
    // A scan still queued here stays CheckedIn until the server has heard of it.
    const waiting = cache.queue.some((q) => q.ticketId === ticket.ticketId);
    cache.tickets[ticket.ticketId] = waiting && ticket.status === "Valid" ? { ...ticket, status: "CheckedIn" } : ticket;
  }
  cache.version = list.version;
  cache.listedAt = new Date().toISOString();
  saveCache(cache);
  return true;
}
