import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Fate } from "../../src/sandbox/faults.js";
import { runBin, type CliRun } from "../helpers/cli.js";
import { g, group, smallSeed, user } from "../helpers/portal.js";
import { KEY, manifest, RunHarness } from "../helpers/run.js";

let h: RunHarness;
beforeEach(() => {
  h = new RunHarness();
});
afterEach(async () => {
  await h.close();
});

/** The built bin, run against the sandbox with its log in a file; everything it wrote, together. */
async function runAgainst(
  text: string,
  args: string[] = [],
): Promise<CliRun & { report: string; log: string; all: string }> {
  const file = join(h.dir, "m.yaml");
  await writeFile(file, text);
  const reportPath = join(h.dir, "r.json");
  const logPath = join(h.dir, "log.jsonl");
  const res = await runBin(["--log-file", logPath, "run", file, "--report", reportPath, ...args], {
    env: { DOCSPACE_URL: h.sandbox.url, DOCSPACE_API_KEY: KEY },
  });
  const report = await readFile(reportPath, "utf8").catch(() => "");
  const log = await readFile(logPath, "utf8").catch(() => "");
  return { ...res, report, log, all: [res.stdout, res.stderr, report, log].join("\n") };
}

const ESC = "\u001b";
const hostileNames = {
  title: `Sales${ESC}]0;owned\u0007`,
  clear: `Support${ESC}[2J`,
  link: `${ESC}]8;;https://evil.example${ESC}\\click${ESC}]8;;${ESC}\\`,
  bidi: "Finance\u202eecnaniF",
};

describe("a hostile portal (built bin)", () => {
  it("an error message that echoes the Authorization header: the key is nowhere, not in the report either", async () => {
    await h.start(smallSeed());
    const echo: Fate = {
      kind: "body",
      status: 400,
      text: JSON.stringify({
        error: { message: `Bad request: Authorization: Bearer ${KEY}` },
        status: 1,
        statusCode: 400,
      }),
    };
    h.sandbox.faults.script((r) => (r.method === "PUT" ? echo : undefined));
    const res = await runAgainst(manifest(`{ from: ${g(1)}, to: ${g(2)} }`));
    expect(res.code).toBe(1);
    expect(res.all).toContain("Bad request: Authorization: Bearer sk-***");
    expect(res.all).not.toContain(KEY);
  });

  it("names that would drive the terminal are printed escaped; the report keeps them as data", async () => {
    await h.start({
      users: [user(1, { displayName: `Eve${ESC}[31m` }), user(2), user(3)],
      groups: [
        group(1, [1, 2], 1, hostileNames.title),
        group(2, [3], null, hostileNames.clear),
        group(3, [], null, hostileNames.link),
        group(4, [], null, hostileNames.bidi),
      ],
    });
    const res = await runAgainst(
      manifest(`{ from: ${g(1)}, to: ${g(2)} }`, `{ from: ${g(3)}, to: ${g(4)} }`),
      ["--dry-run"],
    );
    expect(res.code).toBe(0);
    for (const stream of [res.stdout, res.stderr]) {
      expect(stream).not.toContain(ESC);
      expect(stream).not.toContain("\u0007");
      expect(stream).not.toContain("\u202e");
    }
    expect(res.stdout).toContain("Sales\\x1b]0;owned\\x07");
    expect(res.stdout).toContain("Finance\\u202eecnaniF");
    expect(JSON.parse(res.report)).toMatchObject({ moves: [{ from: { name: hostileNames.title } }, {}] });
  });
});
