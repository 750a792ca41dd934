// Debian's Chromium, headless, with no network of its own (background services, updates and sync
// off, a fresh profile): for the HTML report's tests, its benchmark and the README's screenshots.
import { existsSync } from "node:fs";
import puppeteer from "puppeteer-core";

/** `apt-get install chromium` puts it here; CHROMIUM_PATH names another. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Fails with a clear message when the browser is not installed (nothing is skipped). */
export function launchChromium() {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
}
