// A hold that runs out while the buyer looks at the checkout: the countdown reaches zero, a
// clear message takes its place (and the focus), and the seats are back on sale.
import { expect, radiohead, signIn, test } from "./fixtures";

test.use({ serverEnv: { BOXOFFICE_INVENTORY_RESERVATION_TIMEOUT_SECONDS: "8" } });

test("a hold that expires in the UI", async ({ page, consoleErrors, checkA11y, shot }) => {
  void consoleErrors;
  await signIn(page, `/events/${radiohead}`);
  await expect(page.getByTestId("available-vip")).toHaveText("200 available");
  await page.getByLabel("Number of VIP tickets").selectOption("3");
  await page.getByRole("button", { name: "Hold seats" }).click();
  await expect(page.getByText("Your seats are held.")).toBeVisible();
  await expect(page.getByTestId("countdown")).toHaveText(/Time left to pay: 0:0[0-8]/);

  const expired = page.getByTestId("hold-expired");
  await expect(expired).toBeVisible({ timeout: 20_000 });
  await expect(expired).toHaveText(/Your hold ran out/);
  await expect(expired).toBeFocused();
  await expect(page.getByRole("button", { name: /^Pay / })).toHaveCount(0);
  await checkA11y("hold expired");
  await shot("hold-expired");

  await page.getByRole("link", { name: "Back to the event" }).click();
  await expect(page).toHaveURL(`/events/${radiohead}`);
  await expect(page.getByTestId("available-vip")).toHaveText("200 available");
});
