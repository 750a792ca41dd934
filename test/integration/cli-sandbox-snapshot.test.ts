import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { PortalModel } from "../../src/portal/model.js";
import { loadSeedFile } from "../../src/sandbox/seed.js";
import { startSandbox, type Sandbox } from "../../src/sandbox/server.js";
import { BIN, runBin } from "../helpers/cli.js";

const KEY = `sk-${"5".repeat(64)}`;
const EXAMPLE = "examples/sandbox-portal.json";

const normalised = (model: PortalModel) =>
  model
    .toSeed()
    .groups.map((g) => ({ ...g, memberIds: [...g.memberIds].sort() }))
    .sort((a, b) => a.id.localeCompare(b.id));

describe("snapshot", () => {
  let dir: string;
  const sandboxes: Sandbox[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "dm-snapshot-"));
  });
  afterEach(async () => {
    await Promise.all(sandboxes.splice(0).map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it("exports a sandbox that, loaded into a second sandbox, has the same groups and members", async () => {
    const seed = await loadSeedFile(EXAMPLE);
    if (!seed.ok) throw new Error(seed.problems.join("\n"));
    const first = await startSandbox({ seed: seed.seed, apiKey: KEY });
    sandboxes.push(first);
    const out = join(dir, "portal.json");
    const run = await runBin(["snapshot", "--out", out], {
      env: { DOCSPACE_URL: first.url, DOCSPACE_API_KEY: KEY },
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`snapshot: 8 groups, 53 users written to ${out} (GET requests only)\n`);
    expect(new Set(first.requests.map((r) => r.method))).toEqual(new Set(["GET"]));
    expect((await stat(out)).mode & 0o777).toBe(0o600);

    const exported = await loadSeedFile(out);
    if (!exported.ok) throw new Error(exported.problems.join("\n"));
    const second = await startSandbox({ seed: exported.seed, apiKey: KEY });
    sandboxes.push(second);
    // Every group, member (the disabled one included) and manager survives the trip.
    expect(normalised(second.model)).toEqual(normalised(first.model));
    const disabled = exported.seed.users.filter((u) => u.status === 2);
    expect(disabled).toHaveLength(1);
    expect(exported.seed.users.filter((u) => u.isVisitor)).toHaveLength(2);
  });

  it("--rooms also exports the rooms with their rows for these groups and people; --rooms reads them back the same", async () => {
    const seed = await loadSeedFile(EXAMPLE);
    if (!seed.ok) throw new Error(seed.problems.join("\n"));
    const first = await startSandbox({ seed: seed.seed, apiKey: KEY });
    sandboxes.push(first);
    const out = join(dir, "portal.json");
    const run = await runBin(["snapshot", "--out", out, "--rooms"], {
      env: { DOCSPACE_URL: first.url, DOCSPACE_API_KEY: KEY },
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`snapshot: 8 groups, 53 users, 5 rooms written to ${out} (GET requests only)\n`);
    expect(new Set(first.requests.map((r) => r.method))).toEqual(new Set(["GET"]));
    const exported = await loadSeedFile(out);
    if (!exported.ok) throw new Error(exported.problems.join("\n"));
    expect(exported.seed.rooms).toEqual(first.model.toSeed().rooms);
  });

  it("selects groups by id or exact name, and says which one it cannot find", async () => {
    const seed = await loadSeedFile(EXAMPLE);
    if (!seed.ok) throw new Error("seed");
    const s = await startSandbox({ seed: seed.seed, apiKey: KEY });
    sandboxes.push(s);
    const out = join(dir, "some.json");
    const env = { DOCSPACE_URL: s.url, DOCSPACE_API_KEY: KEY };
    const ok = await runBin(
      ["snapshot", "--out", out, "--group", "Sales", "--group", "4893776e-c6be-41e3-982b-c53af79194a3"],
      { env },
    );
    expect(ok.code).toBe(0);
    const written = JSON.parse(await readFile(out, "utf8")) as { groups: { name: string }[] };
    expect(written.groups.map((g) => g.name)).toEqual(["Sales", "Sales EMEA"]);
    const missing = await runBin(["snapshot", "--out", out, "--group", "sales"], { env });
    expect([missing.code, missing.stderr]).toEqual([2, '--group "sales": no group has that exact name\n']);
  });

  it("retries a transient failure instead of giving up on the export", async () => {
    const seed = await loadSeedFile(EXAMPLE);
    if (!seed.ok) throw new Error("seed");
    const s = await startSandbox({ seed: seed.seed, apiKey: KEY });
    sandboxes.push(s);
    s.faults.script((r) =>
      r.seq === 1 ? { kind: "status", status: 503 } : r.seq === 3 ? { kind: "reset" } : undefined,
    );
    const run = await runBin(["snapshot", "--out", join(dir, "x.json")], {
      env: { DOCSPACE_URL: s.url, DOCSPACE_API_KEY: KEY },
    });
    expect(run.code).toBe(0);
    expect(s.requests.slice(0, 3).map((r) => r.outcome)).toEqual([503, 200, "reset"]);
  });

  it("stops with exit 3 when the key is refused, without printing it", async () => {
    const seed = await loadSeedFile(EXAMPLE);
    if (!seed.ok) throw new Error("seed");
    const s = await startSandbox({ seed: seed.seed, apiKey: KEY });
    sandboxes.push(s);
    const wrong = `sk-${"6".repeat(64)}`;
    const run = await runBin(["snapshot", "--out", join(dir, "x.json")], {
      env: { DOCSPACE_URL: s.url, DOCSPACE_API_KEY: wrong },
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(
      "snapshot failed: GET /api/2.0/group?startIndex=0&count=100: HTTP 401 (the API key was not accepted)\n",
    );
    expect(run.stdout + run.stderr).not.toContain(wrong);
  });

  it("needs a URL and a key from the environment", async () => {
    const noUrl = await runBin(["snapshot", "--out", join(dir, "x.json")], {
      env: { DOCSPACE_API_KEY: KEY },
    });
    expect([noUrl.code, noUrl.stderr]).toEqual([
      2,
      "no portal URL: set DOCSPACE_URL (or portal.url in the manifest)\n",
    ]);
    const noKey = await runBin(["snapshot", "--out", join(dir, "x.json")], {
      env: { DOCSPACE_URL: "https://portal.example.com" },
    });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain("no API key: set DOCSPACE_API_KEY");
  });
});

describe("docspace-migrate sandbox (built bin)", () => {
  it("prints its address first, serves the portal with the key from the environment, and stops on SIGTERM", async () => {
    const child = spawn(process.execPath, [BIN, "sandbox", "--docspace-version", "3.6.2"], {
      env: { PATH: process.env.PATH ?? "", DOCSPACE_API_KEY: KEY },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const lines = createInterface({ input: child.stdout });
    const first = await new Promise<string>((resolve) => lines.once("line", resolve));
    expect(first).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/);
    const url = first.slice("listening on ".length);
    const res = await fetch(`${url}/api/2.0/settings/version/build`);
    expect(await res.json()).toMatchObject({ response: { docSpace: "3.6.2" } });
    const groups = await fetch(`${url}/api/2.0/group`, { headers: { Authorization: `Bearer ${KEY}` } });
    expect(await groups.json()).toMatchObject({ total: 8, status: 0 });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it("refuses a bad seed or version with exit 2", async () => {
    expect((await runBin(["sandbox", "--seed", "migrations.example.yaml"])).code).toBe(2);
    const badVersion = await runBin(["sandbox", "--docspace-version", "latest"]);
    expect([badVersion.code, badVersion.stderr]).toEqual([
      2,
      '--docspace-version "latest" is not a version; use e.g. 3.7.2 or 3.6.0\n',
    ]);
    expect((await runBin(["sandbox", "--fail-rate", "2"])).code).toBe(2);
  });
});
