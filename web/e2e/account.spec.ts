// Signing up (the API's field errors at their fields), signing out, and the shop by keyboard only.
import { expect, radiohead, signIn, test } from "./fixtures";

test("sign up, with the password policy's refusal shown at the field", async ({
  page,
  consoleErrors,
  checkA11y,
  shot,
}) => {
  void consoleErrors;
  await page.goto("/");
  await page.getByRole("link", { name: "Sign up" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Create an account" })).toBeFocused();
  await page.getByLabel("Your name").fill("Ada <b>Lovelace</b>");
  await page.getByLabel("Email").fill("ada@example.org");
  await page.getByLabel("Password", { exact: true }).fill("password123");
  await page.getByRole("button", { name: "Create account" }).click();
  const password = page.getByLabel("Password", { exact: true });
  await expect(password).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#password-error")).not.toBeEmpty();
  await checkA11y("sign up with an error");
  await shot("refused");

  await password.fill("Lantern-orchard-4711");
  await page.getByRole("button", { name: "Create account" }).click();
  // The name is shown as text, never as markup.
  await expect(page.getByText("Signed in as Ada <b>Lovelace</b>")).toBeVisible();
  await expect(page.locator(".who b")).toHaveCount(0);
  await page.getByRole("link", { name: "My tickets" }).click();
  await expect(page.getByText("You have no tickets yet.")).toBeVisible();
  await checkA11y("my tickets, empty");
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
  // A page that needs an account sends the visitor to sign in, and back afterwards.
  await page.goto("/tickets");
  await expect(page).toHaveURL(/\/signin\?next=%2Ftickets$/);
});

test("hold seats with the keyboard only", async ({ page, consoleErrors }) => {
  void consoleErrors;
  await signIn(page, `/events/${radiohead}`);
  // On a fresh load (the session comes back from the cookie) the skip link is the first stop,
  // and it moves the focus to the content.
  await page.reload();
  await expect(page.getByTestId("available-vip")).toHaveText("200 available");
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
  await page.keyboard.press("Enter");
  const vip = page.getByLabel("Number of VIP tickets");
  for (let i = 0; i < 20 && !(await vip.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press("Tab");
  }
  await expect(vip).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await expect(vip).toHaveValue("1");
  const hold = page.getByRole("button", { name: "Hold seats" });
  for (let i = 0; i < 5 && !(await hold.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press("Tab");
  }
  await expect(hold).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByText("Your seats are held.")).toBeVisible();
  await expect(page.getByRole("heading", { level: 1 })).toBeFocused();
});
