// A buyer's whole way: find the event by typing, watch availability change live, sign in, hold
// seats, pay with the test card (pressing Pay twice), follow the order to Completed, and see the
// ticket's QR code, still signed in after a reload.
import { buyer, expect, radiohead, test } from "./fixtures";

test("buy a ticket end to end", async ({ page, browser, baseURL, consoleErrors, checkA11y, shot }) => {
  void consoleErrors;
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1, name: "Events" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Radiohead Tribute Night" })).toBeVisible();
  await checkA11y("event list");
  await shot("1-events");

  // Twelve demo events, ten a page.
  await expect(page.getByText("12 events")).toBeVisible();
  await page.getByRole("button", { name: "Next page" }).click();
  await expect(page).toHaveURL(/\?page=2$/);
  await expect(page.getByText("Page 2 of 2")).toBeVisible();
  await expect(page.locator(".cards > li")).toHaveCount(2);
  await page.goBack();
  await expect(page.locator(".cards > li")).toHaveCount(10);

  // Search as you type: the FTS route, prefix words.
  await page.getByLabel("Search events").fill("radioh");
  await expect(page).toHaveURL(/\?q=radioh$/);
  await expect(page.getByRole("link", { name: "Radiohead Tribute Night" })).toBeVisible();
  await expect(page.getByText("1 event", { exact: true })).toBeVisible();
  await page.getByRole("link", { name: "Radiohead Tribute Night" }).click();
  await expect(page).toHaveURL(`/events/${radiohead}`);
  await expect(page.getByRole("heading", { level: 1 })).toBeFocused();

  // A second visitor watches the same event: their page must change without a reload.
  const watcherContext = await browser.newContext({ baseURL });
  const watcher = await watcherContext.newPage();
  await watcher.goto(`/events/${radiohead}`);
  await expect(watcher.getByTestId("available-general")).toHaveText("3200 available");

  await expect(page.getByText("Availability updates live")).toBeVisible();
  await page.getByRole("button", { name: "Sign in to buy tickets" }).click();
  await expect(page).toHaveURL(/\/signin\?next=/);
  await checkA11y("sign in");
  await page.getByLabel("Email").fill(buyer.email);
  await page.getByLabel("Password").fill(buyer.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(`/events/${radiohead}`);
  await expect(page.getByText(/^Signed in as /)).toBeVisible();

  await page.getByLabel("Number of General Admission tickets").selectOption("2");
  await checkA11y("event page");
  await shot("2-event");
  // A double click: one Idempotency-Key, so one order.
  await page.getByRole("button", { name: "Hold seats" }).dblclick();
  await expect(page).toHaveURL(/\/orders\/[0-9a-f-]{36}$/);
  await expect(page.getByText("Your seats are held.")).toBeVisible();
  await expect(page.getByTestId("countdown")).toHaveText(/Time left to pay: 1[45]:\d\d/);
  await expect(watcher.getByTestId("available-general")).toHaveText("3198 available");

  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  await page.getByLabel("Security code (CVC)").fill("123");
  await page.getByLabel("Name on the card").fill("Buyer Demo");
  await checkA11y("checkout");
  await shot("3-checkout");
  await page.getByRole("button", { name: /^Pay / }).dblclick();
  await expect(page.getByText("Done! Your tickets are ready.")).toBeVisible({ timeout: 30_000 });
  await checkA11y("order completed");

  await page.getByRole("link", { name: "View my tickets" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "My tickets" })).toBeVisible();
  const qr = page.getByRole("img", { name: /^QR code of ticket [2-9A-Z]{8}$/ });
  await expect(qr).toHaveCount(2, { timeout: 20_000 });
  await expect
    .poll(() => qr.first().evaluate((img) => (img as HTMLImageElement).naturalWidth))
    .toBeGreaterThan(0);
  await expect(page.getByRole("button", { name: "Print tickets" })).toBeVisible();
  await checkA11y("my tickets");
  await shot("4-tickets");

  // A reload keeps the session (refresh cookie; the access token was only in memory), and
  // nothing of the session is in Web Storage.
  await page.reload();
  await expect(page.getByText(/^Signed in as /)).toBeVisible();
  await expect(qr).toHaveCount(2);
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  expect(stored).not.toMatch(/eyJ|refresh|token/i);
  expect(await page.evaluate(() => document.cookie)).toBe("");

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
  await page.reload();
  await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
  await watcherContext.close();
});

test("German, on a 360 px wide phone", async ({ page, consoleErrors, checkA11y, shot }) => {
  void consoleErrors;
  await page.setViewportSize({ width: 360, height: 740 });
  // A visitor who never signed in is not sent to the refresh route (it could only fail).
  const refreshes: string[] = [];
  page.on("request", (request) => {
    if (request.url().includes("/api/v1/auth/refresh")) refreshes.push(request.url());
  });
  await page.goto(`/events/${radiohead}`);
  await page.getByLabel("Language").selectOption("de");
  await expect(page.getByText("Verfügbarkeit wird live aktualisiert")).toBeVisible();
  // Money per locale, the date in the venue's zone (19:00 UTC in March is 20:00 in Berlin).
  await expect(page.getByText(/59,00\s€/).first()).toBeVisible();
  await expect(page.getByText(/20:00/).first()).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.lang)).toBe("de");
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  await checkA11y("event page (de, 360 px)");
  await shot("event-de-360");
  // Kept across a reload.
  await page.reload();
  await expect(page.getByRole("link", { name: "Veranstaltungen" })).toBeVisible();
  expect(refreshes).toEqual([]);
});
