import { snapshotOf } from "../../../src/api/http-portal.js";

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
      manager: { id: "m1", displayName: "M", status: 1, isVisitor: false },
    });
  });
});
