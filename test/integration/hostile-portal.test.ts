import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Fate, RequestInfo } from "../../src/sandbox/faults.js";
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

  it("a redirect on a request with a body (the DELETE that completes a move before v3.7.1): not followed, not retried (exit 3)", async () => {
    await h.start(smallSeed(), { version: "3.6.2" });
    h.sandbox.faults.script((r) =>
      r.method === "DELETE" ? { kind: "body", status: 307, text: "" } : undefined,
    );
    const res = await runAgainst(manifest(`{ from: ${g(1)}, to: ${g(2)} }`));
    expect(res.code).toBe(3);
    expect(res.all).toMatch(
      /DELETE \/api\/2\.0\/group\/[0-9a-f-]+\/members: the portal redirects; the tool does not follow redirects/,
    );
    expect(h.calls().filter((line) => line.startsWith("DELETE"))).toHaveLength(1);
    expect(JSON.parse(res.report)).toMatchObject({ exitCode: 3 });
  });

  type Row = [string, (r: RequestInfo) => Fate | undefined, string[], number, RegExp];
  const on =
    (method: string, path: RegExp, fate: Fate) =>
    (r: RequestInfo): Fate | undefined =>
      r.method === method && path.test(r.path) ? fate : undefined;
  const json = (response: unknown): string => JSON.stringify({ response, status: 0, statusCode: 200 });
  const rows: Row[] = [
    [
      "an endless body on a group read: refused at 64 MiB, not retried (blocking problem, exit 1)",
      on("GET", /^\/api\/2\.0\/group\/[0-9a-f-]+$/, { kind: "flood" }),
      ["--dry-run"],
      1,
      /larger than 64 MiB/,
    ],
    [
      "permissions that are not a list: the key's rights cannot be told, nothing crashes (exit 0)",
      on("GET", /keys\/@self/, { kind: "body", status: 200, text: json({ permissions: "accounts:read" }) }),
      [],
      0,
      /permissions could not be read/,
    ],
    [
      "a version that is an object: version unknown, every move read back (exit 0)",
      on("GET", /settings\/version/, { kind: "body", status: 200, text: json({ docSpace: { major: 3 } }) }),
      [],
      0,
      /version unknown/,
    ],
    [
      "a group list item without an id: a clear blocking problem (exit 1)",
      on("GET", /^\/api\/2\.0\/group$/, { kind: "body", status: 200, text: json([{ name: "Sales" }]) }),
      ["--dry-run"],
      1,
      /the groups could not be searched for "Sales".*a group's id is not a string/,
    ],
    [
      "a group list item with a numeric id: a clear blocking problem (exit 1)",
      on("GET", /^\/api\/2\.0\/group$/, {
        kind: "body",
        status: 200,
        text: json([{ id: 7, name: "Sales" }]),
      }),
      ["--dry-run"],
      1,
      /a group's id is not a string/,
    ],
    [
      "a redirect: where it points, and that it is not followed (exit 3)",
      () => ({ kind: "body", status: 302, text: "" }),
      [],
      3,
      /the portal redirects \(HTTP 302\); the tool does not follow redirects/,
    ],
    [
      "a long Retry-After on a group read in a dry run defers (exit 4), not a blocking problem",
      on("GET", /^\/api\/2\.0\/group\/[0-9a-f-]+$/, { kind: "status", status: 429, retryAfter: "7200" }),
      ["--dry-run"],
      4,
      /asks to wait 7200 s, longer than --max-wait/,
    ],
  ];

  it.each(rows)("%s", async (_name, script, args, code, said) => {
    await h.start(smallSeed());
    h.sandbox.faults.script(script);
    const res = await runAgainst(manifest(`{ from: ${g(1)}, to: { name: "Sales" } }`), args);
    expect(res.code).toBe(code);
    expect(res.all).toMatch(said);
    expect(res.all).not.toMatch(/internal error|is not a function|Cannot read properties/);
    expect(JSON.parse(res.report)).toMatchObject({ exitCode: code });
  });
});
