import { notRun, shaped, summarize } from "../../../src/report/build.js";
import { keysOf, peopleOf } from "../../../src/report/people.js";
import { jsonPieces } from "../../../src/report/write.js";
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

describe("the report's summary and people, from the results", () => {
  const result = (id: string, status: MoveStatus, moved: string[]): MoveResult => ({
    ...notRun(
      { id, note: null, from: { kind: "id", id: "g1" }, to: { kind: "id", id: "g2" } },
      null,
      status,
      Reason.Excluded,
    ),
    moved,
  });
  const moves = [
    result("a", MoveStatus.Succeeded, ["u2", "u1"]),
    result("b", MoveStatus.Failed, []),
    result("c", MoveStatus.Succeeded, ["u3"]),
    result("d", MoveStatus.Skipped, []),
    result("e", MoveStatus.NotAttempted, []),
  ];

  it("counts each status and the members moved", () => {
    expect(summarize(moves, { requests: 9, retries: 1, rateLimited: 0 })).toEqual({
      total: 5,
      succeeded: 2,
      failed: 1,
      skipped: 1,
      planned: 0,
      notAttempted: 1,
      membersMoved: 3,
      requests: 9,
      retries: 1,
      rateLimited: 0,
    });
  });

  it("names each person once, in the order the moves first name them, then the others, then the key's user", () => {
    const known = new Map([
      ["u1", { displayName: "One", email: null, type: "user" as const, status: "active" as const }],
    ]);
    const people = peopleOf(moves, known, "k", ["u9", "u1"]);
    expect(Object.keys(people)).toEqual(["u2", "u1", "u3", "u9", "k"]);
    expect(people.u1?.displayName).toBe("One");
    expect(people.u2).toEqual({ displayName: null, email: null, type: null, status: null });
  });

  it("keeps only the ids: each person is looked up when read, and the record reads as the plain object would", () => {
    const person = (name: string) => ({
      displayName: name,
      email: null,
      type: "user" as const,
      status: "active" as const,
    });
    const asked: string[] = [];
    const directory = {
      get: (id: string) => {
        asked.push(id);
        return id === "u3" ? undefined : person(`Person ${id}`);
      },
    };
    // (ids a hostile portal may send: array indexes, which a plain object lists first, and "__proto__")
    const odd = ["10", "2", "__proto__", "toJSON", "4294967295"];
    const people = peopleOf(moves, directory, "k", odd);
    expect(asked).toEqual([]);
    const plain: Record<string, unknown> = {};
    for (const id of ["u2", "u1", "u3", ...odd, "k"])
      Object.defineProperty(plain, id, { value: directory.get(id) ?? people[id], enumerable: true });
    asked.length = 0;
    expect(Object.keys(people)).toEqual(Object.keys(plain));
    expect(asked).toEqual([]);
    expect(JSON.stringify(people)).toBe(JSON.stringify(plain));
    expect([...keysOf(people)]).toEqual(Object.keys(plain));
    // Written without asking the record for its keys (V8 keeps memory for a proxy's key list).
    let listed = 0;
    const watched = new Proxy(people, {
      ownKeys: (target) => {
        listed += 1;
        return Reflect.ownKeys(target);
      },
    });
    expect([...jsonPieces({ people: watched })].join("")).toBe(JSON.stringify({ people: plain }, null, 2));
    expect(listed).toBe(0);
    expect(people).toEqual(plain);
    expect(people.u3).toEqual({ displayName: null, email: null, type: null, status: null });
    expect("u1" in people && !("u7" in people)).toBe(true);
    expect(() => {
      (people as Record<string, unknown>).u1 = null;
    }).toThrow(TypeError);
  });
});
