import { writeSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import fc from "fast-check";
import { GroupStore, groupsToChange, handedOn, peopleRead } from "../../../src/plan/group-store.js";
import { hashOf } from "../../../src/hash.js";
import type { GroupSnapshot, MemberInfo, SelfInfo } from "../../../src/portal/port.js";
import type { SpoolIo } from "../../../src/state/spool.js";

const person = (n: number, name = `Person ${n}`): MemberInfo => ({
  id: `user-${n}`,
  displayName: name,
  status: 1,
  isVisitor: n % 5 === 0,
  email: `p${n}@example.com`,
});
const group = (n: number, members: readonly number[], manager: number | null = null): GroupSnapshot => ({
  id: `group-${n}`,
  name: `Group ${n} ✓`,
  managerId: manager === null ? null : `user-${manager}`,
  members: members.map((m) => person(m)),
  isSystem: false,
  ...(manager === null ? {} : { manager: person(manager, `Manager ${manager}`) }),
});
const self: SelfInfo = {
  id: "user-0",
  displayName: "The key's user",
  isOwner: true,
  isAdmin: true,
  isRoomAdmin: false,
  isVisitor: false,
};

describe("the groups a preflight read, kept in a store", () => {
  it("reads back each group as it was kept, and answers as a Map of them does", () => {
    const entries = Array.from({ length: 3000 }, (_, i) => [`group-${i}`, group(i, [i, i + 1], i)] as const);
    const store = new GroupStore(entries);
    const map = new Map(entries);
    expect(store.size).toBe(map.size);
    expect([...store.keys()]).toEqual([...map.keys()]);
    expect([...store.values()]).toEqual([...map.values()]);
    expect([...store]).toEqual([...map]);
    expect(store.get("group-2999")).toEqual(map.get("group-2999"));
    expect(store.get("group-3000")).toBeUndefined();
    expect(store.has("group-7") && !store.has("group-x")).toBe(true);
    const seen: string[] = [];
    store.forEach((g, id) => seen.push(`${id}=${g.name}`));
    expect(seen).toEqual([...map].map(([id, g]) => `${id}=${g.name}`));

    // A later group under the same id replaces it, in its place; a deleted one is gone.
    store.set("group-1", group(1, [42]));
    expect(store.get("group-1")?.members.map((m) => m.id)).toEqual(["user-42"]);
    expect([...store.keys()].slice(0, 3)).toEqual(["group-0", "group-1", "group-2"]);
    expect(store.delete("group-2")).toBe(true);
    expect(store.delete("group-2")).toBe(false);
    expect(store.size).toBe(2999);
  });

  it("holds no group it was given: each read is a fresh copy, and the one given can be collected", async () => {
    // A collection on demand (the test's own: V8's flag, set at run time, gives `gc` to a new context).
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const store = new GroupStore();
    let given: GroupSnapshot | undefined = group(1, [1, 2], 1);
    const weak = new WeakRef(given);
    store.set("group-1", given);
    given = undefined;
    await new Promise((resolve) => setTimeout(resolve, 0)); // (a WeakRef keeps its target until then)
    gc();
    expect(weak.deref()).toBeUndefined();
    const first = store.get("group-1");
    expect(first).toEqual(group(1, [1, 2], 1));
    expect(store.get("group-1")).not.toBe(first);
  });

  it("still keeps every group when its file cannot be written (in memory from then on)", () => {
    let writes = 0;
    const failing: SpoolIo = {
      writeSync: (fd, buffer, offset, length, position) => {
        if (++writes > 1) throw Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
        return writeSync(fd, buffer, offset, length, position);
      },
    };
    // Groups of about 2 KB: the first block (256 KB) is written, the second write fails.
    const many = (i: number): GroupSnapshot =>
      group(
        i,
        Array.from({ length: 20 }, (_, k) => i * 20 + k),
        i * 20,
      );
    const entries = Array.from({ length: 400 }, (_, i) => [`group-${i}`, many(i)] as const);
    const store = new GroupStore(entries, { io: failing });
    expect(writes).toBe(2);
    expect([...store]).toEqual(entries);
  });

  it("forks: the fork's changes are its own, and the store's are not the fork's", () => {
    const store = new GroupStore([
      ["group-1", group(1, [1])],
      ["group-2", group(2, [2])],
    ]);
    const fork = store.fork();
    fork.set("group-1", group(1, [7]));
    fork.delete("group-2");
    store.set("group-3", group(3, [3]));
    expect([...store.keys()]).toEqual(["group-1", "group-2", "group-3"]);
    expect(store.get("group-1")?.members[0]?.id).toBe("user-1");
    expect([...fork.keys()]).toEqual(["group-1"]);
    expect(fork.get("group-1")?.members[0]?.id).toBe("user-7");
    // A fork adds nobody to the people the store's reads described.
    expect(peopleRead({ self: null, groups: store }).get("user-7")).toBeUndefined();
    // A Map is copied.
    const map = new Map([["group-1", group(1, [1])]]);
    groupsToChange(map).delete("group-1");
    expect(map.size).toBe(1);
  });

  it("hands its groups on: it is left with none, and still knows the people they named as read", () => {
    const store = new GroupStore([
      ["group-1", group(1, [1, 2], 3)],
      ["group-2", group(2, [4])],
    ]);
    const read = peopleRead({ self, groups: store });
    const taken = handedOn(store);
    expect(store.size).toBe(0);
    expect(taken.get("group-1")).toEqual(group(1, [1, 2], 3));
    taken.set("group-2", group(2, [9]));
    taken.delete("group-1");
    expect(read.get("user-3")).toEqual(person(3, "Manager 3"));
    expect(read.get("user-4")).toEqual(person(4));
    expect(read.get("user-9")).toBeUndefined();
    expect(read.get("user-0")).toEqual(self);
  });

  it("describes each person as a Map of everyone read does (the last read wins, a member before a manager)", () => {
    const groupOf = fc.record({
      id: fc.integer({ min: 0, max: 8 }),
      members: fc.uniqueArray(fc.integer({ min: 0, max: 12 }), { maxLength: 5 }),
      manager: fc.option(fc.integer({ min: 0, max: 12 })),
      renamed: fc.boolean(),
    });
    fc.assert(
      // (a preflight reads each group once)
      fc.property(fc.uniqueArray(groupOf, { selector: (r) => r.id }), fc.boolean(), (reads, withSelf) => {
        const entries = reads.map((r, i) => {
          const g = group(r.id, r.members, r.manager);
          // The same person may read differently from one group to the next.
          const members = g.members.map((m) =>
            r.renamed ? { ...m, displayName: `${m.displayName} (${i})` } : m,
          );
          return [g.id, { ...g, members }] as const;
        });
        const preflight = (groups: ReadonlyMap<string, GroupSnapshot>) => ({
          self: withSelf ? self : null,
          groups,
        });
        const fromStore = peopleRead(preflight(new GroupStore(entries)));
        const fromMap = peopleRead(preflight(new Map(entries)));
        for (let n = 0; n <= 13; n++) expect(fromStore.get(`user-${n}`)).toEqual(fromMap.get(`user-${n}`));
      }),
    );
  });

  it("tells apart two people whose ids share a hash, whichever group was read last", () => {
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; pair === undefined; i++) {
      const id = `user-${i}`;
      const other = seen.get(hashOf(id));
      if (other !== undefined) pair = [other, id];
      else seen.set(hashOf(id), id);
    }
    const [a, b] = pair;
    const member = (id: string, name: string): MemberInfo => ({
      id,
      displayName: name,
      status: 1,
      isVisitor: false,
    });
    const store = new GroupStore([
      [
        "group-1",
        { id: "group-1", name: "One", managerId: null, members: [member(a, "A")], isSystem: false },
      ],
      [
        "group-2",
        { id: "group-2", name: "Two", managerId: null, members: [member(b, "B")], isSystem: false },
      ],
    ]);
    const read = peopleRead({ self: null, groups: store });
    expect([read.get(a)?.displayName, read.get(b)?.displayName]).toEqual(["A", "B"]);
    expect(read.get("user-x")).toBeUndefined();
  });
});
