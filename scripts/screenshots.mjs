// The README's pictures of the HTML report: the demo's run and a 500-move plan, rendered by
// `docspace-migrate report` and photographed in headless Chromium. `npm run build` first; run from
// the project folder: node scripts/screenshots.mjs
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { report } from "../bench/html-render.mjs";
import { launchChromium } from "../bench/lib/chromium.mjs";

const bin = resolve("bundle/main.js");
const dir = mkdtempSync(join(tmpdir(), "screenshots-"));
try {
  execFileSync(process.execPath, [bin, "demo"], { cwd: dir, stdio: "ignore" });
  // The demo's run, with where it ran and who ran it made neutral: the picture names no machine.
  const run = readdirSync(join(dir, "reports")).find((f) => f.endsWith(".json") && !f.includes("dry-run"));
  const demo = JSON.parse(readFileSync(join(dir, "reports", run ?? ""), "utf8"));
  demo.manifest.path = "/srv/reorg/migrations.example.yaml";
  demo.ranBy = { ...demo.ranBy, osUser: "admin", host: "ops-01" };
  const pages = { demo, big: report() };
  for (const [name, value] of Object.entries(pages)) {
    writeFileSync(join(dir, `${name}.json`), JSON.stringify(value));
    const html = join(dir, `${name}.html`);
    execFileSync(process.execPath, [bin, "report", join(dir, `${name}.json`), "--html", html], {
      stdio: "ignore",
    });
  }
  const browser = await launchChromium();
  for (const [file, out, height] of [
    [join(dir, "demo.html"), "docs/report-demo.png", 1500],
    [join(dir, "big.html"), "docs/report-500-moves.png", 1100],
  ]) {
    const page = await browser.newPage();
    await page.setViewport({ width: 1240, height });
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
    await page.waitForSelector("html[data-rows=complete]", { timeout: 120_000 });
    await page.screenshot({ path: out });
    console.log(`wrote ${out}`);
  }
  await browser.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
