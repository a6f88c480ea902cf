// The browser tests (make test runs them through CTest: tests/CMakeLists.txt, "web: browser
// tests"). Debian's chromium drives the real binary; Playwright never downloads a browser.
import { defineConfig } from "@playwright/test";

const outputRoot = process.env.BX_E2E_OUTPUT ?? "../build/web-e2e";

export default defineConfig({
  testDir: "e2e",
  outputDir: `${outputRoot}/results`,
  // Two cores, shared: one browser at a time, and each test starts its own server.
  workers: 1,
  fullyParallel: false,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  retries: 0,
  reporter: [["list"]],
  use: {
    browserName: "chromium",
    headless: true,
    launchOptions: {
      executablePath: process.env.BX_CHROMIUM ?? "/usr/bin/chromium",
      // Running as root (CI containers) needs --no-sandbox; the browser only visits our server.
      args: ["--no-sandbox", "--disable-dev-shm-usage"],
    },
    locale: "en-GB",
    trace: "off",
    // Every test leaves a picture of how it ended (<output>/results/<test>/test-finished-1.png),
    // besides the named ones the tests take along the way (<output>/screenshots).
    screenshot: "on",
  },
});
