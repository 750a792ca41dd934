import { READS_BEFORE_CHECKS } from "../../src/plan/preflight.js";
import { join } from "node:path";
import { createServer, type AddressInfo } from "node:net";
import { nthMatching } from "../../src/sandbox/faults.js";
import { g, smallSeed, u, user, group } from "../helpers/portal.js";
import { KEY, RunHarness, manifest } from "../helpers/run.js";

const sorted = (list: readonly string[] | undefined): string[] => [...(list ?? [])].sort();
const ids = (...ns: number[]): string[] => ns.map(u).sort();

let h: RunHarness;
beforeEach(() => {
  h = new RunHarness();
});
afterEach(async () => {
  await h.close();
});

describe("run on DocSpace 3.7.2 (the move empties the source)", () => {
  it("moves, verifies and reports who went where", async () => {
    await h.start(smallSeed());
    const res = await h.run(manifest(`{ id: emea, from: ${g(1)}, to: { name: Sales }, note: Q3 }`));
    expect(res.code).toBe(0);
    const move = res.report?.moves[0];
    expect(move).toMatchObject({
      id: "emea",
      note: "Q3",
      from: { id: g(1), name: "Sales EMEA" },
      to: { id: g(2), name: "Sales" },
      status: "succeeded",
      reason: null,
      attempts: 1,
      httpStatus: 200,
      error: null,
      managerRemoved: u(1),
      completion: null,
      verified: true,
      guestsLeftInSource: [],
    });
    expect(sorted(move?.moved)).toEqual(ids(1, 2, 5));
    expect(move?.alreadyInDestination).toEqual([u(6)]);
    expect(move?.droppedGuests).toEqual([u(3)]);
    expect(move?.before).toEqual({
      source: [u(1), u(2), u(3), u(5), u(6)],
      destination: [u(6), u(7)],
      sourceManager: u(1),
    });
    expect(res.report).toMatchObject({
      mode: "run",
      outcome: "succeeded",
      exitCode: 0,
      portalVersion: "3.7.2",
      behaviour: "move",
      summary: { total: 1, succeeded: 1, membersMoved: 3, retries: 0, rateLimited: 0 },
    });
    // Preflight reads each group once (its reads go out together, in no set order), then one PUT and one
    // read-back; no DELETE on a moving portal.
    const calls = h.calls();
    expect(calls.slice(0, 6).sort()).toEqual([
      "GET /api/2.0/group",
      `GET /api/2.0/group/${g(1)}`,
      `GET /api/2.0/group/${g(2)}`,
      "GET /api/2.0/keys/@self",
      "GET /api/2.0/people/@self",
      "GET /api/2.0/settings/version/build",
    ]);
    expect(calls.slice(6)).toEqual([
      `PUT /api/2.0/group/${g(1)}/members/${g(2)}`,
      `GET /api/2.0/group/${g(1)}`,
    ]);
    expect(res.report?.summary.requests).toBe(8);
    expect(sorted(h.sandbox.model.group(g(2))?.memberIds)).toEqual(ids(1, 2, 5, 6, 7));
    expect(res.out.at(-1)).toMatch(/^Report: .*report-.*\.json$/);
  });

  it("reports the run's window: started before its first request, finished after its last answer", async () => {
    await h.start(smallSeed(), { faults: { latencyMs: 30 } });
    const res = await h.run(manifest(`{ from: ${g(1)}, to: ${g(2)} }`));
    expect(res.code).toBe(0);
    const startedAt = Date.parse(res.report?.startedAt ?? "");
    const finishedAt = Date.parse(res.report?.finishedAt ?? "");
    const cameIn = h.sandbox.requests.map((r) => r.at);
    expect(cameIn).toHaveLength(res.report?.summary.requests ?? -1);
    expect(startedAt).toBeLessThanOrEqual(Math.min(...cameIn));
    // each answered 30 ms after it came in
    expect(finishedAt).toBeGreaterThanOrEqual(Math.max(...cameIn) + 30);
    expect(res.report?.finishedAt).toBe(new Date(finishedAt).toISOString());
  });

  it("says how many moves it takes on before its first request, and so does undo (the bin paces the heap by it)", async () => {
    await h.start(smallSeed());
    const told: { moves: number; requestsBefore: number }[] = [];
    const paceHeap = (moves: number): Promise<void> => {
      told.push({ moves, requestsBefore: h.sandbox.requests.length });
      return Promise.resolve();
    };
    const res = await h.run(
      manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`, `{ id: b, from: ${g(3)}, to: ${g(4)} }`),
      { only: ["a"] },
      {},
      { paceHeap },
    );
    expect(res.code).toBe(0);
    // every move of the manifest: the preflight reads the groups of all of them
    expect(told).toEqual([{ moves: 2, requestsBefore: 0 }]);
    const before = h.sandbox.requests.length;
    const undone = await h.undo(res.reportPath, false, { DOCSPACE_URL: h.sandbox.url }, {}, { paceHeap });
    expect(undone.code).toBe(0);
    expect(told.slice(1)).toEqual([{ moves: 1, requestsBefore: before }]);
  });

  it("runs moves that share a group in manifest order, and the rest at once", async () => {
    await h.start(smallSeed());
    const res = await h.run(
      manifest(
        `{ id: a, from: ${g(3)}, to: ${g(4)} }`,
        `{ id: b, from: ${g(4)}, to: ${g(2)} }`,
        `{ id: c, from: ${g(1)}, to: ${g(2)} }`,
      ),
    );
    expect(res.code).toBe(0);
    // u8 went 3 → 4 → 2; the chain's second move saw it arrive.
    expect(res.report?.moves.map((m) => [m.id, m.moved.length])).toEqual([
      ["a", 1],
      ["b", 1],
      ["c", 3],
    ]);
    expect(sorted(h.sandbox.model.group(g(2))?.memberIds)).toEqual(ids(1, 2, 5, 6, 7, 8));
    expect(h.sandbox.model.group(g(4))?.memberIds).toEqual([]);
    const puts = h.sandbox.requests.filter((r) => r.method === "PUT").map((r) => r.path);
    expect(puts.indexOf(`/api/2.0/group/${g(3)}/members/${g(4)}`)).toBeLessThan(
      puts.indexOf(`/api/2.0/group/${g(4)}/members/${g(2)}`),
    );
  });

  it("--no-verify skips the read-back on a portal at v3.7.1 or later", async () => {
    await h.start(smallSeed());
    const res = await h.run(manifest(`{ from: ${g(1)}, to: ${g(2)} }`), { verify: false });
    expect(res.code).toBe(0);
    expect(h.calls().filter((c) => c === `GET /api/2.0/group/${g(1)}`)).toHaveLength(1);
    expect(res.report?.moves[0]).toMatchObject({
      verified: false,
      managerRemoved: u(1),
      droppedGuests: [u(3)],
    });
  });

  it("--only and --exclude select moves by id", async () => {
    await h.start(smallSeed());
    const res = await h.run(
      manifest(`{ id: a, from: ${g(3)}, to: ${g(4)} }`, `{ id: b, from: ${g(1)}, to: ${g(2)} }`),
      { only: ["b"] },
    );
    expect(res.report?.moves.map((m) => [m.id, m.status, m.reason])).toEqual([
      ["a", "skipped", "excluded"],
      ["b", "succeeded", null],
    ]);
    expect(res.code).toBe(0);
    const unknown = await h.run(manifest(`{ id: a, from: ${g(3)}, to: ${g(4)} }`), { exclude: ["zzz"] });
    expect([unknown.code, unknown.err]).toEqual([
      2,
      ["--only/--exclude name moves the manifest does not have: zzz; nothing was sent"],
    ]);
  });

  it("a move left out by --only or --exclude is never sent, so it is not checked: its missing group blocks nothing", async () => {
    await h.start(smallSeed());
    const text = manifest(
      `{ id: a, from: { name: "Nobody" }, to: ${g(3)} }`,
      `{ id: b, from: ${g(1)}, to: ${g(2)}, members: [${u(8)}] }`,
      `{ id: c, from: ${g(1)}, to: ${g(4)} }`,
    );
    for (const dryRun of [true, false]) {
      const res = await h.run(text, { exclude: ["a", "b"], dryRun });
      expect(res.code).toBe(0);
      expect(res.report?.problems).toEqual([]);
      expect(res.report?.moves.map((m) => [m.id, m.status, m.reason])).toEqual([
        ["a", "skipped", "excluded"],
        ["b", "skipped", "excluded"],
        ["c", dryRun ? "planned" : "succeeded", null],
      ]);
    }
    // Selected, the same moves are refused before anything is sent.
    const all = await h.run(text);
    expect(all.code).toBe(1);
    expect(all.report?.problems).toHaveLength(2);
  });
});

describe("run on DocSpace 3.6 (the move only copies)", () => {
  it("completes the move by removing exactly the moved members from the source, and says so", async () => {
    await h.start(smallSeed(), { version: "3.6.2" });
    const res = await h.run(manifest(`{ id: emea, from: ${g(1)}, to: ${g(2)} }`));
    expect(res.code).toBe(0);
    const move = res.report?.moves[0];
    expect(move).toMatchObject({
      status: "succeeded",
      completion: "removed-from-source",
      managerRemoved: u(1),
      droppedGuests: [],
      guestsLeftInSource: [u(3)],
      verified: true,
    });
    expect(move?.warnings[0]).toBe(
      'DocSpace 3.6.2 only copied the members (servers before v3.7.1 do); 4 member(s) were removed from "Sales EMEA" to complete the move',
    );
    const del = h.sandbox.requests.find((r) => r.method === "DELETE");
    expect(sorted((del?.body as { members: string[] }).members)).toEqual(ids(1, 2, 5, 6));
    expect(h.calls().slice(-3)).toEqual([
      `PUT /api/2.0/group/${g(1)}/members/${g(2)}`,
      `GET /api/2.0/group/${g(1)}`,
      `DELETE /api/2.0/group/${g(1)}/members`,
    ]);
    // The end state matches a moving portal's, except that the guest stays (nobody removes guests here).
    expect(h.sandbox.model.group(g(1))).toMatchObject({ managerId: null, memberIds: [u(3)] });
    expect(sorted(h.sandbox.model.group(g(2))?.memberIds)).toEqual(ids(1, 2, 5, 6, 7));
    expect(res.report?.warnings).toContain(
      "DocSpace 3.6.2 only copies members on a move (servers before v3.7.1); each move is completed by removing the moved members from the source",
    );
  });

  it("ignores --no-verify there, with a warning", async () => {
    await h.start(smallSeed(), { version: "3.6.2" });
    const res = await h.run(manifest(`{ from: ${g(1)}, to: ${g(2)} }`), { verify: false });
    expect(res.report?.moves[0]).toMatchObject({ completion: "removed-from-source", verified: true });
    expect(res.report?.warnings[0]).toMatch(/^--no-verify ignored: the portal reports DocSpace 3\.6\.2/);
  });
});

describe("blocking problems: nothing is written", () => {
  const onlyReads = (): void => {
    expect(h.sandbox.requests.every((r) => r.method === "GET")).toBe(true);
  };

  it("lists every unresolvable name, missing group and same-group pair at once; exit 1", async () => {
    const seed = smallSeed();
    await h.start({ ...seed, groups: [...seed.groups, group(5, [], null, "Sales")] });
    const res = await h.run(
      manifest(
        `{ id: a, from: { name: Support }, to: { name: Sales } }`,
        `{ id: b, from: { name: Sale }, to: ${g(3)} }`,
        `{ id: c, from: ${g(99)}, to: ${g(4)} }`,
        `{ id: d, from: { name: Empty }, to: ${g(4)} }`,
      ),
    );
    expect(res.code).toBe(1);
    onlyReads();
    // Each at its place in the manifest, as validate shows problems.
    const file = join(h.dir, "manifest.yaml");
    expect(res.report?.problems).toEqual([
      `${file}:3:43 moves[0].to: 2 groups are named "Sales" (${g(2)}, ${g(5)}); refer to one by its id`,
      `${file}:4:20 moves[1].from: no group is named "Sale"; names that contain it: "Sales", "Sales", "Sales EMEA"; did you mean "Sales"?`,
      `${file}:5:20 moves[2].from: ${g(99)}: the group does not exist (or was deleted)`,
      `${file}:6:5 moves[3]: from and to are the same group (Empty, ${g(4)}); DocSpace would empty it`,
    ]);
    expect(res.report?.moves.map((m) => [m.id, m.status, m.reason])).toEqual([
      ["a", "not-attempted", "group-not-found"],
      ["b", "not-attempted", "group-not-found"],
      ["c", "not-attempted", "group-not-found"],
      ["d", "not-attempted", "preflight"],
    ]);
    expect(res.out).toContain("Blocking problems (nothing was changed):");
  });

  it("suggests the nearest names for a mistyped one (a transposition the substring search cannot find)", async () => {
    const seed = smallSeed();
    await h.start({ ...seed, groups: [...seed.groups, group(5, [], null, "Sales APAC")] });
    const res = await h.run(manifest(`{ id: a, from: { name: Slaes APAC }, to: ${g(4)} }`), { dryRun: true });
    expect(res.code).toBe(1);
    expect(res.report?.problems[0]).toMatch(/no group is named "Slaes APAC"; did you mean "Sales APAC"\?$/);
  });

  it("refuses a system group", async () => {
    await h.start(smallSeed());
    const res = await h.run(manifest(`{ from: c5cc67d1-c3e8-43c0-a3ad-3928ae3e5b5e, to: ${g(4)} }`));
    expect(res.code).toBe(1);
    onlyReads();
    expect(res.report?.problems[0]).toContain('is the system group "Everyone"');
  });

  it("stops before any write when the key may only read (exit 3), naming the missing permission", async () => {
    const readKey = `sk-${"8".repeat(64)}`;
    await h.start({
      ...smallSeed(),
      apiKeys: [{ key: readKey, scopes: ["accounts:read", "accounts.self:read"] }],
    });
    const res = await h.run(manifest(`{ from: ${g(1)}, to: ${g(2)} }`), {}, { DOCSPACE_API_KEY: readKey });
    expect(res.code).toBe(3);
    onlyReads();
    expect(res.report?.outcome).toBe("aborted");
    expect(res.report?.problems).toContain(
      "key: the key's permissions (accounts:read, accounts.self:read) do not include accounts:write, which moving members needs",
    );
  });

  it("stops before any write when the key's user is a room admin (exit 3)", async () => {
    const roomAdmin = `sk-${"9".repeat(64)}`;
    await h.start({ ...smallSeed(), apiKeys: [{ key: roomAdmin, scopes: ["*"], role: "roomAdmin" }] });
    const res = await h.run(manifest(`{ from: ${g(1)}, to: ${g(2)} }`), {}, { DOCSPACE_API_KEY: roomAdmin });
    expect(res.code).toBe(3);
    onlyReads();
    expect(res.report?.problems).toContain(
      "key: the key belongs to Sandbox Room Admin, a room admin: only DocSpace admins and the owner may move members",
    );
  });

  it("exits 3 when the key is not accepted, and 3 when the portal cannot be reached", async () => {
    await h.start(smallSeed());
    const wrong = await h.run(
      manifest(`{ from: ${g(1)}, to: ${g(2)} }`),
      {},
      { DOCSPACE_API_KEY: `sk-${"1".repeat(64)}` },
    );
    expect(wrong.code).toBe(3);
    expect(wrong.report?.problems[0]).toMatch(/^the portal did not accept the API key \(401\)/);
    // A few of the preflight's reads go out with the checks, the rest wait for their answers: a refused
    // key costs those few, not a read for each of these 30 moves' 60 groups.
    const before = h.sandbox.requests.length;
    const many = await h.run(
      manifest(...Array.from({ length: 30 }, (_, i) => `{ from: ${g(100 + 2 * i)}, to: ${g(101 + 2 * i)} }`)),
      {},
      { DOCSPACE_API_KEY: `sk-${"1".repeat(64)}` },
    );
    expect(many.code).toBe(3);
    expect(h.sandbox.requests.length - before).toBeLessThanOrEqual(3 + READS_BEFORE_CHECKS);
    const closed = await h.run(
      manifest(`{ from: ${g(1)}, to: ${g(2)} }`),
      { retries: 1 },
      { DOCSPACE_URL: `http://127.0.0.1:${await closedPort()}` },
    );
    expect(closed.code).toBe(3);
    expect(closed.report?.problems[0]).toMatch(
      /^the portal could not be reached: GET .*: the portal could not be reached \(ECONNREFUSED\): nothing listens at that address and port; check the portal URL/,
    );
  });
});

