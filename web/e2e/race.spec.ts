// Two buyers race for the last seats of a category: both press "Hold seats" at the same moment
// for all that is left. Exactly one gets the hold; the other is told in words that the seats are
// gone (not a blank page, not a second hold), and the event page then shows the category sold out.
import type { Page } from "@playwright/test";
import { api, organizer, password, signInAs, tokenOf } from "./door-helpers";
import { buyer, expect, tacvba, test } from "./fixtures";

const second = { email: "second.buyer@example.org", displayName: "Second Buyer" };

async function register(baseURL: string) {
  const response = await fetch(`${baseURL}/api/v1/auth/register`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ ...second, password }),
  });
  expect(response.status, "registration of the second buyer").toBe(202);
}

// The organizer shrinks the demo event's Balcony to two seats (If-Match on the current version).
async function leaveTwoBalconySeats(baseURL: string) {
  const token = await tokenOf(baseURL, organizer.email);
  const current = await api(baseURL, token, "GET", `/api/v1/inventory/${tacvba}`);
  const etag = current.headers.get("ETag");
  expect(etag).not.toBeNull();
  const changed = await fetch(`${baseURL}/api/v1/inventory/${tacvba}/capacity`, {
    method: "PUT",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", "If-Match": etag! },
    body: JSON.stringify({ categoryId: "balcony", totalSeats: 2 }),
  });
  expect(changed.status).toBe(200);
}

async function chooseBothSeats(page: Page) {
  await expect(page.getByTestId("available-balcony")).toHaveText("2 available");
  await page.getByLabel("Number of Balcony tickets").selectOption("2");
}

test("a sold-out event while two buyers race", async ({ page, browser, baseURL, consoleErrors, checkA11y, shot }) => {
  void consoleErrors;
  await register(baseURL!);
  await leaveTwoBalconySeats(baseURL!);

  const otherContext = await browser.newContext({ baseURL });
  const other = await otherContext.newPage();
  await signInAs(page, buyer.email, `/events/${tacvba}`);
  await signInAs(other, second.email, `/events/${tacvba}`);
  await chooseBothSeats(page);
  await chooseBothSeats(other);

  await Promise.all([
    page.getByRole("button", { name: "Hold seats" }).click(),
    other.getByRole("button", { name: "Hold seats" }).click(),
  ]);

  // Both orders are accepted and the checkout decides: one holds, the other fails for want of seats.
  const held = (p: Page) => p.getByText("Your seats are held.");
  const refused = (p: Page) => p.getByText("This order failed: there are not enough seats left");
  for (const p of [page, other]) {
    await expect(p).toHaveURL(/\/orders\/[0-9a-f-]{36}$/);
    await expect(held(p).or(refused(p))).toBeVisible({ timeout: 30_000 });
  }
  const winners = [await held(page).count(), await held(other).count()];
  const losers = [await refused(page).count(), await refused(other).count()];
  expect(winners.reduce((a, b) => a + b), "exactly one buyer holds the seats").toBe(1);
  expect(losers.reduce((a, b) => a + b), "the other is told why").toBe(1);
  const loser = losers[0] === 1 ? page : other;
  await expect(loser.getByRole("button", { name: /^Pay / })).toHaveCount(0);
  await checkA11y("order page after the race");
  await shot("after-the-race");

  // Back on the event page the category is sold out.
  await loser.goto(`/events/${tacvba}`);
  await expect(loser.getByTestId("available-balcony")).toHaveText("Sold out");

  // The server agrees: two seats, both held, none left, and one order each.
  const inventory = (await (await fetch(`${baseURL}/api/v1/inventory/${tacvba}`)).json()) as {
    priceCategories: { categoryId: string; availableSeats: number; reservedSeats: number; soldSeats: number }[];
  };
  const balcony = inventory.priceCategories.find((c) => c.categoryId === "balcony")!;
  expect({ available: balcony.availableSeats, reserved: balcony.reservedSeats, sold: balcony.soldSeats }).toEqual({
    available: 0,
    reserved: 2,
    sold: 0,
  });
  await otherContext.close();
});
