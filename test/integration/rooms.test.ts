import { accessIn, type RoomRead } from "../../src/plan/rooms.js";
import type { Seed } from "../../src/portal/types.js";
import type { Report } from "../../src/report/types.js";
import { g, smallSeed, u, user } from "../helpers/portal.js";
import { manifest, RunHarness } from "../helpers/run.js";

/**
 * The small portal with rooms: "Contracts" is shared with Sales EMEA (editing) and owned by u1
 * directly; "Playbook" with Sales (read); "Support KB" with Support (read) only.
 */
const roomSeed = (): Seed => ({
  ...smallSeed(),
  rooms: [
    {
      id: 11,
      title: "Contracts",
      shares: [
        { subject: "user", id: u(1), access: 9, owner: true },
        { subject: "group", id: g(1), access: 10 },
      ],
    },
    { id: 12, title: "Playbook", shares: [{ subject: "group", id: g(2), access: 2 }] },
    { id: 13, title: "Support KB", shares: [{ subject: "group", id: g(3), access: 2 }] },
  ],
});

/** Every person's access to every room, as DocSpace would compute it from the sandbox now. */
function accessNow(h: RunHarness): Map<string, string | null> {
  const model = h.sandbox.model;
  const rooms: RoomRead[] = model.rooms().map((r) => ({
    id: String(r.id),
    title: r.title,
    shares: (model.roomShares(r.id) ?? []).map((s) => ({ ...s, name: s.id, isOwner: s.owner === true })),
  }));
  const groups = model.listGroups({ count: 1000 }).items;
  const access = new Map<string, string | null>();
  for (const person of model.users) {
    const mine = new Set(groups.filter((gr) => gr.memberIds.includes(person.id)).map((gr) => gr.id));
    for (const room of rooms) access.set(`${person.id} ${room.id}`, accessIn(room, person.id, mine));
  }
  return access;
}

const MOVE = manifest(`{ id: emea, from: ${g(1)}, to: ${g(2)} }`);

