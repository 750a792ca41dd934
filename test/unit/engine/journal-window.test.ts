import { execute, type MoveJournal } from "../../../src/engine/execute.js";
import { preflight } from "../../../src/plan/preflight.js";
import type { ResolvedMove } from "../../../src/plan/types.js";
import { MemoryPortal } from "../../../src/portal/memory.js";
import { PortalModel } from "../../../src/portal/model.js";
import type { GroupSnapshot } from "../../../src/portal/port.js";
import type { BeforeState } from "../../../src/report/types.js";
import { movesOf, silent } from "../../helpers/engine.js";
import { g, group, user } from "../../helpers/portal.js";
import { manifest } from "../../helpers/run.js";

/** A portal whose first move waits until released: the other moves queue for the one slot meanwhile. */
class HeldPortal extends MemoryPortal {
  release!: () => void;
  readonly held = new Promise<void>((resolve) => {
    this.release = resolve;
  });
  firstMove: Promise<void>;
  #entered!: () => void;
  #moves = 0;
  constructor(model: PortalModel) {
    super(model);
    this.firstMove = new Promise((resolve) => {
      this.#entered = resolve;
    });
  }
  override async move(fromId: string, toId: string): Promise<GroupSnapshot> {
    if (this.#moves++ === 0) {
      this.#entered();
      await this.held;
    }
    return super.move(fromId, toId);
  }
}

describe("'started' records ahead of the slots", () => {
  const seed = {
    users: [1, 2, 3].map((n) => user(n)),
    groups: [group(1, [1]), group(2, []), group(3, [2]), group(4, []), group(5, [3]), group(6, [])],
  };
  const moves = movesOf(
    manifest(
      `{ id: a, from: ${g(1)}, to: ${g(2)} }`,
      `{ id: b, from: ${g(3)}, to: ${g(4)} }`,
      `{ id: c, from: ${g(5)}, to: ${g(6)} }`,
    ),
  );

  async function stopDuringFirstMove(resumed: (m: ResolvedMove) => BeforeState | undefined) {
    const portal = new HeldPortal(new PortalModel(seed, { version: "3.7.2" }));
    const records: string[] = [];
    const journal: MoveJournal = {
      started: (m) => {
        records.push(`started ${m.spec.id}`);
        return Promise.resolve();
      },
      finished: (m, result) => {
        records.push(`finished ${m.spec.id} ${result.status}`);
        return Promise.resolve();
      },
    };
    const stop = new AbortController();
    const pre = await preflight(portal, moves);
    const running = execute(
      { moves, preflight: pre, selected: () => true, verify: true, concurrency: 1, resumed },
      { portal, logger: silent, now: Date.now, stop: stop.signal, journal },
    );
    await portal.firstMove;
    // Move b has written its record and waits for the slot; c waits outside the window.
    await new Promise((resolve) => setImmediate(resolve));
    stop.abort();
    portal.release();
    const result = await running;
    return { records, statuses: result.moves.map((m) => m.status) };
  }

  it("a move stopped while it waits for its slot is recorded as not attempted, never left in doubt", async () => {
    const { records, statuses } = await stopDuringFirstMove(() => undefined);
    expect(statuses).toEqual(["succeeded", "not-attempted", "not-attempted"]);
    expect(records).toEqual(["started a", "started b", "finished a succeeded", "finished b not-attempted"]);
  });

  it("unless it was in doubt from an earlier crash: then it stays in doubt for the next run to judge", async () => {
    const before: BeforeState = { source: [], destination: [], sourceManager: null };
    const { records, statuses } = await stopDuringFirstMove((m) => (m.spec.id === "b" ? before : undefined));
    expect(statuses).toEqual(["succeeded", "not-attempted", "not-attempted"]);
    expect(records).toEqual(["started a", "started b", "finished a succeeded"]);
  });
});
