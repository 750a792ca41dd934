import { checkKey } from "../../../src/plan/preflight.js";
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
