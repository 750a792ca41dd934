import { setImmediate as turn } from "node:timers/promises";
import { checkKey, preflight } from "../../../src/plan/preflight.js";
import { MemoryPortal } from "../../../src/portal/memory.js";
import { PortalModel } from "../../../src/portal/model.js";
import { movesOf } from "../../helpers/engine.js";
import { g, smallSeed, u } from "../../helpers/portal.js";
import { manifest } from "../../helpers/run.js";
import type { KeyInfo, SelfInfo } from "../../../src/portal/port.js";

const person = (fields: Partial<SelfInfo>): SelfInfo => ({
  id: "u",
  displayName: "",
  isOwner: false,
  isAdmin: false,
  isRoomAdmin: false,
  isVisitor: false,
  ...fields,
});
const admin = person({ displayName: "Ada Admin", isAdmin: true });
const roomAdmin = person({ displayName: "Rita Rooms", isRoomAdmin: true });
const key = (fields: Partial<KeyInfo>): KeyInfo => ({
  permissions: [],
  expiresAt: null,
  isActive: true,
  ...fields,
});

describe("what the key may do", () => {
  it.each([
    ["full access (no permissions listed)", { permissions: [] }, admin, true],
    ["full access (*)", { permissions: ["*"] }, admin, true],
    ["accounts:write", { permissions: ["accounts:write", "accounts.self:read"] }, admin, true],
    ["*:write", { permissions: ["*:write"] }, admin, true],
    ["read only", { permissions: ["accounts:read"] }, admin, false],
    ["a room admin's key", { permissions: [] }, roomAdmin, false],
    ["an inactive key", { permissions: [], isActive: false }, admin, false],
  ])("%s", (_name, fields, self, canWrite) => {
    expect(checkKey(key(fields), self).canWrite).toBe(canWrite);
  });

  it("cannot tell when the portal does not say (404 before v3.2, 403 without the self scope)", () => {
    expect(checkKey(null, admin)).toMatchObject({ canWrite: null, refusals: [] });
    expect(checkKey(key({}), null)).toMatchObject({ canWrite: null, refusals: [] });
    expect(checkKey(null, roomAdmin).canWrite).toBe(false);
  });

  it("says why, and when the key expires", () => {
    expect(
      checkKey(key({ permissions: ["files:read"], expiresAt: "2027-01-01T00:00:00Z" }), roomAdmin),
    ).toEqual({
      canWrite: false,
      refusals: [
        "the key's permissions (files:read) do not include accounts:write, which moving members needs",
        "the key belongs to Rita Rooms, a room admin: only DocSpace admins and the owner may move members",
      ],
      notes: ["the key expires at 2027-01-01T00:00:00Z"],
    });
  });
});

