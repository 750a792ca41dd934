import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Seed } from "../../src/portal/types.js";
import { runBin } from "../helpers/cli.js";
import { g, u, user } from "../helpers/portal.js";
import { KEY, manifest, RunHarness } from "../helpers/run.js";

/** `n` disjoint moves: group 2i (3 members, the first its manager) into the empty group 2i+1. */
function disjoint(n: number): { seed: Seed; text: string } {
  const seed: Seed = {
    users: Array.from({ length: 3 * n }, (_, i) => user(i + 1)),
    groups: Array.from({ length: 2 * n }, (_, i) => ({
      id: g(i + 1),
      name: `Group ${i + 1}`,
      managerId: i % 2 === 0 ? u((i / 2) * 3 + 1) : null,
      memberIds: i % 2 === 0 ? [1, 2, 3].map((k) => u((i / 2) * 3 + k)) : [],
    })),
  };
  const moves = Array.from(
    { length: n },
    (_, i) => `{ id: m${i}, from: ${g(2 * i + 1)}, to: ${g(2 * i + 2)} }`,
  );
  return { seed, text: manifest(...moves) };
}

/** The sandbox's request log by kind: what the client sent, counted. */
function counted(calls: readonly string[]): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const call of calls) {
    const kind = call
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "{id}")
      .replace(/\/\d+(\/|$)/g, "/{n}$1");
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return kinds;
}

const N = 25;
/** The preflight's three checks, once each. */
const CHECKS = {
  "GET /api/2.0/settings/version/build": 1,
  "GET /api/2.0/keys/@self": 1,
  "GET /api/2.0/people/@self": 1,
};
/** A dry run by id: the checks, each group read once, and each source's disabled members. */
const DRY_RUN = {
  ...CHECKS,
  "GET /api/2.0/group/{id}": 2 * N,
  "GET /api/2.0/people/filter": N,
};
/** Limits are not what this is about. */
const FAST = { limits: { ratePerMinute: 0 } };

describe("requests exactly as designed, from the sandbox's request log", () => {
  let h: RunHarness;
  beforeEach(() => {
    h = new RunHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it("a run on 3.7.2: 3 checks, one GET per group, then a PUT and a read-back per move", async () => {
    const { seed, text } = disjoint(N);
    await h.start(seed, FAST);
    const r = await h.run(text, { rate: 60_000 });
    expect(r.code).toBe(0);
    expect(counted(h.calls())).toEqual({
      ...CHECKS,
      "GET /api/2.0/group/{id}": 2 * N + N,
      "PUT /api/2.0/group/{id}/members/{id}": N,
    });
    expect(r.report?.summary.requests).toBe(3 + 4 * N);
  });

  it("by name, past 20 names: the groups counted and listed once (one page per 100), not searched one by one", async () => {
    const { seed } = disjoint(N);
    const byName = manifest(
      ...Array.from(
        { length: N },
        (_, i) => `{ id: m${i}, from: { name: "Group ${2 * i + 1}" }, to: { name: "Group ${2 * i + 2}" } }`,
      ),
    );
    await h.start(seed, FAST);
    const r = await h.run(byName, { dryRun: true, rate: 60_000 });
    expect(r.code).toBe(0);
    expect(r.report?.summary).toMatchObject({ total: N, planned: N });
    // the same as by id, and the count (one item), then the listing: 50 groups, one page
    expect(counted(h.calls())).toEqual({ ...DRY_RUN, "GET /api/2.0/group": 2 });
  });

  it("a run on 3.6.2 (copy-only): the same, and one DELETE per move to complete it", async () => {
    const { seed, text } = disjoint(N);
    await h.start(seed, { ...FAST, version: "3.6.2" });
    const r = await h.run(text, { rate: 60_000 });
    expect(r.code).toBe(0);
    expect(counted(h.calls())).toEqual({
      ...CHECKS,
      "GET /api/2.0/group/{id}": 2 * N + N,
      "PUT /api/2.0/group/{id}/members/{id}": N,
      "DELETE /api/2.0/group/{id}/members": N,
    });
    expect(r.report?.summary.requests).toBe(3 + 5 * N);
    // Each DELETE carries a body, and its connection is kept all the same: fetch's own dispatcher would
    // open one for every DELETE, so at least N.
    expect(h.sandbox.connections).toBeLessThan(N);
  });

  it("the built bin on 3.6.2: its DELETEs keep their connections too, the requests the same", async () => {
    // The bin's DELETEs go through fetch's own shared dispatcher (this process's tests through undici's
    // Agent, loaded for them: jest's module context does not see the shared one).
    const { seed, text } = disjoint(N);
    await h.start(seed, { ...FAST, version: "3.6.2" });
    const file = join(h.dir, "bin.yaml");
    await writeFile(file, text);
    const r = await runBin(
      [
        "run",
        file,
        "--report",
        join(h.dir, "bin-report.json"),
        "--concurrency",
        "4",
        "--rate",
        "60000",
        "--log-level",
        "warn",
      ],
      { env: { DOCSPACE_URL: h.sandbox.url, DOCSPACE_API_KEY: KEY }, cwd: h.dir },
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(counted(h.calls())["DELETE /api/2.0/group/{id}/members"]).toBe(N);
    expect(h.calls()).toHaveLength(3 + 5 * N);
    expect(h.sandbox.connections).toBeLessThan(N);
  });

  it("--no-verify on 3.7.2: no read-back; a dry run: GETs only, plus each source's disabled members", async () => {
    const { seed, text } = disjoint(N);
    await h.start(seed, FAST);
    const dry = await h.run(text, { dryRun: true, rate: 60_000 });
    expect(dry.code).toBe(0);
    expect(counted(h.calls())).toEqual(DRY_RUN);
    const sent = h.calls().length;
    const r = await h.run(text, { verify: false, rate: 60_000 });
    expect(r.code).toBe(0);
    expect(counted(h.calls().slice(sent))).toEqual({
      ...CHECKS,
      "GET /api/2.0/group/{id}": 2 * N,
      "PUT /api/2.0/group/{id}/members/{id}": N,
    });
  });
});