/** A loopback port nothing listens on (fetch refuses some ports, such as 9, before connecting). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

describe("failures, retries and rate limits", () => {
  it("retries 5xx and dropped connections, and succeeds", async () => {
    await h.start(smallSeed());
    h.sandbox.faults.script(nthMatching("PUT", /members\//, 1, { kind: "status", status: 503 }));
    h.sandbox.faults.script(nthMatching("PUT", /members\//, 2, { kind: "reset" }));
    const res = await h.run(manifest(`{ from: ${g(1)}, to: ${g(2)} }`));
    expect(res.code).toBe(0);
    expect(res.report?.moves[0]).toMatchObject({ status: "succeeded", attempts: 3 });
    expect(res.report?.summary).toMatchObject({ retries: 2 });
    expect(res.logs).toContain('"event":"move.retry"');
  });

  it("treats a 200 with an error envelope as a failure, and retries its 500", async () => {
    await h.start(smallSeed());
    h.sandbox.faults.script(nthMatching("PUT", /members\//, 1, { kind: "envelope-error", statusCode: 500 }));
    const res = await h.run(manifest(`{ from: ${g(1)}, to: ${g(2)} }`));
    expect(res.report?.moves[0]).toMatchObject({ status: "succeeded", attempts: 2 });
  });

  it("honours a 429's Retry-After and counts it", async () => {
    await h.start(smallSeed());
    h.sandbox.faults.script(
      nthMatching("PUT", /members\//, 1, { kind: "status", status: 429, retryAfter: "1" }),
    );
    const res = await h.run(manifest(`{ from: ${g(1)}, to: ${g(2)} }`));
    expect(res.code).toBe(0);
    expect(res.report?.summary).toMatchObject({ rateLimited: 1, retries: 1 });
    const [first, second] = h.sandbox.requests.filter((r) => r.method === "PUT");
    expect(first?.outcome).toBe(429);
    expect(second?.outcome).toBe(200);
  });

  it("defers the rest of the run when Retry-After exceeds --max-wait (exit 4)", async () => {
    await h.start(smallSeed());
    h.sandbox.faults.script(
      nthMatching("PUT", /members\//, 1, { kind: "status", status: 429, retryAfter: "3600" }),
    );
    const res = await h.run(
      manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`, `{ id: b, from: ${g(2)}, to: ${g(3)} }`),
      { maxWait: 60 },
    );
    expect(res.code).toBe(4);
    expect(res.report?.outcome).toBe("deferred");
    expect(res.report?.moves.map((m) => [m.id, m.status, m.reason])).toEqual([
      ["a", "not-attempted", "deferred"],
      ["b", "not-attempted", "deferred"],
    ]);
    expect(h.sandbox.requests.filter((r) => r.method === "PUT")).toHaveLength(1);
  });

  it("never retries a 404: the move fails, moves sharing its groups are skipped, the others run (exit 1)", async () => {
    const seed = smallSeed();
    await h.start({ ...seed, groups: [...seed.groups, group(5, [], null, "Archive")] });
    h.sandbox.faults.script(
      nthMatching("PUT", new RegExp(`${g(1)}/members/`), 1, { kind: "status", status: 404 }),
    );
    const res = await h.run(
      manifest(
        `{ id: a, from: ${g(1)}, to: ${g(2)} }`,
        `{ id: b, from: ${g(2)}, to: ${g(5)} }`,
        `{ id: c, from: ${g(3)}, to: { name: Empty } }`,
      ),
      { concurrency: 1 },
    );
    expect(res.code).toBe(1);
    expect(res.report?.moves.map((m) => [m.id, m.status, m.reason, m.attempts])).toEqual([
      ["a", "failed", "http-error", 1],
      ["b", "skipped", "dependency-failed", 0],
      ["c", "succeeded", null, 1],
    ]);
    expect(res.report?.moves[0]?.error).toMatchObject({ kind: "http", httpStatus: 404 });
  });

  it("aborts on a 403 during the run: later moves are not attempted (exit 3)", async () => {
    await h.start(smallSeed());
    h.sandbox.faults.script(nthMatching("PUT", /members\//, 1, { kind: "envelope-error", statusCode: 403 }));
    const res = await h.run(
      manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`, `{ id: b, from: ${g(3)}, to: ${g(4)} }`),
      { concurrency: 1 },
    );
    expect(res.code).toBe(3);
    expect(res.report?.moves.map((m) => [m.id, m.status, m.reason])).toEqual([
      ["a", "failed", "http-error"],
      ["b", "not-attempted", "aborted"],
    ]);
    expect(h.sandbox.requests.filter((r) => r.method === "PUT")).toHaveLength(1);
  });

  it("fails a move whose destination lacks an expected member (unverified)", async () => {
    await h.start(smallSeed());
    // Between the preflight and the move, someone takes u2 out of the source.
    h.sandbox.faults.script((req) => {
      if (req.method === "PUT") h.sandbox.model.removeMembers(g(1), [u(2)]);
      return undefined;
    });
    const res = await h.run(manifest(`{ from: ${g(1)}, to: ${g(2)} }`));
    expect(res.code).toBe(1);
    expect(res.report?.moves[0]).toMatchObject({ status: "failed", reason: "unverified", verified: false });
    expect(res.report?.moves[0]?.error?.message).toBe(
      "the destination lacks 1 member(s) the move should have added: User 2",
    );
  });

  it("a stop during a long Retry-After ends the wait at once: the waiting move is interrupted (exit 130)", async () => {
    await h.start(smallSeed());
    h.sandbox.faults.script((req) => {
      if (req.method !== "PUT") return undefined;
      setTimeout(() => {
        h.stop.abort();
      }, 50);
      return { kind: "status", status: 429, retryAfter: "3600" };
    });
    // Without an interruptible wait this would sit out the hour (and the test would time out).
    const res = await h.run(
      manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`, `{ id: b, from: ${g(3)}, to: ${g(4)} }`),
      {
        maxWait: 86_400,
        concurrency: 1,
      },
    );
    expect(res.code).toBe(130);
    expect(res.report?.moves.map((m) => [m.id, m.status, m.reason, m.attempts])).toEqual([
      ["a", "failed", "interrupted", 1],
      ["b", "not-attempted", "interrupted", 0],
    ]);
    expect(h.sandbox.requests.filter((r) => r.method === "PUT")).toHaveLength(1);
  }, 15_000);

  it.each(["3.7.2", "3.6.2"])(
    "a move applied but whose answer was lost (502) is retried safely and reported right (%s)",
    async (version) => {
      await h.start(smallSeed(), { version });
      h.sandbox.faults.script(
        nthMatching("PUT", /members\//, 1, { kind: "status", status: 502, after: true }),
      );
      const res = await h.run(manifest(`{ from: ${g(1)}, to: ${g(2)} }`));
      expect(res.code).toBe(0);
      const move = res.report?.moves[0];
      expect(move).toMatchObject({
        status: "succeeded",
        attempts: 2,
        alreadyInDestination: [u(6)],
        managerRemoved: u(1),
      });
      expect(sorted(move?.moved)).toEqual(ids(1, 2, 5));
      expect(sorted(h.sandbox.model.group(g(2))?.memberIds)).toEqual(ids(1, 2, 5, 6, 7));
      expect(h.sandbox.model.group(g(1))?.memberIds).toEqual(version === "3.6.2" ? [u(3)] : []);
    },
  );

  it("a stop during the preflight sends no move: everything is not attempted (exit 130)", async () => {
    await h.start(smallSeed());
    h.sandbox.faults.script((req) => {
      if (req.seq === 2) h.stop.abort();
      return undefined;
    });
    const res = await h.run(manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`));
    expect(res.code).toBe(130);
    expect(res.report?.problems).toEqual(["interrupted by a signal before any move was sent"]);
    expect(res.report?.moves.map((m) => [m.id, m.status, m.reason])).toEqual([
      ["a", "not-attempted", "interrupted"],
    ]);
    expect(h.sandbox.requests.every((r) => r.method === "GET")).toBe(true);
  });

  it("keeps the key out of every output, log and report, also on errors", async () => {
    await h.start(smallSeed(), { faults: { failRate: 1 } });
    const res = await h.run(manifest(`{ from: ${g(1)}, to: ${g(2)} }`), { retries: 1 });
    expect(res.code).not.toBe(0);
    for (const text of [res.out.join("\n"), res.err.join("\n"), res.logs, res.reportText]) {
      expect(text).not.toContain(KEY);
      expect(text).not.toContain(KEY.slice(3, 20));
    }
    expect(res.logs.length).toBeGreaterThan(0);
  });
});

describe("larger portals", () => {
  it("moves many disjoint pairs concurrently, each verified", async () => {
    const users = Array.from({ length: 60 }, (_, i) => user(i + 1));
    const groups = Array.from({ length: 30 }, (_, i) =>
      group(i + 1, i % 2 === 0 ? [i + 1, i + 2, i + 3] : [], null),
    );
    await h.start({ users, groups });
    const lines = Array.from({ length: 15 }, (_, i) => `{ from: ${g(2 * i + 1)}, to: ${g(2 * i + 2)} }`);
    const res = await h.run(manifest(...lines), { concurrency: 8, rate: 60_000 });
    expect(res.code).toBe(0);
    expect(res.report?.summary).toMatchObject({
      total: 15,
      succeeded: 15,
      membersMoved: 45,
      requests: 3 + 30 + 30,
    });
  });
});
