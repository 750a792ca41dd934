/// <reference lib="dom" />
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "puppeteer-core";
import { TOP_GROUPS } from "../../src/report/html.js";
import type { Report } from "../../src/report/types.js";
import { bigReport } from "../helpers/big-report.js";
import { launchBrowser } from "../helpers/browser.js";
import { runBin } from "../helpers/cli.js";

/**
 * The HTML report in a real browser (Debian's Chromium, headless): every move and person on the page,
 * nothing fetched, hostile names shown as text, the search working under the page's own CSP.
 */
let browser: Browser;
let dir: string;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser.close();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "html-report-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Opened {
  readonly page: Page;
  readonly text: string;
  /** Every request the page made besides loading itself. */
  readonly requests: string[];
  /** Console errors (a Content-Security-Policy violation is one). */
  readonly errors: string[];
}

async function open(file: string): Promise<Opened> {
  const page = await browser.newPage();
  const url = pathToFileURL(file).href;
  const requests: string[] = [];
  const errors: string[] = [];
  page.on("request", (r) => {
    if (r.url() !== url) requests.push(r.url());
  });
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(url, { waitUntil: "load" });
  // The people table is built a block at a time once the page shows; wait for the last block.
  await page.waitForSelector("html[data-rows=complete]");
  const text = await page.evaluate(() => document.body.innerText);
  return { page, text, requests, errors };
}

/** Renders a report with the built bin's `report` command. */
async function render(report: Report, name: string): Promise<string> {
  const json = join(dir, `${name}.json`);
  const html = join(dir, `${name}.html`);
  await writeFile(json, JSON.stringify(report));
  const res = await runBin(["report", json, "--html", html]);
  expect({ code: res.code, stderr: res.stderr }).toEqual({ code: 0, stderr: "" });
  expect(res.stdout).toContain(`HTML: ${html}`);
  return html;
}

const displayed = (report: Report): string[] =>
  Object.values(report.people).flatMap((p) => (p.displayName === null ? [] : [p.displayName]));

describe("the HTML report, in headless Chromium", () => {
  it("the demo writes its run as a page; every move and person is on it, nothing is fetched", async () => {
    const demo = await runBin(["demo"], { cwd: dir });
    expect(demo.code).toBe(0);
    const html = /^HTML: (.+\.html)$/m.exec(demo.stdout)?.[1];
    expect(html).toBeDefined();
    const jsonPath = /^Report: (.+\.json)$/gm;
    const reports = [...demo.stdout.matchAll(jsonPath)].map((m) => m[1] ?? "");
    const report = JSON.parse(await readFile(join(dir, reports[reports.length - 1] ?? ""), "utf8")) as Report;
    const plan = JSON.parse(await readFile(join(dir, reports[0] ?? ""), "utf8")) as Report;
    expect(plan.mode).toBe("dry-run");
    const { page, text, requests, errors } = await open(join(dir, html ?? ""));
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
    expect(text).toContain(`Run of 6 moves on ${report.portal}`);
    for (const m of report.moves) expect(text).toContain(m.id);
    for (const name of displayed(report)) expect(text).toContain(name);
    expect(text).toContain("no group (guests removed)");
    // Each move's groups before → after, as the run recorded them: what the preview predicted.
    const counts = await page.$$eval("table:not(#people) tbody tr", (rows) =>
      rows.map((r) => Array.from(r.querySelectorAll("td"), (td) => td.textContent).slice(3, 5)),
    );
    expect(counts).toEqual(
      plan.moves.map((m) => [
        `${m.preview?.sourceBefore} → ${m.preview?.sourceAfter}`,
        `${m.preview?.destinationBefore} → ${m.preview?.destinationAfter}`,
      ]),
    );
    expect(text).toContain("Managers who lose the role");
    // The style applied (its hash is in the CSP) and the search script runs (its hash too).
    const weight = await page.$eval(".outcome", (e) => getComputedStyle(e).fontWeight);
    expect(weight).toBe("600");
    const total = await page.$$eval("#people tbody tr", (rows) => rows.length);
    await page.type("#search", "Anna Berg");
    const shown = await page.$$eval("#people tbody tr:not(.hidden)", (rows) =>
      rows.map((r) => r.textContent),
    );
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.length).toBeLessThan(total);
    for (const row of shown) expect(row).toContain("Anna Berg");
    expect(await page.$eval("#shown", (e) => e.textContent)).toBe(String(shown.length));
    await page.close();
  });

  it("a name from the portal stays text: no markup, no script, no request", async () => {
    const hostileGroup = `<img src="https://attacker.example/x.png" onerror="window.pwned=1">`;
    const hostilePerson = `</script><script>window.pwned=2</script>`;
    const report = bigReport(3, 2, {
      group: (i) => (i === 0 ? hostileGroup : `Team ${i}`),
      person: (n) => (n === 0 ? hostilePerson : `Person ${n}`),
    });
    const { page, text, requests, errors } = await open(await render(report, "hostile"));
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
    expect(text).toContain(hostileGroup);
    expect(text).toContain(hostilePerson);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await page.$$eval("img", (imgs) => imgs.length)).toBe(0);
    // The page's one script, and the people as a data block that never runs.
    expect(await page.$$eval("script", (s) => s.map((x) => x.type))).toEqual(["application/json", ""]);
    const csp = await page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) =>
      m.getAttribute("content"),
    );
    expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[^']+'; script-src 'sha256-[^']+';/);
    await page.close();
  });

  it("500 moves and 20,000 people: every move and person on the page, groups past the top folded", async () => {
    const report = bigReport(500, 40);
    const { page, text, requests, errors } = await open(await render(report, "big"));
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
    const lines = new Set(text.split("\n").flatMap((l) => l.split("\t")));
    for (const m of report.moves) expect(lines.has(m.id)).toBe(true);
    const names = displayed(report);
    expect(names).toHaveLength(20_000);
    for (const name of names) if (!lines.has(name)) throw new Error(`${name} is not on the page`);
    expect(text).toContain(`${500 - TOP_GROUPS} other groups`);
    expect(text).toContain("Plan (dry run) of 500 moves");
    expect(text).toContain("20000\npeople will move");
    await page.close();
  });

  it("`report` refuses what is not a report, and says what to write", async () => {
    const bad = join(dir, "bad.json");
    await writeFile(bad, JSON.stringify({ hello: "world" }));
    const res = await runBin(["report", bad, "--html", join(dir, "out.html")]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("not a docspace-migrate report");
    const none = await runBin(["report", bad]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("--html <file>");
  });
});
