// The door scanner: a ticket scanned twice (green, then red with when and where it was first
// scanned), and a check-in made offline that is sent when the connection comes back.
import { buyer, expect, radiohead, test } from "./fixtures";
import { admin, api, buyTickets, organizer, signInAs, stableShot, tokenOf } from "./door-helpers";

test("scan a ticket twice", async ({ page, baseURL, consoleErrors, checkA11y }) => {
  void consoleErrors;
  const bought = await buyTickets(baseURL!, radiohead, 1);
  const [ticket] = bought.tickets;
  await signInAs(page, organizer.email, "/scan");
  await expect(page.getByRole("heading", { level: 1, name: "Door scanner" })).toBeVisible();
  await page.getByRole("link", { name: "Radiohead Tribute Night" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Door: Radiohead Tribute Night" })).toBeFocused();
  await expect(page.getByText(/^Check-in list: 1 tickets, updated /)).toBeVisible();
  await checkA11y("door, before a scan");

  // Typed the way people type: lower case, with a dash.
  const code = page.getByLabel("Ticket code");
  await code.fill(`${ticket.code.slice(0, 4).toLowerCase()}-${ticket.code.slice(4)}`);
  await page.getByRole("button", { name: "Check in" }).click();
  const verdict = page.getByTestId("verdict");
  await expect(verdict).toHaveClass(/admit/);
  // The answer is an alert (assertive by itself), not a status with an assertive live region.
  await expect(verdict).toHaveAttribute("role", "alert");
  await expect(verdict).not.toHaveAttribute("aria-live");
  await expect(verdict).toContainText("ADMIT");
  await expect(verdict).toContainText("Demo Buyer");
  await expect(verdict).toContainText("General Admission");
  await expect(verdict).not.toContainText("Provisional");
  await expect(code).toBeFocused();
  await expect(code).toHaveValue("");
  await checkA11y("door, admitted");
  await stableShot(page, "scanner-green");

  // The door is a phone: 360 px wide, nothing scrolls sideways.
  await page.setViewportSize({ width: 360, height: 740 });
  await code.fill(ticket.code);
  await page.keyboard.press("Enter");
  await expect(verdict).toHaveClass(/refuse/);
  await expect(verdict).toContainText("STOP");
  await expect(verdict).toContainText("Already checked in.");
  await expect(verdict).toContainText("Demo Buyer");
  await expect(verdict).toContainText("General Admission");
  await expect(verdict).toContainText(/First scanned .+ at gate main\./);
  await checkA11y("door, refused");
  await stableShot(page, "scanner-red");
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  // In German, too.
  await page.getByLabel("Language").selectOption("de");
  await expect(verdict).toContainText("STOPP");
  await expect(verdict).toContainText("Bereits eingecheckt.");
  await page.getByLabel("Sprache").selectOption("en");

  // A code that is no ticket: red, and nothing about any ticket.
  await code.fill("ZZZZ-ZZZZ");
  await page.getByRole("button", { name: "Check in" }).click();
  await expect(verdict).toContainText("Unknown ticket.");
});

test("a check-in made offline is sent when the scanner is back online", async ({
  page,
  context,
  baseURL,
  consoleErrors,
}) => {
  void consoleErrors;
  const bought = await buyTickets(baseURL!, radiohead, 2);
  await signInAs(page, organizer.email, `/scan/${radiohead}`);
  await expect(page.getByText(/^Check-in list: 2 tickets, updated /)).toBeVisible();
  await page.getByText("Gate and device").click();
  await page.getByLabel("Gate").fill("North");

  await context.setOffline(true);
  await expect(page.getByTestId("door-connection")).toHaveText(/^Offline/);
  const code = page.getByLabel("Ticket code");
  const verdict = page.getByTestId("verdict");
  await code.fill(bought.tickets[1].code);
  await page.getByRole("button", { name: "Check in" }).click();
  await expect(verdict).toHaveClass(/admit/);
  await expect(verdict).toContainText("Demo Buyer");
  await expect(verdict).toContainText("Provisional");
  await expect(page.getByTestId("door-queue")).toHaveText(/^1 offline scans waiting/);
  // The same ticket again, still offline: red from this device's memory, with its gate.
  await code.fill(bought.tickets[1].code);
  await page.getByRole("button", { name: "Check in" }).click();
  await expect(verdict).toHaveClass(/refuse/);
  await expect(verdict).toContainText(/First scanned .+ at gate North\./);
  await expect(page.getByTestId("door-queue")).toHaveText(/^1 offline scans waiting/);

  await context.setOffline(false);
  await expect(page.getByTestId("door-connection")).toHaveText(/^Online/);
  await expect(page.getByText("Sent 1 offline scans: 1 admitted, 0 conflicts.")).toBeVisible();
  await expect(page.getByTestId("door-queue")).toHaveText("No scans waiting to be sent.");

  // The server has it: scanned again online, it is a repeat from gate North.
  const token = await tokenOf(baseURL!, organizer.email);
  const again = await api(baseURL!, token, "POST", "/api/v1/checkin", { code: bought.tickets[1].code });
  expect(again.status).toBe(409);
  expect(((await again.json()) as { gate: string }).gate).toBe("North");
  // The other ticket was never scanned.
  const other = await api(baseURL!, token, "POST", "/api/v1/checkin", { code: bought.tickets[0].code });
  expect(other.status).toBe(200);
});

// A phone at the door reloads the page with no connection: the app's files come from the service
// worker, the account from this browser's memory (no token), and the saved list answers; the scan
// is sent, under a renewed session, once the connection is back.
test("the door opens again offline after a reload and sends its scans when back", async ({
  page,
  context,
  baseURL,
  consoleErrors,
}) => {
  void consoleErrors;
  const bought = await buyTickets(baseURL!, radiohead, 1);
  await signInAs(page, organizer.email, `/scan/${radiohead}`);
  await expect(page.getByText(/^Check-in list: 1 tickets, updated /)).toBeVisible();
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  // The worker has the page and the door's files before the connection goes.
  await expect
    .poll(() =>
      page.evaluate(async () => {
        const cache = await caches.open("boxoffice-app-v1");
        return (await cache.keys()).map((r) => new URL(r.url).pathname).filter((p) => p.startsWith("/assets/")).length;
      }),
    )
    .toBeGreaterThan(1);

  await context.setOffline(true);
  await page.reload();
  await expect(page.getByText(/^Signed in as .+ \(offline\)$/)).toBeVisible();
  await expect(page.getByTestId("door-connection")).toHaveText(/^Offline/);
  await page.getByLabel("Ticket code").fill(bought.tickets[0].code);
  await page.getByRole("button", { name: "Check in" }).click();
  await expect(page.getByTestId("verdict")).toHaveClass(/admit/);
  await expect(page.getByTestId("verdict")).toContainText("Provisional");
  await expect(page.getByTestId("door-queue")).toHaveText(/^1 offline scans waiting/);

  await context.setOffline(false);
  await expect(page.getByText(/^Signed in as .+[^)]$/)).toBeVisible();
  await expect(page.getByText("Sent 1 offline scans: 1 admitted, 0 conflicts.")).toBeVisible();
  const token = await tokenOf(baseURL!, organizer.email);
  const again = await api(baseURL!, token, "POST", "/api/v1/checkin", { code: bought.tickets[0].code });
  expect(again.status).toBe(409);
});

// The camera, faked: a canvas stream for getUserMedia and a BarcodeDetector that reads whatever
// the test puts in window.__qr. The gate changed while the camera runs is the one recorded; a
// ticket held in front of the camera for longer than the 3 s pause stays one (green) scan; and
// a camera scan leaves the code field alone (on a phone, focus would open the keyboard).
test("camera scans use the current gate and a held ticket is scanned once", async ({
  page,
  baseURL,
  consoleErrors,
}) => {
  void consoleErrors;
  await page.addInitScript(() => {
    const w = window as unknown as { __qr: string; BarcodeDetector: unknown };
    w.__qr = "";
    w.BarcodeDetector = class {
      static getSupportedFormats = async () => ["qr_code"];
      async detect() {
        return w.__qr ? [{ rawValue: w.__qr }] : [];
      }
    };
    navigator.mediaDevices.getUserMedia = async () => {
      const canvas = document.createElement("canvas");
      canvas.width = 64;
      canvas.height = 64;
      canvas.getContext("2d")!.fillRect(0, 0, 64, 64);
      return canvas.captureStream(5);
    };
  });
  const bought = await buyTickets(baseURL!, radiohead, 1);
  await signInAs(page, organizer.email, `/scan/${radiohead}`);
  await expect(page.getByText(/^Check-in list: 1 tickets, updated /)).toBeVisible();
  await page.getByRole("button", { name: "Scan with the camera" }).click();
  await expect(page.getByRole("button", { name: "Stop the camera" })).toBeVisible();
  await page.getByText("Gate and device").click();
  await page.getByLabel("Gate").fill("East");
  await page.getByRole("button", { name: "Stop the camera" }).focus();

  await page.evaluate((code) => ((window as unknown as { __qr: string }).__qr = code), bought.tickets[0].code);
  const verdict = page.getByTestId("verdict");
  await expect(verdict).toHaveClass(/admit/);
  await expect(verdict).toContainText("Demo Buyer");
  await expect(page.getByLabel("Ticket code")).not.toBeFocused();
  // Still held up after the pause: no second scan, no red.
  await page.waitForTimeout(4500);
  await expect(verdict).toHaveClass(/admit/);
  await page.evaluate(() => ((window as unknown as { __qr: string }).__qr = ""));
  await page.getByRole("button", { name: "Stop the camera" }).click();

  const token = await tokenOf(baseURL!, organizer.email);
  const again = await api(baseURL!, token, "POST", "/api/v1/checkin", { code: bought.tickets[0].code });
  expect(again.status).toBe(409);
  expect(((await again.json()) as { gate: string }).gate).toBe("East");
});

// A shared door device: signing out drops the cached holder names; a scan queued offline by one
// user is not sent under the next user's token, but kept and sent when its owner signs in again.
// (No consoleErrors check: signing out offline lands on the shop, whose requests fail offline
// and Chromium logs each as an error.)
test("the door's saved list goes at sign-out and queued scans wait for their owner", async ({
  page,
  context,
  baseURL,
}) => {
  const bought = await buyTickets(baseURL!, radiohead, 1);
  const code = bought.tickets[0].code;
  const storage = () => page.evaluate(() => JSON.stringify(localStorage));
  await signInAs(page, organizer.email, `/scan/${radiohead}`);
  await expect(page.getByText(/^Check-in list: 1 tickets, updated /)).toBeVisible();
  expect(await storage()).toContain("Demo Buyer");

  await context.setOffline(true);
  await expect(page.getByTestId("door-connection")).toHaveText(/^Offline/);
  await page.getByLabel("Ticket code").fill(code);
  await page.getByRole("button", { name: "Check in" }).click();
  await expect(page.getByTestId("verdict")).toContainText("Provisional");
  await expect(page.getByTestId("door-queue")).toHaveText(/^1 offline scans waiting/);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
  const left = await storage();
  expect(left).not.toContain("Demo Buyer");
  expect(left).not.toContain(code);
  expect(left).toContain(bought.tickets[0].ticketId); // the queued scan, kept for its owner
  await context.setOffline(false);

  // Another user on the same device: no list of the first, none of their scans sent.
  await signInAs(page, admin.email, `/scan/${radiohead}`);
  await expect(page.getByText(/^Check-in list: 1 tickets, updated /)).toBeVisible();
  await expect(page.getByTestId("door-queue")).toHaveText("No scans waiting to be sent.");
  const token = await tokenOf(baseURL!, organizer.email);
  const list = (await (await api(baseURL!, token, "GET", `/api/v1/events/${radiohead}/checkin-list`)).json()) as {
    tickets: { ticketId: string; status: string }[];
  };
  expect(list.tickets.find((t) => t.ticketId === bought.tickets[0].ticketId)?.status).toBe("Valid");
  await page.getByRole("button", { name: "Sign out" }).click();

  // The owner again: the scan goes out under their token.
  await signInAs(page, organizer.email, `/scan/${radiohead}`);
  await expect(page.getByText("Sent 1 offline scans: 1 admitted, 0 conflicts.")).toBeVisible();
  await expect(page.getByTestId("door-queue")).toHaveText("No scans waiting to be sent.");
});

// The Door link is for those who scan: organizers and admins by role, anyone else once an
// organizer made them a Scanner of an event; a caller who may not scan an event is told so.
test("the door is offered to organizers, admins and granted scanners, and says when the caller may not scan", async ({
  page,
  baseURL,
  consoleErrors,
}) => {
  void consoleErrors;
  await signInAs(page, buyer.email, "/");
  await expect(page.getByRole("link", { name: "My orders" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Door", exact: true })).toHaveCount(0);
  await page.goto("/scan");
  await expect(page.getByText("There is no event you may scan at.")).toBeVisible();
  await expect(page.locator(".door-events li")).toHaveCount(0);
  await page.goto(`/scan/${radiohead}`);
  await expect(page.getByRole("alert").filter({ hasText: "You may not scan at this event" })).toBeVisible();
  await page.getByRole("link", { name: "Choose another event" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Door scanner" })).toBeVisible();

  // The organizer makes the buyer a Scanner of Radiohead: the Door link and the event appear.
  const organizerToken = await tokenOf(baseURL!, organizer.email);
  const granted = await api(baseURL!, organizerToken, "POST", `/api/v1/events/${radiohead}/scanners`, {
    email: buyer.email,
  });
  expect(granted.status).toBe(201);
  await page.reload();
  await page.getByRole("link", { name: "Door", exact: true }).click();
  await expect(page.locator(".door-events li")).toHaveCount(1);
  await page.getByRole("link", { name: "Radiohead Tribute Night" }).click();
  await expect(page.getByTestId("door-queue")).toBeVisible();

  await page.getByRole("button", { name: "Sign out" }).click();
  await signInAs(page, organizer.email, "/");
  await page.getByRole("link", { name: "Door", exact: true }).click();
  await expect(page.getByRole("link", { name: "Radiohead Tribute Night" })).toBeVisible();
});
