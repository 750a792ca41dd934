import { request } from "node:http";
import { startSandbox, type Sandbox } from "../../src/sandbox/server.js";
import { g, smallSeed, u } from "../helpers/portal.js";
import { KEY } from "../helpers/run.js";

let sandbox: Sandbox;

/** One raw request (node:http sends the path as given, unlike fetch). */
function send(method: string, path: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: sandbox.port,
        method,
        path,
        headers: {
          Authorization: `Bearer ${KEY}`,
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => {
          resolve(res.statusCode ?? 0);
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("the sandbox answers every malformed request with a 4xx and keeps serving (SPEC §7)", () => {
  beforeAll(async () => {
    sandbox = await startSandbox({ seed: smallSeed(), apiKey: KEY });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it.each([
    ["GET", "//", undefined],
    ["GET", "//[", undefined],
    ["GET", "//x:99999", undefined],
    ["GET", "/api/2.0/group/not-a-guid", undefined],
    ["GET", "/api/2.0/group?count=0", undefined],
    ["GET", "/api/2.0/group?startIndex=abc", undefined],
    ["PUT", `/api/2.0/group/${g(1)}`, '{"groupName":5}'],
    ["PUT", `/api/2.0/group/${g(1)}`, '{"membersToAdd":5}'],
    ["PUT", `/api/2.0/group/${g(1)}`, '{"membersToRemove":"abc"}'],
    ["PUT", `/api/2.0/group/${g(1)}`, '{"groupManager":5}'],
    ["PUT", `/api/2.0/group/${g(1)}`, "[1,2]"],
    ["PUT", `/api/2.0/group/${g(1)}/members`, '{"members":5}'],
    ["DELETE", `/api/2.0/group/${g(1)}/members`, '{"members":["abc"]}'],
    ["PUT", `/api/2.0/group/${g(1)}/manager`, '{"userId":5}'],
    ["PUT", `/api/2.0/group/${g(1)}/manager`, "null"],
    ["POST", "/api/2.0/group", '{"groupName":7}'],
    ["POST", "/api/2.0/group", `{"groupName":"x","groupManager":"${u(3).slice(0, 8)}"}`],
    ["PATCH", `/api/2.0/group/${g(1)}/members`, "{}"],
  ])("%s %s %s", async (method, path, body) => {
    const status = await send(method, path, body);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    expect(await send("GET", "/api/2.0/settings/version/build")).toBe(200);
  });

  it("left every group as it was", () => {
    expect(sandbox.model.group(g(1))).toMatchObject({ name: "Sales EMEA", managerId: u(1) });
  });
});
