// The HTML report of 500 moves and 20,000 people, opened in headless Chromium (Debian's `chromium`):
// the time from navigation to the load event and to the first paint, beside a plain page of the same
// size in text (the browser's own floor on this machine, measured in the same run). Prints figures;
// asserts nothing. Target (issue 13): the page renders in under 2 s.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
/* global requestAnimationFrame -- runs in the page */
import { toHtml } from "../dist/report/html.js";
import { bigReport } from "./lib/big-report.mjs";
import { launchChromium } from "./lib/chromium.mjs";

const MOVES = 500;
const PER_MOVE = 40;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

export const report = () => bigReport(MOVES, PER_MOVE);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchHtmlRender() {
  const dir = mkdtempSync(join(tmpdir(), "html-bench-"));
  const browser = await launchChromium();
  try {
    const t0 = performance.now();
    const html = toHtml(report());
    const buildMs = performance.now() - t0;
    const page = join(dir, "report.html");
    writeFileSync(page, html);
    // The floor: a page of plain text of the same size, on the same browser.
    const plain = join(dir, "plain.html");
    writeFileSync(plain, `<!doctype html><pre>${"y".repeat(html.length)}</pre>`);
    const time = async (file, complete) => {
      const tab = await browser.newPage();
      const start = performance.now();
      await tab.goto(pathToFileURL(file).href, { waitUntil: "load" });
      await tab.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(undefined))));
      const shown = performance.now() - start;
      if (complete) await tab.waitForSelector("html[data-rows=complete]", { timeout: 120_000 });
      const all = performance.now() - start;
      await tab.close();
      return { shown, all };
    };
    const pageMs = [];
    const allMs = [];
    const plainMs = [];
    for (let i = 0; i < RUNS; i++) {
      const t = await time(page, true);
      pageMs.push(t.shown);
      allMs.push(t.all);
      plainMs.push((await time(plain, false)).shown);
    }
    return {
      moves: MOVES,
      people: MOVES * PER_MOVE,
      bytes: html.length,
      buildMs,
      pageMs: median(pageMs),
      allMs: median(allMs),
      plainMs: median(plainMs),
    };
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printHtmlRender(r) {
  console.log(
    `html-render: ${r.moves} moves, ${r.people} people, ${(r.bytes / 1048576).toFixed(2)} MiB of HTML, built in ${r.buildMs.toFixed(0)} ms`,
  );
  console.table([
    {
      case: "HTML report: navigation to the first screen (load + first frame)",
      "median ms": r.pageMs.toFixed(0),
    },
    { case: "HTML report: every one of the 20,000 rows in the table", "median ms": r.allMs.toFixed(0) },
    { case: "baseline: plain text page of the same size", "median ms": r.plainMs.toFixed(0) },
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) printHtmlRender(await benchHtmlRender());
