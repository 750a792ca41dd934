import { networkAdvice } from "../../../src/api/client.js";
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

describe("a network failure names its cause and what to do", () => {
  it.each([
    ["ECONNREFUSED", /\(ECONNREFUSED\): nothing listens at that address and port/],
    ["ENOTFOUND", /\(ENOTFOUND\): the host name does not resolve/],
    ["DEPTH_ZERO_SELF_SIGNED_CERT", /self-signed; add its CA with NODE_EXTRA_CA_CERTS/],
    ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", /issuer is unknown here; add the CA with NODE_EXTRA_CA_CERTS/],
    ["CERT_HAS_EXPIRED", /has expired/],
    ["EWHATEVER", /\(EWHATEVER\): check the portal URL and the network/],
  ])("%s", (code, said) => {
    expect(networkAdvice(code)).toMatch(said);
  });
});
