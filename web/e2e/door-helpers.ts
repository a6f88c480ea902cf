// What the door, admin and account tests share: a purchase made through the API (the buyer's
// UI flow has its own test), signing in as any demo account, and screenshots under stable names.
import { expect, type Page } from "@playwright/test";
import { randomUUID } from "node:crypto";

const screenshots = `${process.env.BX_E2E_OUTPUT ?? "../build/web-e2e"}/screenshots`;
export const password = "demo-password-2026";
export const organizer = { email: "organizer@boxoffice.local", password };
export const admin = { email: "admin@boxoffice.local", password };

export async function stableShot(page: Page, name: string) {
  await page.screenshot({ path: `${screenshots}/${name}.png`, fullPage: true });
}

export async function tokenOf(baseURL: string, email: string): Promise<string> {
  const response = await fetch(`${baseURL}/api/v1/auth/token`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  expect(response.status, `sign-in of ${email}`).toBe(200);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

export async function api(baseURL: string, token: string, method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method === "POST" && path === "/api/v1/orders") headers["Idempotency-Key"] = randomUUID();
  return fetch(`${baseURL}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

export interface Bought {
  orderId: string;
  correlationId: string;
  tickets: { ticketId: string; code: string; holderName: string; categoryName: string }[];
}

// The demo buyer buys `count` General Admission tickets, paid with the test card; resolves once
// the order is Completed and its tickets are issued.
export async function buyTickets(baseURL: string, eventId: string, count: number): Promise<Bought> {
  const token = await tokenOf(baseURL, "buyer@boxoffice.local");
  const placed = await api(baseURL, token, "POST", "/api/v1/orders", {
    eventId,
    items: [{ categoryId: "general", ticketCount: count }],
    payment: {
      method: "CreditCard",
      card: { number: "4242 4242 4242 4242", expMonth: 12, expYear: 2030, cvc: "123", holderName: "Demo Buyer" },
    },
  });
  expect(placed.status).toBe(202);
  const { id } = (await placed.json()) as { id: string };
  let order = { status: "", correlationId: "" };
  await expect
    .poll(
      async () => {
        order = (await (await api(baseURL, token, "GET", `/api/v1/orders/${id}`)).json()) as typeof order;
        return order.status;
      },
      { timeout: 30_000 },
    )
    .toBe("Completed");
  let tickets: Bought["tickets"] = [];
  await expect
    .poll(async () => {
      const list = (await (await api(baseURL, token, "GET", `/api/v1/tickets?eventId=${eventId}&size=100`)).json()) as {
        items: (Bought["tickets"][number] & { orderId: string })[];
      };
      tickets = list.items.filter((t) => t.orderId === id);
      return tickets.length;
    })
    .toBe(count);
  return { orderId: id, correlationId: order.correlationId, tickets };
}

export async function signInAs(page: Page, email: string, next: string) {
  await page.goto(`/signin?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText(/^Signed in as /)).toBeVisible();
}