describe("the preflight over the in-memory portal", () => {
  const portal = (): MemoryPortal => {
    const seed = smallSeed();
    const twin = { id: g(9), name: "Sales", managerId: null, memberIds: [] };
    return new MemoryPortal(
      new PortalModel({ ...seed, groups: [...seed.groups, twin] }, { version: "3.6.2" }),
    );
  };

  /** The preflight of these manifest moves over `memory`. */
  const preflightOf = (memory: MemoryPortal, ...moves: string[]) =>
    preflight(memory, movesOf(manifest(...moves)));

  it("resolves names, reads each group once, and says which behaviour applies", async () => {
    const memory = portal();
    const pre = await preflightOf(memory, `{ from: { name: "Sales EMEA" }, to: ${g(3)} }`);
    expect(pre).toMatchObject({ portalVersion: "3.6.2", behaviour: "copy", problems: [] });
    expect(pre.moves[0]).toMatchObject({ from: { id: g(1), name: "Sales EMEA" }, to: { id: g(3) } });
    expect([...pre.groups.keys()].sort()).toEqual([g(1), g(3)]);
    expect(pre.key.canWrite).toBe(true);
  });

  it("names each group as its read says: by id, its name; found by name and renamed before it was read, its new name", async () => {
    const memory = portal();
    const read = memory.group.bind(memory);
    memory.group = async (id, call) => {
      const group = await read(id, call);
      return id === g(1) ? { ...group, name: "Sales EMEA (renamed)" } : group;
    };
    const plan = movesOf(
      manifest(`{ from: { name: "Sales EMEA" }, to: ${g(3)} }`, `{ from: { name: "Support" }, to: ${g(4)} }`),
    );
    const pre = await preflight(memory, plan);
    expect(pre.moves[0]).toMatchObject({
      from: { id: g(1), name: "Sales EMEA (renamed)" },
      to: { id: g(3), name: "Support" },
    });
    // Found by name and read as such: the manifest's own string, one object for the group.
    expect(pre.moves[1]?.from).toEqual({ id: g(3), name: "Support" });
    expect(pre.moves[1]?.to).toEqual({ id: g(4), name: "Empty" });
  });

  it("checks the manifest's rules again when a name and an id turn out to be one group", async () => {
    const pre = await preflightOf(
      portal(),
      `{ id: a, from: { name: "Support" }, to: ${g(3)} }`,
      `{ id: b, from: { name: "Sales EMEA" }, to: ${g(4)} }`,
      `{ id: c, from: ${g(1)}, to: { name: "Support" } }`,
    );
    expect(pre.problems.map((p) => [p.moveId, p.message])).toEqual([
      ["a", expect.stringContaining("from and to are the same group (Support")],
      ["c", expect.stringContaining("after resolving names:")],
    ]);
    // Two names one group (a portal's answer): the same.
    const odd = portal();
    const search = odd.findGroups.bind(odd);
    odd.findGroups = async (name, call) =>
      name === "Other" ? [{ id: g(1), name: "Other" }] : search(name, call);
    const twice = await preflightOf(
      odd,
      `{ id: a, from: { name: "Sales EMEA" }, to: ${g(3)} }`,
      `{ id: b, from: { name: "Other" }, to: ${g(4)} }`,
    );
    expect(twice.problems.map((p) => [p.moveId, p.message])).toEqual([
      ["b", expect.stringContaining("after resolving names:")],
    ]);
    // Names that are all different groups: nothing more to say.
    const plain = await preflightOf(
      portal(),
      `{ from: { name: "Support" }, to: { name: "Empty" } }`,
      `{ from: ${g(1)}, to: ${g(2)} }`,
    );
    expect(plain.problems).toEqual([]);
  });

  it("sends its first reads (a name search, a group) beside the checks, without waiting for their answers", async () => {
    // The version's answer is held until a group has been read and a name searched: read one after the
    // other, this preflight would never end.
    const memory = portal();
    let released = (): void => undefined;
    const readsStarted = new Promise<void>((resolve) => (released = resolve));
    const seen = new Set<string>();
    const note = (what: string): void => {
      seen.add(what);
      if (seen.has("group") && seen.has("search")) released();
    };
    const version = memory.version.bind(memory);
    const group = memory.group.bind(memory);
    const findGroups = memory.findGroups.bind(memory);
    memory.version = async () => {
      await readsStarted;
      return version();
    };
    memory.group = (id) => {
      note("group");
      return group(id);
    };
    memory.findGroups = (name) => {
      note("search");
      return findGroups(name);
    };
    const pre = await preflightOf(memory, `{ from: { name: "Sales EMEA" }, to: ${g(3)} }`);
    expect(pre).toMatchObject({ portalVersion: "3.6.2", problems: [] });
    expect([...pre.groups.keys()].sort()).toEqual([g(1), g(3)]);
  });

  it("a stop while the reads are out ends the preflight, even when every answer comes in", async () => {
    const memory = portal();
    const stop = new AbortController();
    const group = memory.group.bind(memory);
    memory.group = (id) => {
      stop.abort();
      return group(id);
    };
    await expect(
      preflight(memory, movesOf(manifest(`{ from: ${g(1)}, to: ${g(3)} }`)), stop.signal),
    ).rejects.toMatchObject({ kind: "interrupted" });
  });

  describe("many names: one listing instead of a search each, when it takes fewer reads", () => {
    // 26 names to find: 13 moves between 26 of 30 groups, one name missing, one shared by two groups.
    // (`twins` more groups named "Team 28" after it)
    const teams = (twins = 1): MemoryPortal => {
      const seed = smallSeed();
      const extra = Array.from({ length: 29 + twins }, (_, i) => ({
        id: `7e4a1c2b-0000-4000-8000-${String(i).padStart(12, "0")}`,
        name: i >= 29 ? "Team 28" : `Team ${i}`,
        managerId: null,
        memberIds: [],
      }));
      return new MemoryPortal(
        new PortalModel({ ...seed, groups: [...seed.groups, ...extra] }, { version: "3.7.2" }),
      );
    };
    const plan = movesOf(
      manifest(
        ...Array.from(
          { length: 13 },
          (_, i) =>
            `{ id: m${i}, from: { name: "Team ${i}" }, to: { name: "${i === 0 ? "Team 99" : `Team ${i + 13}`}" } }`,
        ),
        `{ id: twin, from: { name: "Team 28" }, to: { name: "Team 27" } }`,
      ),
    );
    const counted = (memory: MemoryPortal): Record<string, number> => {
      const calls = { findGroups: 0, listGroups: 0, groupCount: 0 };
      for (const name of Object.keys(calls) as (keyof typeof calls)[]) {
        const real = (memory[name] as (...a: unknown[]) => unknown).bind(memory);
        (memory as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
          // (the memory portal lists by searching for "": that is not a search)
          if (!(name === "findGroups" && args[0] === "")) calls[name]++;
          return real(...args);
        };
      }
      return calls;
    };

    it("lists the groups once and finds every name there, with the same answers as searching", async () => {
      const listed = teams();
      // The count goes with the listing, so that its pages are read together.
      const expected: (number | undefined)[] = [];
      const list = listed.listGroups.bind(listed);
      listed.listGroups = (call, count) => {
        expected.push(count);
        return list(call, count);
      };
      const listCalls = counted(listed);
      const byListing = await preflight(listed, plan);
      expect(listCalls).toEqual({ findGroups: 0, listGroups: 1, groupCount: 1 });
      expect(expected).toEqual([await listed.groupCount()]);

      const searched = teams();
      searched.groupCount = () => Promise.resolve(null); // a portal that does not say: a search each
      const searchCalls = counted(searched);
      const bySearching = await preflight(searched, plan);
      expect(searchCalls.findGroups).toBe(28);
      expect(searchCalls.listGroups).toBe(1); // "did you mean" for the missing name

      expect(byListing.moves).toEqual(bySearching.moves);
      expect(byListing.problems).toEqual(bySearching.problems);
      expect(byListing.problems.map((p) => p.moveId)).toEqual(["m0", "twin"]);
      expect(byListing.problems.map((p) => p.message)).toEqual([
        expect.stringContaining('no group is named "Team 99"'),
        expect.stringContaining('2 groups are named "Team 28"'),
      ]);
    });

    it("names every group that shares a name, in the listing's order, when three or more do", async () => {
      const listed = teams(3);
      const calls = counted(listed);
      const { problems } = await preflight(listed, plan);
      expect(calls.listGroups).toBe(1);
      const ids = [28, 29, 30, 31].map((i) => `7e4a1c2b-0000-4000-8000-${String(i).padStart(12, "0")}`);
      expect(problems.find((p) => p.moveId === "twin")?.message).toContain(
        `4 groups are named "Team 28" (${ids.join(", ")})`,
      );
    });

    it("lets the listing go, collected, before the groups found in it are read", async () => {
      const listed = teams();
      const summaries: WeakRef<object>[] = [];
      const list = listed.listGroups.bind(listed);
      listed.listGroups = async () => {
        const copies = (await list()).map((g) => {
          const copy = { ...g };
          summaries.push(new WeakRef(copy));
          return copy;
        });
        // (a task boundary, as a real answer comes in one: a WeakRef holds its target until then)
        await turn();
        return copies;
      };
      let aliveAtFirstRead: number | null = null;
      const read = listed.group.bind(listed);
      listed.group = (...args: Parameters<MemoryPortal["group"]>) => {
        aliveAtFirstRead ??= summaries.filter((s) => s.deref() !== undefined).length;
        return read(...args);
      };
      await preflight(listed, plan);
      expect(summaries.length).toBeGreaterThan(20);
      expect(aliveAtFirstRead).toBe(0);
    });

    it("searches for each name when the listing would take more reads", async () => {
      const big = teams();
      big.groupCount = () => Promise.resolve(1_000_000); // 10,000 pages for 28 names
      const calls = counted(big);
      const pre = await preflight(big, plan);
      expect(calls.findGroups).toBe(28);
      expect(pre.moves[1]).toMatchObject({ from: { name: "Team 1" }, to: { name: "Team 14" } });
    });
  });

  it("does not refuse what is left out or what an earlier run did: neither is checked, a move in doubt not against its source", async () => {
    const settled = new Set([`a ${g(1)} ${g(3)}`, `b ${g(42)} ${g(3)}`]);
    const inDoubt = new Set([`d ${g(1)} ${g(4)}`, `f ${g(1)} ${g(2)}`]);
    const key = (m: { moveId: string; from: string; to: string }): string => `${m.moveId} ${m.from} ${m.to}`;
    const pre = await preflight(
      portal(),
      movesOf(
        manifest(
          // done: u8 is in Support now, not in Sales EMEA
          `{ id: a, from: ${g(1)}, to: ${g(3)}, members: [${u(8)}], manager: ${u(8)} }`,
          // undone: the group its undo deleted is known by its id
          `{ id: b, from: ${g(42)}, to: ${g(3)} }`,
          // a group by a name that is gone cannot be matched to a record
          `{ id: e, from: { name: "Gone" }, to: ${g(3)} }`,
          // in doubt: u7 may have left the source already; a guest is still refused
          `{ id: d, from: ${g(1)}, to: ${g(4)}, members: [${u(7)}] }`,
          `{ id: f, from: ${g(1)}, to: ${g(2)}, members: [${u(3)}] }`,
          // left out: a group not found, a guest, refused for nothing
          `{ id: x, from: { name: "Nowhere" }, to: ${g(3)} }`,
          `{ id: y, from: ${g(2)}, to: ${g(3)}, members: [${u(3)}] }`,
        ),
      ),
      undefined,
      {
        selected: (id) => !["x", "y"].includes(id),
        settled: (m) => settled.has(key(m)),
        inDoubt: (m) => inDoubt.has(key(m)),
      },
    );
    expect(pre.moves.map((m) => m && [m.spec.id, m.from.id, m.to.id, m.members?.map((x) => x.id)])).toEqual([
      ["a", g(1), g(3), undefined],
      ["b", g(42), g(3), undefined],
      null,
      ["d", g(1), g(4), [u(7)]],
      null,
      null,
      ["y", g(2), g(3), undefined],
    ]);
    expect(pre.problems.map((p) => [p.moveId, p.message])).toEqual([
      ["e", expect.stringContaining('no group is named "Gone"')],
      ["f", expect.stringContaining("is a guest")],
    ]);
  });

  it("lists every blocking problem at once: unknown and ambiguous names, a missing group, a system group, from == to", async () => {
    const pre = await preflightOf(
      portal(),
      `{ id: a, from: { name: "Nobody" }, to: ${g(3)} }`,
      `{ id: b, from: { name: "Sales" }, to: ${g(3)} }`,
      `{ id: c, from: ${g(42)}, to: ${g(3)} }`,
      `{ id: d, from: c5cc67d1-c3e8-43c0-a3ad-3928ae3e5b5e, to: ${g(4)} }`,
      `{ id: e, from: { name: "Support" }, to: ${g(3)} }`,
    );
    expect(pre.problems.map((p) => p.moveId)).toEqual(["a", "b", "c", "d", "e"]);
    expect(pre.problems.map((p) => p.message)).toEqual([
      expect.stringContaining('no group is named "Nobody"'),
      expect.stringContaining('2 groups are named "Sales"'),
      expect.stringContaining("the group does not exist (or was deleted)"),
      expect.stringContaining('is the system group "Everyone"'),
      expect.stringContaining("from and to are the same group"),
    ]);
  });
});
