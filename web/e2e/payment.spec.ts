// The card is refused: a bad check digit is named at the field (the API's problem+json
// `errors`), and a declined card is shown at the card number, with a way to pay again.
import { expect, signIn, tacvba, test } from "./fixtures";

test("a declined card shows an inline error", async ({ page, consoleErrors, checkA11y, shot }) => {
  void consoleErrors;
  await signIn(page, `/events/${tacvba}`);
  await page.getByLabel("Number of Stalls tickets").selectOption("1");
  await page.getByRole("button", { name: "Hold seats" }).click();
  await expect(page.getByText("Your seats are held.")).toBeVisible();

  // Luhn: the server's 400 names card.number; the message sits under the field, which gets focus.
  await page.getByLabel("Card number").fill("4242 4242 4242 4241");
  await page.getByLabel("Security code (CVC)").fill("123");
  await page.getByRole("button", { name: /^Pay / }).click();
  // Every field the server refused is marked: the name on the card was left empty too.
  await expect(page.locator("#card-holder-error")).toHaveText("must not be empty");
  const number = page.getByLabel("Card number");
  await expect(page.locator("#card-number-error")).toHaveText(/check digit/);
  await expect(number).toHaveAttribute("aria-invalid", "true");
  await expect(number).toBeFocused();
  await checkA11y("card check digit error");
  await page.getByLabel("Name on the card").fill("Buyer Demo");

  // The test card that is declined: the order fails, the refusal sits at the card number.
  await number.fill("4000 0000 0000 0002");
  await page.getByRole("button", { name: /^Pay / }).click();
  await expect(page.locator("#card-number-error")).toHaveText("the card was declined", { timeout: 30_000 });
  await expect(page.getByRole("status")).toHaveText(/This order failed: the card was declined/);
  await checkA11y("card declined");
  await shot("declined");

  // Another card: a new order for the same seats, paid.
  await number.fill("4242 4242 4242 4242");
  await page.getByRole("button", { name: /^Pay / }).click();
  await expect(page.getByText("Done! Your tickets are ready.")).toBeVisible({ timeout: 30_000 });
});