describe("--rooms: the room access a plan changes, in the preview and the report", () => {
  let h: RunHarness;
  beforeEach(() => {
    h = new RunHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it("a dry run lists each move's rooms and, per person, what they lose and gain; reads only", async () => {
    await h.start(roomSeed());
    const r = await h.run(MOVE, { dryRun: true, rooms: true });
    expect(r.code).toBe(0);
    const rooms = (r.report as Report).rooms;
    expect(rooms?.read).toBe(3);
    expect(rooms?.moves).toEqual([
      {
        id: "emea",
        source: [{ room: "11", title: "Contracts", access: "editing" }],
        destination: [{ room: "12", title: "Playbook", access: "read" }],
      },
    ]);
    const change = (n: number, room: string, title: string, before: string | null, after: string | null) => ({
      person: u(n),
      room,
      title,
      before,
      after,
    });
    // u1 owns Contracts directly and keeps it; u3 is a guest the move drops; u4 is disabled and stays;
    // u6 was in Sales already.
    expect(rooms?.people).toEqual([
      change(1, "12", "Playbook", null, "read"),
      change(2, "11", "Contracts", "editing", null),
      change(2, "12", "Playbook", null, "read"),
      change(3, "11", "Contracts", "editing", null),
      change(5, "11", "Contracts", "editing", null),
      change(5, "12", "Playbook", null, "read"),
      change(6, "11", "Contracts", "editing", null),
    ]);
    for (const c of rooms?.people ?? []) expect(r.report?.people[c.person]).toBeDefined();
    const text = r.out.join("\n");
    expect(text).toContain("Room access (3 rooms read;");
    expect(text).toContain(`User 2: loses "Contracts" (editing); gains "Playbook" (read)`);
    expect(text).toContain(`emea: source "Contracts" (editing); destination "Playbook" (read)`);
    const paths = h.calls();
    expect(paths).toContain("GET /api/2.0/files/rooms");
    for (const id of [11, 12, 13]) expect(paths).toContain(`GET /api/2.0/files/rooms/${id}/share`);
    // Support's members were read for Support KB: a group outside the plan.
    expect(paths).toContain(`GET /api/2.0/group/${g(3)}`);
    expect(h.sandbox.requests.every((x) => x.method === "GET")).toBe(true);
  });

  it("without --rooms nothing about rooms is read or reported", async () => {
    await h.start(roomSeed());
    const r = await h.run(MOVE, { dryRun: true });
    expect(r.code).toBe(0);
    expect(r.report?.rooms).toBeUndefined();
    expect(h.calls().some((p) => p.includes("/files/"))).toBe(false);
    expect(r.out.join("\n")).not.toContain("Room access");
  });

  it("a live run with --rooms reports the preview's room access, and the portal afterwards has exactly it", async () => {
    await h.start(roomSeed());
    const before = accessNow(h);
    const r = await h.run(MOVE, { rooms: true });
    expect(r.code).toBe(0);
    const rooms = (r.report as Report).rooms;
    expect(rooms?.people.length).toBeGreaterThan(0);
    const after = accessNow(h);
    const predicted = new Map((rooms?.people ?? []).map((c) => [`${c.person} ${c.room}`, c]));
    for (const [key, was] of before) {
      const change = predicted.get(key);
      expect({ key, access: after.get(key) }).toEqual({
        key,
        access: change === undefined ? was : change.after,
      });
      if (change !== undefined) expect(change.before).toBe(was);
    }
  });

  it("reads every page of a portal with more rooms and rows than one page holds", async () => {
    const seed = smallSeed();
    const many = Array.from({ length: 130 }, (_, i) => user(100 + i));
    await h.start(
      {
        ...seed,
        users: [...seed.users, ...many],
        rooms: Array.from({ length: 230 }, (_, i) => ({
          id: 1000 + i,
          title: `Room ${i}`,
          shares: [
            ...(i === 229 ? many.map((x) => ({ subject: "user" as const, id: x.id, access: 2 })) : []),
            { subject: "group" as const, id: g(1), access: i === 229 ? 10 : 2 },
          ],
        })),
      },
      { limits: { ratePerMinute: 0 } },
    );
    // The sandbox's limits and the client's budget are not what this test is about.
    const r = await h.run(MOVE, { dryRun: true, rooms: true, rate: 60_000 });
    expect(r.code).toBe(0);
    const rooms = (r.report as Report).rooms;
    expect(rooms?.read).toBe(230);
    expect(rooms?.moves[0]?.source).toHaveLength(230);
    // The last room's group row comes after 130 person rows: on its second page.
    expect(rooms?.moves[0]?.source[229]).toEqual({ room: "1229", title: "Room 229", access: "editing" });
    expect(h.calls().filter((p) => p === "GET /api/2.0/files/rooms")).toHaveLength(3);
  });

  it("a key that may not read rooms: the preview stands without them, and says why", async () => {
    const reader = `sk-${"7".repeat(64)}`;
    await h.start({ ...roomSeed(), apiKeys: [{ key: reader, scopes: ["accounts:read"], role: "admin" }] });
    const r = await h.run(MOVE, { dryRun: true, rooms: true }, { DOCSPACE_API_KEY: reader });
    expect(r.code).toBe(0);
    expect(r.report?.rooms).toBeUndefined();
    expect(r.report?.warnings.join("\n")).toContain("--rooms: this key may not read the rooms");
    expect(r.report?.moves[0]?.status).toBe("planned");
    expect(r.reportText).not.toContain(reader);
  });

  it("the sandbox answers an unknown room as DocSpace does", async () => {
    await h.start(roomSeed());
    const res = await fetch(`${h.sandbox.url}/api/2.0/files/rooms/999/share`, {
      headers: { Authorization: `Bearer ${h.sandbox.apiKey}` },
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe("Item not found");
  });
});
