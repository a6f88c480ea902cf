// The rest of the buyer's account: "My orders" with a status history, passing a ticket on, and
// the in-app notifications.
import { expect, radiohead, test } from "./fixtures";
import { buyTickets, organizer, signInAs, stableShot } from "./door-helpers";

test("my orders show a status history", async ({ page, baseURL, consoleErrors, checkA11y }) => {
  void consoleErrors;
  await buyTickets(baseURL!, radiohead, 2);
  await signInAs(page, "buyer@boxoffice.local", "/");
  await page.getByRole("link", { name: "My orders" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "My orders" })).toBeFocused();
  const order = page.getByTestId("my-order");
  await expect(order).toHaveCount(1);
  await expect(order).toContainText("Radiohead Tribute Night");
  await expect(order.locator(".status")).toHaveText("Completed");
  await order.getByRole("button", { name: "Status history" }).click();
  const history = order.locator("ol.history li");
  await expect(history).toHaveCount(4);
  await expect(history.nth(0)).toContainText("Holding seats");
  await expect(history.nth(1)).toContainText("Seats held");
  await expect(history.nth(2)).toContainText("Paid");
  await expect(history.nth(3)).toContainText("Completed");
  await checkA11y("my orders");
  await stableShot(page, "my-orders");

  await page.getByRole("link", { name: "Notifications" }).click();
  await expect(page.getByTestId("notification").first()).toBeVisible();
  await checkA11y("notifications");
  // Preferences: the API's refusal at its field, then a save.
  const zone = page.getByLabel("Time zone");
  await zone.fill("Mars/Olympus_Mons");
  await page.getByRole("button", { name: "Save preferences" }).click();
  await expect(zone).toHaveAttribute("aria-invalid", "true");
  await zone.fill("Europe/Berlin");
  await page.locator("#pref-email-marketing").uncheck();
  await page.getByRole("button", { name: "Save preferences" }).click();
  await expect(page.getByText("Preferences saved.")).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Time zone")).toHaveValue("Europe/Berlin");
  await expect(page.locator("#pref-email-marketing")).not.toBeChecked();
});

test("a buyer transfers a ticket from My tickets", async ({ page, baseURL, consoleErrors, checkA11y }) => {
  void consoleErrors;
  const bought = await buyTickets(baseURL!, radiohead, 1);
  const code = bought.tickets[0].code;
  await signInAs(page, "buyer@boxoffice.local", "/tickets");
  await page.getByRole("button", { name: `Transfer ticket ${code}` }).click();
  // Their own address: the API's refusal is shown.
  await page.getByLabel("Recipient's email").fill("buyer@boxoffice.local");
  await page.getByRole("button", { name: "Transfer", exact: true }).click();
  await expect(page.getByRole("alert")).toContainText("Give an email other than your own.");
  await checkA11y("transfer refused");

  await page.getByLabel("Recipient's email").fill(organizer.email);
  await page.getByRole("button", { name: "Transfer", exact: true }).click();
  await expect(page.getByTestId("transfer")).toContainText(`Transferred to ${organizer.email}`);
  await expect(page.locator(".ticket .ticket-status")).toHaveText("Transferred");
  await expect(page.getByRole("button", { name: `Transfer ticket ${code}` })).toHaveCount(0);
});
