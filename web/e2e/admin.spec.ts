// The admin pages: a purchase's audit story, users and roles, and the page kept from non-admins.
import { expect, radiohead, test } from "./fixtures";
import { admin, buyTickets, signInAs, stableShot } from "./door-helpers";

test("an admin reads the audit story of a purchase", async ({ page, baseURL, consoleErrors, checkA11y }) => {
  void consoleErrors;
  const bought = await buyTickets(baseURL!, radiohead, 1);
  await signInAs(page, admin.email, "/");
  await page.getByRole("link", { name: "Admin" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Administration" })).toBeFocused();
  await expect(page.getByText("buyer@boxoffice.local")).toBeVisible();
  await checkA11y("admin, users");
  // Roles, saga states and delivery statuses in words, not the API's values.
  await expect(page.getByRole("checkbox", { name: "Organizer" }).first()).toBeVisible();
  await expect(page.getByRole("checkbox", { name: "User (buyer)" }).first()).toBeVisible();
  await page.getByLabel("Language").selectOption("de");
  await expect(page.getByRole("checkbox", { name: "Veranstalter" }).first()).toBeVisible();
  await page.getByLabel("Sprache").selectOption("en");
  await page.getByRole("link", { name: "Sagas" }).click();
  await expect(page.getByLabel("State").locator("option")).toContainText(["All", "Started", "In progress"]);
  await expect(page.locator(".admin-list strong").first()).toHaveText("Completed");
  await page.getByRole("link", { name: "Delivery log" }).click();
  await expect(page.getByLabel("Status").locator("option")).toContainText(["All", "Queued", "Sent"]);
  await page.getByLabel("Language").selectOption("de");
  await expect(page.getByLabel("Status").locator("option")).toContainText(["Alle", "In der Warteschlange"]);
  await page.getByLabel("Sprache").selectOption("en");

  await page.getByRole("link", { name: "Dead letters" }).click();
  await expect(page.getByText("No dead letters.")).toBeVisible();

  await page.getByRole("link", { name: "Audit story" }).click();
  await page.getByLabel("Correlation id").fill(bought.correlationId);
  await page.getByRole("button", { name: "Show the story" }).click();
  await expect(page).toHaveURL(/section=audit&correlationId=/);
  const story = page.getByTestId("audit-story");
  await expect(story).toContainText("OrderPlaced");
  await expect(story).toContainText("PaymentCompleted");
  await expect(story).toContainText("OrderCompleted");
  // In the order they happened.
  const types = await story.locator("summary strong").allTextContents();
  expect(types.indexOf("OrderPlaced")).toBeLessThan(types.indexOf("OrderCompleted"));
  await checkA11y("admin, audit story");
  await stableShot(page, "admin");

  // An unknown correlation id: the API's 404 in words.
  await page.getByLabel("Correlation id").fill("no-such-correlation");
  await page.getByRole("button", { name: "Show the story" }).click();
  await expect(page.getByRole("alert")).toContainText("No audit record has correlationId 'no-such-correlation'.");

  // "My orders" is the admin's own orders (none), not the buyer's.
  await page.getByRole("link", { name: "My orders" }).click();
  await expect(page.getByText("You have no orders yet.")).toBeVisible();
});

test("a buyer is kept out of the admin page", async ({ page, consoleErrors }) => {
  void consoleErrors;
  await signInAs(page, "buyer@boxoffice.local", "/admin");
  await expect(page.getByText("This page is for administrators.")).toBeVisible();
  await expect(page.getByRole("link", { name: "Admin" })).toHaveCount(0);
});
