// The door scanner: a ticket scanned twice (green, then red with when and where it was first
// scanned), and a check-in made offline that is sent when the connection comes back.
import { expect, radiohead, test } from "./fixtures";
import { api, buyTickets, organizer, signInAs, stableShot, tokenOf } from "./door-helpers";

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
