import { getEventListeners } from "node:events";
import { execute, stopBeforeWrites } from "../../../src/engine/execute.js";
import { preflight } from "../../../src/plan/preflight.js";
import { MemoryPortal } from "../../../src/portal/memory.js";
import { PortalModel } from "../../../src/portal/model.js";
import { PortalError, type GroupSnapshot } from "../../../src/portal/port.js";
import { nthMatching } from "../../../src/sandbox/faults.js";
import { engineRig, movesOf, preflightAndExecute, silent } from "../../helpers/engine.js";
import { g, group, smallSeed, u, user } from "../../helpers/portal.js";
import { manifest } from "../../helpers/run.js";

const sorted = (list: readonly string[] | undefined): string[] => [...(list ?? [])].sort();

describe("execute over the HTTP portal, without a socket (the sandbox answers in process)", () => {
  it("moves, reads back and reports, with the requests a run sends", async () => {
    const { sandbox, portal } = engineRig(smallSeed());
    const { result } = await preflightAndExecute(portal, movesOf(manifest(`{ from: ${g(1)}, to: ${g(2)} }`)));
    expect(result.stopped).toBeNull();
    expect(result.moves[0]).toMatchObject({
      status: "succeeded",
      attempts: 1,
      moved: sorted([u(1), u(2), u(5)]),
      alreadyInDestination: [u(6)],
      droppedGuests: [u(3)],
      managerRemoved: u(1),
    });
    expect(sandbox.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`)).toEqual([
      `PUT /api/2.0/group/${g(1)}/members/${g(2)}`,
    ]);
  });

  it("hands the groups after each move to the preview's hook, by move index, and keeps none itself", async () => {
    const moves = movesOf(manifest(`{ from: ${g(1)}, to: ${g(2)} }`));
    const run = await preflightAndExecute(engineRig(smallSeed()).portal, moves);
    expect(Object.keys(run.result)).toEqual(["moves", "stopped"]);
    const seen = new Map<number, GroupSnapshot>();
    await preflightAndExecute(engineRig(smallSeed()).portal, moves, {
      input: {
        onAfter: (index, after) => {
          seen.set(index, after.destination);
        },
      },
    });
    expect([...seen.keys()]).toEqual([0]);
    expect(sorted(seen.get(0)?.members.map((m) => m.id))).toEqual(sorted([u(1), u(2), u(5), u(6), u(7)]));
  });

  it("holds every request for a 429's Retry-After, then retries (injected clock)", async () => {
    const { sandbox, portal, clock } = engineRig(smallSeed());
    sandbox.faults.script(
      nthMatching("PUT", /members\//, 1, { kind: "status", status: 429, retryAfter: "7" }),
    );
    const { result } = await preflightAndExecute(portal, movesOf(manifest(`{ from: ${g(1)}, to: ${g(2)} }`)));
    expect(result.moves[0]).toMatchObject({ status: "succeeded", attempts: 2 });
    expect(Math.max(...clock.slept)).toBeGreaterThanOrEqual(7000);
    expect(portal.counters()).toMatchObject({ rateLimited: 1, retries: 1 });
  });

  it("retries 5xx answers and dropped connections, counting each attempt", async () => {
    const { sandbox, portal } = engineRig(smallSeed());
    sandbox.faults.script(nthMatching("PUT", /members\//, 1, { kind: "status", status: 503 }));
    sandbox.faults.script(nthMatching("PUT", /members\//, 2, { kind: "reset" }));
    const { result } = await preflightAndExecute(portal, movesOf(manifest(`{ from: ${g(1)}, to: ${g(2)} }`)));
    expect(result.moves[0]).toMatchObject({ status: "succeeded", attempts: 3 });
    expect(portal.counters().retries).toBe(2);
  });

  it("defers when the wait asked for is longer than --max-wait, and never sleeps through it", async () => {
    const { sandbox, portal, clock } = engineRig(smallSeed(), { maxWait: 300 });
    sandbox.faults.script(
      nthMatching("PUT", /members\//, 1, { kind: "status", status: 429, retryAfter: "3600" }),
    );
    const { result } = await preflightAndExecute(
      portal,
      movesOf(manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`, `{ id: b, from: ${g(3)}, to: ${g(4)} }`)),
      { input: { concurrency: 1 } },
    );
    expect(result.stopped?.kind).toBe("deferred");
    expect(result.moves.map((m) => [m.status, m.reason])).toEqual([
      ["not-attempted", "deferred"],
      ["not-attempted", "deferred"],
    ]);
    expect(clock.slept.every((ms) => ms < 300_000)).toBe(true);
  });

  it("defers from the preflight too: a long Retry-After on the version read is not slept through", async () => {
    const { sandbox, portal, clock } = engineRig(smallSeed(), { maxWait: 300 });
    sandbox.faults.script(
      nthMatching("GET", /settings\/version/, 1, { kind: "status", status: 429, retryAfter: "86400" }),
    );
    const err = await preflight(portal, movesOf(manifest(`{ from: ${g(1)}, to: ${g(2)} }`))).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PortalError);
    expect(stopBeforeWrites(err, "")).toMatchObject({ kind: "deferred", reason: "deferred" });
    expect(clock.slept.every((ms) => ms < 300_000)).toBe(true);
  });

  it("a stop while a move waits to retry interrupts it; later moves are not attempted", async () => {
    const { sandbox, portal, stop } = engineRig(smallSeed(), { concurrency: 1 });
    sandbox.faults.script((r) => {
      if (r.method === "PUT")
        setImmediate(() => {
          stop.abort();
        });
      return r.method === "PUT" ? { kind: "status", status: 503 } : undefined;
    });
    const { result } = await preflightAndExecute(
      portal,
      movesOf(manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`, `{ id: b, from: ${g(3)}, to: ${g(4)} }`)),
      { stop: stop.signal, input: { concurrency: 1 } },
    );
    expect(result.stopped?.kind).toBe("interrupted");
    expect(result.moves.map((m) => [m.id, m.status, m.reason])).toEqual([
      ["a", "failed", "interrupted"],
      ["b", "not-attempted", "interrupted"],
    ]);
    expect(sandbox.requests.filter((r) => r.method === "PUT")).toHaveLength(1);
  });

  it("keeps one listener on the stop signal however many requests wait to retry", async () => {
    const { sandbox, portal, stop } = engineRig(smallSeed(), { concurrency: 15 });
    let most = 0;
    sandbox.faults.script((r) => {
      most = Math.max(most, getEventListeners(stop.signal, "abort").length);
      return r.method === "GET" && r.path.includes("/group/") ? { kind: "status", status: 503 } : undefined;
    });
    await Promise.all(Array.from({ length: 40 }, () => portal.group(g(3)).catch(() => null)));
    expect(most).toBeLessThanOrEqual(2);
  });

  it("a move answered 200 with a null response is checked by reading the groups back", async () => {
    const { sandbox, portal } = engineRig(smallSeed());
    const nullAnswer = {
      kind: "body",
      status: 200,
      text: '{"status":0,"statusCode":200,"response":null}',
    } as const;
    sandbox.faults.script(nthMatching("PUT", /members\//, 1, { ...nullAnswer, after: true }));
    const { result } = await preflightAndExecute(portal, movesOf(manifest(`{ from: ${g(1)}, to: ${g(2)} }`)));
    expect(result.moves[0]).toMatchObject({ status: "succeeded", verified: true });
    expect(result.moves[0]?.warnings[0]).toMatch(
      /^the portal's answer to the move could not be used \(PUT .*not of the shape DocSpace sends/,
    );
  });

  it("a move answered with an empty body that did not take effect fails as unverified", async () => {
    const { sandbox, portal } = engineRig(smallSeed());
    sandbox.faults.script(nthMatching("PUT", /members\//, 1, { kind: "body", status: 200, text: "" }));
    const { result } = await preflightAndExecute(
      portal,
      movesOf(manifest(`{ from: ${g(1)}, to: ${g(2)} }`)),
      {
        input: { concurrency: 1 },
      },
    );
    expect(result.moves[0]).toMatchObject({ status: "failed", reason: "unverified" });
  });
});

describe("the HTTP portal's other edits (in process)", () => {
  it("creates a group with its manager, adds, removes and sets the manager, each answer a snapshot", async () => {
    const { portal, sandbox } = engineRig(smallSeed());
    const created = await portal.createGroup("Sales North", u(2));
    expect(created).toMatchObject({ name: "Sales North", managerId: u(2), members: [{ id: u(2) }] });
    expect((await portal.addMembers(created.id, [u(6), u(8)])).members.map((m) => m.id)).toEqual([
      u(2),
      u(6),
      u(8),
    ]);
    expect((await portal.removeMembers(created.id, [u(2)])).managerId).toBeNull();
    expect((await portal.setManager(created.id, u(8))).managerId).toBe(u(8));
    expect(sandbox.model.group(created.id)?.memberIds).toEqual([u(6), u(8)]);
    // From v3.7.1 an invalid manager refuses the whole request: no group is created.
    const refused = await portal.createGroup("Guests", u(3)).catch((e: unknown) => e);
    expect(refused).toMatchObject({ kind: "failed", httpStatus: 400 });
    expect(sandbox.model.listGroups({ filterValue: "Guests" }).items).toEqual([]);
  });
});

describe("paging", () => {
  const many = () => {
    const seed = smallSeed();
    const groups = Array.from({ length: 250 }, (_, i) => ({
      id: g(100 + i),
      name: `Team ${i}`,
      managerId: null,
      memberIds: [],
    }));
    return { ...seed, groups: [...seed.groups, ...groups] };
  };

  /** The group list's answers, rewritten by `shape` (a portal that pages its own way). */
  const listAnswers = (
    sandbox: ReturnType<typeof engineRig>["sandbox"],
    shape: (start: number) => { items: unknown[]; total?: number },
  ) => {
    sandbox.faults.script((r) => {
      if (r.method !== "GET" || r.path !== "/api/2.0/group") return undefined;
      const start = Number(new URLSearchParams(r.query).get("startIndex") ?? 0);
      const { items, total } = shape(start);
      const text = JSON.stringify({
        response: items,
        count: items.length,
        total,
        status: 0,
        statusCode: 200,
      });
      return { kind: "body", status: 200, text };
    });
  };
  const page = (model: PortalModel, start: number) =>
    model.listGroups({ startIndex: start, count: 100 }).items.map((x) => ({ id: x.id, name: x.name }));

  it("reads every page when the portal omits total, and stops on the short page", async () => {
    const { sandbox, portal } = engineRig(many());
    listAnswers(sandbox, (start) => ({ items: page(sandbox.model, start) }));
    expect(await portal.listGroups()).toHaveLength(254);
    expect(sandbox.requests.filter((r) => r.path === "/api/2.0/group")).toHaveLength(3);
  });

  it("stops when pages bring nothing new, whatever total says", async () => {
    const { sandbox, portal } = engineRig(many());
    listAnswers(sandbox, () => ({ items: page(sandbox.model, 0), total: 1_000_000 }));
    expect(await portal.listGroups()).toHaveLength(100);
    expect(sandbox.requests.filter((r) => r.path === "/api/2.0/group")).toHaveLength(2);
  });

  const listReads = (sandbox: ReturnType<typeof engineRig>["sandbox"]) =>
    sandbox.requests.filter((r) => r.path === "/api/2.0/group").map((r) => r.query);
  const everyGroup = (model: PortalModel) =>
    model.listGroups({ count: 1000 }).items.map((x) => ({ id: x.id, name: x.name }));

  it("with the count, reads its pages together, and gives them in page order", async () => {
    const { sandbox, portal } = engineRig(many());
    sandbox.pause();
    const listing = portal.listGroups(undefined, 254);
    // All three out at once: one after another, only one would ever be.
    while (sandbox.inFlight().gets < 3) await new Promise((resolve) => setTimeout(resolve, 1));
    sandbox.resume();
    expect(await listing).toEqual(everyGroup(sandbox.model));
    expect(listReads(sandbox).sort()).toEqual([
      "?startIndex=0&count=100",
      "?startIndex=100&count=100",
      "?startIndex=200&count=100",
    ]);
  });

  it("with the count, a page refused fails the listing once every page has answered", async () => {
    const { sandbox, portal } = engineRig(many());
    // The second page refused at once, the third answered later.
    sandbox.faults.script((r) =>
      r.path !== "/api/2.0/group"
        ? undefined
        : (r.query ?? "").includes("startIndex=100")
          ? { kind: "body", status: 400, text: JSON.stringify({ status: 1, statusCode: 400 }) }
          : (r.query ?? "").includes("startIndex=200")
            ? { kind: "delay", ms: 50 }
            : undefined,
    );
    await expect(portal.listGroups(undefined, 254)).rejects.toMatchObject({ httpStatus: 400 });
    expect(sandbox.inFlight().gets).toBe(0);
    expect(listReads(sandbox)).toHaveLength(3);
  });

  it("with a count too low, reads on page by page past the counted pages; too high, stops on the short page", async () => {
    const low = engineRig(many());
    expect(await low.portal.listGroups(undefined, 150)).toEqual(everyGroup(low.sandbox.model));
    expect(listReads(low.sandbox)).toHaveLength(3);
    // A count of 600 sends its 6 pages (the preflight lists only when that is fewer reads than the names).
    const high = engineRig(many());
    expect(await high.portal.listGroups(undefined, 600)).toEqual(everyGroup(high.sandbox.model));
    expect(listReads(high.sandbox)).toHaveLength(6);
  });
});

describe("undo is the engine on inverse steps (in-memory portal)", () => {
  it("puts a chain back as it was, last move first", async () => {
    const model = new PortalModel(smallSeed(), { version: "3.7.2" });
    const portal = new MemoryPortal(model);
    const before = JSON.stringify(model.toSeed().groups);
    const moves = movesOf(
      manifest(`{ id: a, from: ${g(3)}, to: ${g(4)} }`, `{ id: b, from: ${g(4)}, to: ${g(2)} }`),
    );
    const pre = await preflight(portal, moves);
    const ran = await execute(
      { moves, preflight: pre, selected: () => true, verify: true, concurrency: 4 },
      { portal, logger: silent, now: Date.now },
    );
    expect(ran.moves.map((m) => m.status)).toEqual(["succeeded", "succeeded"]);
    const { planUndo } = await import("../../../src/plan/inverse.js");
    const plan = planUndo({ mode: "run", moves: ran.moves } as never);
    if (!plan.ok) throw new Error(plan.message);
    const specs = plan.steps.map((s, index) => ({
      id: s.id,
      index,
      note: null,
      from: { kind: "id" as const, id: s.from.id },
      to: { kind: "id" as const, id: s.to.id },
    }));
    const undone = await execute(
      {
        moves: specs,
        preflight: await preflight(portal, specs),
        selected: () => true,
        verify: true,
        concurrency: 4,
        undo: plan.steps,
      },
      { portal, logger: silent, now: Date.now },
    );
    expect(undone.moves.map((m) => [m.id, m.status])).toEqual([
      ["b", "succeeded"],
      ["a", "succeeded"],
    ]);
    const sortGroups = (text: string) =>
      JSON.stringify(
        (JSON.parse(text) as { id: string; memberIds: string[]; managerId: string | null }[]).map((x) => ({
          ...x,
          memberIds: [...x.memberIds].sort(),
        })),
      );
    expect(sortGroups(JSON.stringify(model.toSeed().groups))).toEqual(sortGroups(before));
  });
});

describe("how many moves are under way at once", () => {
  /** An in-memory portal whose moves wait at a gate, so that the test sees what was started meanwhile. */
  class GatedPortal extends MemoryPortal {
    held = 0;
    readonly #gate: Promise<void>;
    readonly open: () => void;
    constructor(model: PortalModel) {
      super(model);
      let open = (): void => undefined;
      this.#gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      this.open = open;
    }
    override async move(fromId: string, toId: string): Promise<GroupSnapshot> {
      this.held++;
      await this.#gate;
      return super.move(fromId, toId);
    }
  }
  /** Sources g1…gN (one member each), destinations g1001…; `into` names each move's destination. */
  const rig = (count: number, into: (i: number) => number) => {
    const seed = {
      users: Array.from({ length: count }, (_, i) => user(i + 1)),
      groups: [
        ...Array.from({ length: count }, (_, i) => group(i + 1, [i + 1])),
        ...[...new Set(Array.from({ length: count }, (_, i) => into(i)))].map((n) => group(n, [])),
      ],
    };
    const portal = new GatedPortal(new PortalModel(seed, { version: "3.7.2" }));
    const moves = movesOf(
      manifest(
        ...Array.from({ length: count }, (_, i) => `{ id: m${i}, from: ${g(i + 1)}, to: ${g(into(i))} }`),
      ),
    );
    return { portal, moves };
  };
  const whileHeld = async (portal: GatedPortal, requests: number): Promise<void> => {
    while (portal.held < requests) await new Promise((resolve) => setImmediate(resolve));
  };

  it("takes the moves up a few at a time (4 × concurrency), not all at once", async () => {
    const { portal, moves } = rig(200, (i) => 1001 + i);
    const pre = await preflight(portal, moves);
    const started: string[] = [];
    const running = execute(
      {
        moves,
        preflight: pre,
        selected: (id) => started.push(id) > 0,
        verify: false,
        concurrency: 2,
      },
      { portal, logger: silent, now: Date.now },
    );
    await whileHeld(portal, 2);
    expect(started).toEqual(["m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7"]);
    portal.open();
    const { moves: results } = await running;
    expect(started).toHaveLength(200);
    expect(results.map((r) => r.status)).toEqual(Array.from({ length: 200 }, () => "succeeded"));
  });

  it("does not count the moves waiting for an earlier one: later moves still start", async () => {
    // m0…m29 all fill g1001, so each waits for the one before; m30…m39 share nothing.
    const { portal, moves } = rig(40, (i) => (i < 30 ? 1001 : 1001 + i));
    const pre = await preflight(portal, moves);
    const started: string[] = [];
    const running = execute(
      { moves, preflight: pre, selected: (id) => started.push(id) > 0, verify: false, concurrency: 1 },
      { portal, logger: silent, now: Date.now },
    );
    await whileHeld(portal, 1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(["m0", "m30", "m31", "m32"]);
    portal.open();
    const { moves: results } = await running;
    expect(results.map((r) => r.id)).toEqual(moves.map((m) => m.id));
    expect(results.every((r) => r.status === "succeeded")).toBe(true);
  });

  it("a move that shares a group with one long finished sees the group as that move left it", async () => {
    // m0 and m150 both fill g1001: m0 has long finished when m150 starts (its promise is gone), but the
    // state of g1001 is kept for m150, as m0 left it; only a group's last move lets its state go.
    const { portal, moves } = rig(200, (i) => (i === 0 || i === 150 ? 1001 : 1001 + i));
    portal.open();
    const { moves: results } = await execute(
      {
        moves,
        preflight: await preflight(portal, moves),
        selected: () => true,
        verify: false,
        concurrency: 2,
      },
      { portal, logger: silent, now: Date.now },
    );
    expect(results.every((r) => r.status === "succeeded")).toBe(true);
    expect(results[150]?.before).toEqual({ source: [u(151)], destination: [u(1)], sourceManager: null });
  });

  it("given the groups, lets each go once its last move has finished, and not before", async () => {
    // m0 and m150 share g1001: it stays until m150 has finished; m1's groups go when m1 has.
    const { portal, moves } = rig(200, (i) => (i === 0 || i === 150 ? 1001 : 1001 + i));
    portal.open();
    const pre = await preflight(portal, moves);
    const groups = new Map(pre.groups);
    const held: Record<number, boolean[]> = {};
    const { moves: results } = await execute(
      { moves, preflight: pre, groups, selected: () => true, verify: false, concurrency: 2 },
      {
        portal,
        logger: silent,
        now: Date.now,
        onProgress: (_done, _total, result) => {
          const index = Number(result.id.slice(1));
          if (index === 0 || index === 1 || index === 150)
            held[index] = [result.from.id, result.to.id].map((id) => groups.has(id as string));
        },
      },
    );
    expect(results.every((r) => r.status === "succeeded")).toBe(true);
    expect(held).toEqual({ 0: [false, true], 1: [false, false], 150: [false, false] });
    expect(groups.size).toBe(0);
    expect(pre.groups.size).toBe(399); // the preflight's own map is not the engine's to change
  });
});
