// What every browser test shares: a server of its own, the page pointed at it, a check that the
// page never broke its Content-Security-Policy or logged an error, axe-core on every page
// visited, and screenshots under build/web-e2e/screenshots.
import { test as base, expect, type Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { signInAs } from "./door-helpers";
import { startServer, type Server } from "./server";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const screenshots = `${process.env.BX_E2E_OUTPUT ?? "../build/web-e2e"}/screenshots`;

interface Fixtures {
  serverEnv: Record<string, string>;
  server: Server;
  consoleErrors: string[];
  checkA11y: (label: string) => Promise<void>;
  shot: (name: string) => Promise<void>;
}

// Serious and critical violations fail the test; the rest are printed.
async function runAxe(page: Page, label: string) {
  // page.evaluate runs over the DevTools protocol, which the page's CSP does not govern: no
  // inline <script> and no policy exception are needed to inject axe.
  await page.evaluate(axeSource);
  const results = (await page.evaluate(() =>
    (window as unknown as { axe: { run: (o: object) => Promise<unknown> } }).axe.run({
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    }),
  )) as { violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] };
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  for (const v of results.violations.filter((v) => !bad.includes(v))) {
    console.log(`axe (${label}): ${v.impact} ${v.id}: ${v.help}`);
  }
  expect(
    bad.map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
    `axe on ${label}`,
  ).toEqual([]);
}

export const test = base.extend<Fixtures>({
  serverEnv: [{}, { option: true }],
  server: async ({ serverEnv }, use, testInfo) => {
    const server = await startServer(serverEnv);
    await use(server);
    await server.stop();
    if (testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach("server log", { body: server.logs(), contentType: "text/plain" });
      console.log(server.logs().split("\n").slice(-40).join("\n"));
    }
  },
  consoleErrors: async ({ page }, use) => {
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(e.message));
    await use(errors);
    // A CSP refusal shows up here ("Refused to ..."): the page must live within its policy. A
    // request a test made the browser attempt offline (context.setOffline) is logged, not a fault.
    expect(errors.filter((e) => !e.includes("status of 4") && !e.includes("ERR_INTERNET_DISCONNECTED"))).toEqual([]);
  },
  baseURL: async ({ server }, use) => use(server.url),
  checkA11y: async ({ page }, use) => use((label) => runAxe(page, label)),
  shot: async ({ page }, use, testInfo) =>
    use(async (name) => {
      const slug = testInfo.title.replace(/[^a-z0-9]+/gi, "-").toLowerCase();
      await page.screenshot({ path: `${screenshots}/${slug}-${name}.png`, fullPage: true });
    }),
});

export { expect };

export const buyer = { email: "buyer@boxoffice.local", password: "demo-password-2026" };
export const radiohead = "0d3e0000-0000-4000-8000-000000000101";
export const tacvba = "0d3e0000-0000-4000-8000-000000000102";

export async function signIn(page: Page, next = "/") {
  await signInAs(page, buyer.email, next);
}
