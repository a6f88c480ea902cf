// The organizer back office's calls to /api/v1 (docs/api/events.md, inventory.md, orders.md,
// payments.md, tickets.md, notifications.md). Every call goes through api/client.ts, so tokens,
// the refresh-and-retry and problem+json errors work as everywhere else in the UI.
import { call, getJson, postJson } from "../api/client";
import { newIdempotencyKey } from "../api/idempotency";
import type { EventDoc, Money, Order, Page } from "../api/types";

const enc = encodeURIComponent;

export interface EditableEvent {
  name: string;
  description: string;
  category: string;
  startsAt: string;
  endsAt: string;
  timezone: string;
  venue: { name: string; address: string; city: string; country: string };
  maxCapacity: number;
  priceCategories: { categoryId: string; name: string; price: Money; totalSeats: number }[];
}

export interface ManagedEvent extends EventDoc {
  maxCapacity: number;
  organizerId: string;
  version: number;
}

// An event with the ETag its next change must send in If-Match.
export interface Versioned {
  event: ManagedEvent;
  etag: string;
}

async function versioned(response: Response): Promise<Versioned> {
  const event = (await response.json()) as ManagedEvent;
  return { event, etag: response.headers.get("ETag") ?? `"${event.version}"` };
}

export async function loadEvent(id: string): Promise<Versioned> {
  return versioned(await call("GET", `/api/v1/events/${enc(id)}`));
}

export async function createEvent(body: EditableEvent): Promise<Versioned> {
  return versioned(await call("POST", "/api/v1/events", { body }));
}

export async function updateEvent(id: string, body: EditableEvent, etag: string): Promise<Versioned> {
  return versioned(await call("PUT", `/api/v1/events/${enc(id)}`, { body, headers: { "If-Match": etag } }));
}

export async function changeStatus(id: string, action: "publish" | "cancel", etag: string): Promise<Versioned> {
  return versioned(
    await call("POST", `/api/v1/events/${enc(id)}/${action}`, { body: {}, headers: { "If-Match": etag } }),
  );
}

export function myEvents(organizerId: string, page: number): Promise<Page<ManagedEvent>> {
  return getJson(`/api/v1/events/organizer/${enc(organizerId)}?page=${page}&size=20`);
}

export function categories(): Promise<Page<{ slug: string; name: string }>> {
  return getJson("/api/v1/events/categories");
}

export interface ReportLine {
  eventId: string;
  currency: string;
  gross: number;
  refunded: number;
  chargedBack: number;
  net: number;
}

export function paymentReport(eventId: string): Promise<{ items: ReportLine[] }> {
  return getJson(`/api/v1/payments/report?eventId=${enc(eventId)}`);
}

export interface ListedOrder extends Order {
  userId: string;
  paymentId: string | null;
  createdAt: string;
  refunded: Money | null;
}

export function eventOrders(eventId: string, page: number, size = 100): Promise<Page<ListedOrder>> {
  return getJson(`/api/v1/orders?eventId=${enc(eventId)}&page=${page}&size=${size}`);
}

// The newest orders of an event, at most `maxPages` pages of 100: what the dashboard's chart,
// search and CSV export work on. Bounded, so a big event costs the same few requests.
export async function recentOrders(
  eventId: string,
  maxPages: number,
): Promise<{ orders: ListedOrder[]; total: number }> {
  const first = await eventOrders(eventId, 1);
  const orders = [...first.items];
  for (let page = 2; page <= Math.min(first.totalPages, maxPages); page++) {
    orders.push(...(await eventOrders(eventId, page)).items);
  }
  return { orders, total: first.totalItems };
}

export interface CheckinStats {
  eventId: string;
  sold: number;
  admitted: number;
  categories: { categoryId: string; categoryName: string; sold: number; admitted: number }[];
}

export function checkinStats(eventId: string): Promise<CheckinStats> {
  return getJson(`/api/v1/events/${enc(eventId)}/checkin-stats`);
}

export interface Scanner {
  eventId: string;
  userId: string;
  email: string;
  grantedAt: string;
}

export function scanners(eventId: string): Promise<{ items: Scanner[] }> {
  return getJson(`/api/v1/events/${enc(eventId)}/scanners`);
}

export function addScanner(eventId: string, email: string): Promise<Scanner> {
  return postJson(`/api/v1/events/${enc(eventId)}/scanners`, { email });
}

export async function removeScanner(eventId: string, userId: string): Promise<void> {
  await call("DELETE", `/api/v1/events/${enc(eventId)}/scanners/${enc(userId)}`);
}

export function announce(eventId: string, subject: string, body: string): Promise<{ recipients: number }> {
  return postJson(`/api/v1/events/${enc(eventId)}/announcements`, { subject, body });
}

// A full refund of what is left of a payment (Admin only: `payments:refund`). One key per
// press of the button, so a double click refunds once.
export function refundPayment(paymentId: string, reason: string, key = newIdempotencyKey()): Promise<unknown> {
  return postJson(`/api/v1/payments/${enc(paymentId)}/refunds`, { reason }, { headers: { "Idempotency-Key": key } });
}
