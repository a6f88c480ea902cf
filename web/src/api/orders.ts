// Placing an order and watching it move: the checkout saga runs on the server
// (docs/api/orders.md); the page follows it with conditional GETs until it settles.
import { useEffect, useRef, useState } from "preact/hooks";
import { call, postJson } from "./client";
import type { Order } from "./types";

export interface Item {
  categoryId: string;
  ticketCount: number;
}

export function placeOrder(eventId: string, items: Item[], idempotencyKey: string): Promise<Order> {
  return postJson<Order>("/api/v1/orders", { eventId, items }, { headers: { "Idempotency-Key": idempotencyKey } });
}

export interface Card {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
  holderName: string;
}

export function payOrder(orderId: string, card: Card, idempotencyKey: string): Promise<Order> {
  return postJson<Order>(
    "/api/v1/payments",
    { orderId, method: "CreditCard", card },
    { headers: { "Idempotency-Key": idempotencyKey } },
  );
}

export function isSettled(order: Order): boolean {
  return ["Completed", "Failed", "Cancelled", "Refunded", "PartiallyRefunded"].includes(order.status);
}

// Waiting for payment details is a resting state too: nothing changes until the buyer pays or
// the hold runs out, so it is polled slower.
function pollDelay(order: Order): number {
  return order.status === "Reserved" && order.checkout?.awaitingPayment ? 2000 : 700;
}

export function useOrder(orderId: string) {
  const [order, setOrder] = useState<Order | null>(null);
  const [error, setError] = useState<unknown>(null);
  const etag = useRef<string | null>(null);
  const latest = useRef<Order | null>(null);
  const [kick, setKick] = useState(0);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const headers: Record<string, string> = etag.current ? { "If-None-Match": etag.current } : {};
        const response = await call("GET", `/api/v1/orders/${encodeURIComponent(orderId)}`, { headers });
        if (response.status !== 304) {
          etag.current = response.headers.get("ETag");
          latest.current = (await response.json()) as Order;
          if (!stopped) setOrder(latest.current);
        }
        if (!stopped) setError(null);
      } catch (e) {
        if (!stopped) setError(e);
      }
      if (!stopped && !(latest.current && isSettled(latest.current))) {
        timer = setTimeout(poll, latest.current ? pollDelay(latest.current) : 1000);
      }
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [orderId, kick]);

  // After a payment is sent: show its answer at once and follow the order quickly again.
  const update = (next: Order) => {
    latest.current = next;
    setOrder(next);
    setKick((n) => n + 1);
  };
  return { order, error, update };
}

// Seats and payment in one request (after a refused card: the old order is over).
export function placeOrderWithCard(eventId: string, items: Item[], card: Card, idempotencyKey: string): Promise<Order> {
  return postJson<Order>(
    "/api/v1/orders",
    { eventId, items, payment: { method: "CreditCard", card } },
    { headers: { "Idempotency-Key": idempotencyKey } },
  );
}
