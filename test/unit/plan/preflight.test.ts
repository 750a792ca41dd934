import { checkKey, snapshotOf } from "../../../src/plan/preflight.js";

const admin = { id: "u", displayName: "Ada Admin", status: 1, isAdmin: true };
const roomAdmin = { id: "u", displayName: "Rita Rooms", status: 1, isRoomAdmin: true };

describe("what the key may do", () => {
  it.each([
    ["full access (no permissions listed)", { permissions: [] }, admin, true],
    ["full access (*)", { permissions: ["*"] }, admin, true],
    ["accounts:write", { permissions: ["accounts:write", "accounts.self:read"] }, admin, true],
    ["*:write", { permissions: ["*:write"] }, admin, true],
    ["read only", { permissions: ["accounts:read"] }, admin, false],
    ["a room admin's key", { permissions: [] }, roomAdmin, false],
    ["an inactive key", { permissions: [], isActive: false }, admin, false],
  ])("%s", (_name, key, self, canWrite) => {
    expect(checkKey(key, self).canWrite).toBe(canWrite);
  });

  it("cannot tell when the portal does not say (404 before v3.2, 403 without the self scope)", () => {
    expect(checkKey(null, admin)).toMatchObject({ canWrite: null, refusals: [] });
    expect(checkKey({ permissions: [] }, null)).toMatchObject({ canWrite: null, refusals: [] });
    expect(checkKey(null, roomAdmin).canWrite).toBe(false);
  });

  it("says why, and when the key expires", () => {
    expect(checkKey({ permissions: ["files:read"], expiresAt: "2027-01-01T00:00:00Z" }, roomAdmin)).toEqual({
      canWrite: false,
      refusals: [
        "the key's permissions (files:read) do not include accounts:write, which moving members needs",
        "the key belongs to Rita Rooms, a room admin: only DocSpace admins and the owner may move members",
      ],
      notes: ["the key expires at 2027-01-01T00:00:00Z"],
    });
  });
});

describe("a group as read", () => {
  it("lower-cases ids and reads a member without a status as active", () => {
    expect(
      snapshotOf({
        id: "ABC",
        name: "G",
        manager: { id: "M1", displayName: "M", status: 1 },
        members: [{ id: "U1", displayName: "U" }],
      }),
    ).toEqual({
      id: "abc",
      name: "G",
      managerId: "m1",
      members: [{ id: "u1", displayName: "U", status: 1, isVisitor: false }],
      isSystem: false,
    });
  });
});
