import { accessIn, roomImpact, type RoomRead } from "../../../src/plan/rooms.js";
import { PortalModel } from "../../../src/portal/model.js";
import type { RoomShare } from "../../../src/portal/port.js";
import { g, smallSeed, u } from "../../helpers/portal.js";

const row = (subject: "user" | "group", id: string, access: number, isOwner = false): RoomShare => ({
  subject,
  id,
  name: id,
  access,
  isOwner,
});
const room = (id: string, shares: RoomShare[]): RoomRead => ({ id, title: `Room ${id}`, shares });

describe("room access as DocSpace computes it (§10.8)", () => {
  it("a direct share wins over every group share, even a weaker one or a restriction", () => {
    const r = room("1", [row("group", g(1), 9), row("user", u(1), 2), row("user", u(2), 3)]);
    expect(accessIn(r, u(1), new Set([g(1)]))).toBe("read");
    expect(accessIn(r, u(2), new Set([g(1)]))).toBeNull();
    expect(accessIn(r, u(3), new Set([g(1)]))).toBe("room-manager");
  });

  it("among group shares the strongest role wins, in the room order", () => {
    const r = room("1", [row("group", g(1), 2), row("group", g(2), 10), row("group", g(3), 11)]);
    expect(accessIn(r, u(1), new Set([g(1), g(2)]))).toBe("editing");
    expect(accessIn(r, u(1), new Set([g(1), g(2), g(3)]))).toBe("content-creator");
    expect(accessIn(r, u(1), new Set([g(1)]))).toBe("read");
    // A group row of none (0) gives nothing; no row, no access.
    expect(accessIn(room("2", [row("group", g(1), 0)]), u(1), new Set([g(1)]))).toBeNull();
    expect(accessIn(r, u(1), new Set())).toBeNull();
  });

  it("lists what each person loses, gains and keeps with another role, and only for people whose groups change", () => {
    const rooms = [
      room("1", [row("group", g(1), 10), row("user", u(1), 9, true)]),
      room("2", [row("group", g(2), 2)]),
      room("3", [row("group", g(1), 10), row("group", g(2), 6)]),
      room("4", [row("group", g(3), 2)]),
    ];
    const impact = roomImpact(rooms, {
      moves: [{ id: "m", from: g(1), to: g(2) }],
      before: new Map([
        [g(1), [u(1), u(2)]],
        [g(2), [u(3)]],
        [g(3), [u(2), u(4)]],
      ]),
      after: new Map([
        [g(1), []],
        [g(2), [u(3), u(1), u(2)]],
        [g(3), [u(2), u(4)]],
      ]),
    });
    expect(impact.read).toBe(4);
    expect(impact.moves).toEqual([
      {
        id: "m",
        source: [
          { room: "1", title: "Room 1", access: "editing" },
          { room: "3", title: "Room 3", access: "editing" },
        ],
        destination: [
          { room: "2", title: "Room 2", access: "read" },
          { room: "3", title: "Room 3", access: "comment" },
        ],
      },
    ]);
    const change = (person: string, r: string, before: string | null, after: string | null) => ({
      person,
      room: r,
      title: `Room ${r}`,
      before,
      after,
    });
    expect(impact.people).toEqual([
      // u1 owns room 1 directly: unchanged there.
      change(u(1), "2", null, "read"),
      change(u(1), "3", "editing", "comment"),
      change(u(2), "1", "editing", null),
      change(u(2), "2", null, "read"),
      change(u(2), "3", "editing", "comment"),
    ]);
  });

  it("deleting a group deletes its rows in every room (§10.7); member edits leave rows alone", () => {
    const seed = smallSeed();
    const model = new PortalModel(
      {
        ...seed,
        rooms: [
          {
            id: 7,
            title: "Contracts",
            shares: [
              { subject: "group", id: g(1), access: 10 },
              { subject: "group", id: g(2), access: 2 },
            ],
          },
        ],
      },
      { version: "3.7.2" },
    );
    model.move(g(1), g(2));
    expect(model.roomShares(7)).toHaveLength(2);
    model.removeGroup(g(1));
    expect(model.roomShares(7)).toEqual([{ subject: "group", id: g(2), access: 2 }]);
    expect(model.roomShares(8)).toBeNull();
    expect(model.toSeed().rooms).toEqual([
      { id: 7, title: "Contracts", shares: [{ subject: "group", id: g(2), access: 2 }] },
    ]);
  });
});
