import { notRun, shaped } from "../../../src/report/build.js";
import { MoveStatus, Reason, type MoveResult } from "../../../src/report/types.js";

describe("a move's result copied into one shape", () => {
  const base = notRun(
    { id: "a", note: null, from: { kind: "name", name: "Sales" }, to: { kind: "id", id: "g2" } },
    null,
    MoveStatus.NotAttempted,
    Reason.Interrupted,
  );
  const preview = {
    sourceBefore: 1,
    sourceAfter: 0,
    destinationBefore: 0,
    destinationAfter: 1,
    sourceMembersAfter: [],
    destinationMembersAfter: ["u1"],
    sourceManagerAfter: null,
    destinationManagerAfter: null,
    disabledLeftBehind: [],
    emptiesSource: true,
  };
  const { managerSet: _set, managerBefore: _before, ...withoutManagerKeys } = base;
  const cases: [string, MoveResult][] = [
    ["as notRun writes it", base],
    ["built by spreads, a created group and a preview", { ...base, moved: ["u1"], created: true, preview }],
    ["without the optional manager keys", withoutManagerKeys],
  ];

  it("puts the keys of a result built in another order into the one order notRun writes", () => {
    const { id, warnings, ...rest } = base;
    const reordered = { warnings, ...rest, id } as MoveResult;
    expect(Object.keys(shaped(reordered))).toEqual(Object.keys(base));
    expect(shaped(reordered)).toStrictEqual(base);
  });

  it.each(cases)("%s: the same keys, in the same order, with the same values", (_name, result) => {
    const copy = shaped(result);
    expect(copy).toStrictEqual(result);
    expect(JSON.stringify(copy)).toBe(JSON.stringify(result));
  });

  it("gives every result with an empty list the same one (nothing can add to it) and keeps warnings as written", () => {
    const built = ["User ", "u1", " is no longer the manager of ", '"Sales"'].reduce((a, b) => a + b, "");
    const ran = shaped({
      ...base,
      before: { source: ["u1"], destination: [], sourceManager: "u1" },
      moved: ["u1"],
      warnings: [built],
    });
    const other = shaped(base);
    expect(ran.droppedGuests).toBe(other.droppedGuests);
    expect(ran.before?.destination).toBe(other.alreadyInDestination);
    expect(other.warnings).toBe(other.moved);
    expect(Object.isFrozen(other.moved)).toBe(true);
    expect(ran.moved).toEqual(["u1"]);
    expect(ran.warnings).toEqual(['User u1 is no longer the manager of "Sales"']);
  });
});
