import {
  foldHistory,
  moveKey,
  parseJournal,
  settledOnPortal,
  type JournalRecord,
  type StartedRecord,
} from "../../../src/state/history.js";

const base = {
  v: 1 as const,
  at: "2026-11-26T00:00:00Z",
  runId: "r",
  portal: "https://p.example.com",
  from: "f",
  to: "t",
};
const started = (moveId: string, expected: string[] = ["u1"]): StartedRecord => ({
  ...base,
  event: "started",
  moveId,
  expected,
});
const finished = (moveId: string, status: string): JournalRecord => ({
  ...base,
  event: "finished",
  moveId,
  status,
  reason: null,
});
const key = (moveId: string): string => moveKey({ ...base, moveId });

describe("the journal's history", () => {
  it("is done when the last result succeeded, in doubt when a start has no result", () => {
    const history = foldHistory([
      started("a"),
      finished("a", "succeeded"),
      started("b"),
      started("c"),
      finished("c", "failed"),
    ]);
    expect([...history.done]).toEqual([key("a")]);
    expect([...history.inDoubt.keys()]).toEqual([key("b")]);
  });

  it("forgets done when a later forced run failed, and keeps it when a later one was only not attempted", () => {
    expect(
      foldHistory([started("a"), finished("a", "succeeded"), started("a"), finished("a", "failed")]).done
        .size,
    ).toBe(0);
    expect(
      foldHistory([started("a"), finished("a", "succeeded"), started("a"), finished("a", "not-attempted")])
        .done.size,
    ).toBe(1);
  });

  it("tells moves apart by portal, id and resolved groups", () => {
    const history = foldHistory([started("a"), finished("a", "succeeded")]);
    expect(history.done.has(moveKey({ ...base, moveId: "a", portal: "https://other.example.com" }))).toBe(
      false,
    );
    expect(history.done.has(moveKey({ ...base, moveId: "a", to: "t2" }))).toBe(false);
  });

  it("skips a line torn by a crash and anything that is not a record", () => {
    const text = `${JSON.stringify(started("a"))}\n{"v":1,"event":"fini\nnot json\n{"v":2}\n`;
    expect(parseJournal(text)).toEqual([started("a")]);
  });

  it("judges an in-doubt move from the groups as they are now", () => {
    const record = started("a", ["u1", "u2"]);
    expect(settledOnPortal(record, { members: ["u9"], managerId: null }, ["u1", "u2", "u3"])).toBe(true);
    expect(settledOnPortal(record, { members: ["u1", "u2"], managerId: null }, ["u1", "u2"])).toBe(false); // copied, not completed
    expect(settledOnPortal(record, { members: [], managerId: null }, ["u1"])).toBe(false);
  });

  it("is never judged done from the portal alone when the move had nobody to move", () => {
    expect(settledOnPortal(started("a", []), { members: [], managerId: null }, [])).toBe(false);
  });

  it("on v3.7.1 and later also needs the guests gone and a moved manager cleared", () => {
    const record: StartedRecord = {
      ...started("a", ["u1", "u2"]),
      guests: ["g1"],
      before: { source: ["u1", "u2", "g1"], destination: [], sourceManager: "u1" },
    };
    const destination = ["u1", "u2"];
    expect(settledOnPortal(record, { members: [], managerId: null }, destination)).toBe(true);
    expect(settledOnPortal(record, { members: ["g1"], managerId: null }, destination)).toBe(false);
    expect(settledOnPortal(record, { members: [], managerId: "u1" }, destination)).toBe(false);
    // A portal that only copies leaves guests and manager: the members' side decides.
    expect(settledOnPortal(record, { members: ["g1"], managerId: "u1" }, destination, false)).toBe(true);
  });
});
