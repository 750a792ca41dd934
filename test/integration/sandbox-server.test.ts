import { startSandbox, type Sandbox, type SandboxOptions } from "../../src/sandbox/server.js";
import { nth, nthMatching } from "../../src/sandbox/faults.js";
import { g, smallSeed, u } from "../helpers/portal.js";

const KEY = `sk-${"0123456789abcdef".repeat(4)}`;
const READ_KEY = `sk-${"a".repeat(64)}`;
const ROOM_ADMIN_KEY = `sk-${"b".repeat(64)}`;
const USER_KEY = `sk-${"c".repeat(64)}`;
const EXPIRED_KEY = `sk-${"d".repeat(64)}`;

let sandbox: Sandbox | null = null;

async function start(options: Partial<SandboxOptions> = {}): Promise<Sandbox> {
  sandbox = await startSandbox({
    seed: {
      ...smallSeed(),
      apiKeys: [
        { key: READ_KEY, scopes: ["accounts:read"] },
        { key: ROOM_ADMIN_KEY, scopes: ["*"], role: "roomAdmin" },
        { key: USER_KEY, scopes: ["*"], role: "user" },
        { key: EXPIRED_KEY, scopes: ["*"], expiresAt: "2020-01-01T00:00:00Z" },
      ],
    },
    apiKey: KEY,
    ...options,
  });
  return sandbox;
}

afterEach(async () => {
  await sandbox?.close();
  sandbox = null;
});

interface Answer {
  status: number;
  text: string;
  json: unknown;
  headers: Headers;
}

async function call(
  path: string,
  init: { method?: string; key?: string | null; body?: unknown } = {},
): Promise<Answer> {
  if (sandbox === null) throw new Error("no sandbox");
  const headers: Record<string, string> = { Accept: "application/json" };
  const key = init.key === undefined ? KEY : init.key;
  if (key !== null) headers.Authorization = key.startsWith("sk-") ? `Bearer ${key}` : key;
  if (init.body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(`${sandbox.url}${path}`, {
    method: init.method ?? "GET",
    headers,
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* empty or not JSON */
  }
  return { status: res.status, text, json, headers: res.headers };
}

describe("envelopes", () => {
  it("wraps a group in the success envelope, members included by default", async () => {
    const s = await start();
    const res = await call(`/api/2.0/group/${g(2)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("server-timing")).toMatch(/^aspnetcore-request-time;dur=\d+ms$/);
    expect(res.json).toEqual({
      response: {
        name: "Sales",
        parent: "00000000-0000-0000-0000-000000000000",
        category: "00000000-0000-0000-0000-000000000000",
        id: g(2),
        isLDAP: false,
        manager: expect.objectContaining({ id: u(7), displayName: "User 7", status: 1, isVisitor: false }),
        members: [expect.objectContaining({ id: u(6) }), expect.objectContaining({ id: u(7) })],
        membersCount: 2,
      },
      count: 1,
      links: [{ href: `${s.url}/api/2.0/group/${g(2)}`, action: "GET" }],
      status: 0,
      statusCode: 200,
    });
    expect(Object.keys((res.json as { response: object }).response)).toEqual([
      "name",
      "parent",
      "category",
      "id",
      "isLDAP",
      "manager",
      "members",
      "membersCount",
    ]);
  });

  it("omits members (not []) with includeMembers=false, and the manager when there is none", async () => {
    await start();
    const res = await call(`/api/2.0/group/${g(3)}?includeMembers=false`);
    expect((res.json as { response: object }).response).toEqual({
      name: "Support",
      parent: "00000000-0000-0000-0000-000000000000",
      category: "00000000-0000-0000-0000-000000000000",
      id: g(3),
      isLDAP: false,
      membersCount: 1,
    });
  });

  it("pages the group list with count and total", async () => {
    await start();
    const res = await call("/api/2.0/group?filterValue=sa&startIndex=1&count=1");
    expect(res.json).toMatchObject({ count: 1, total: 2, status: 0, statusCode: 200 });
    expect((res.json as { response: { name: string; members?: unknown }[] }).response).toEqual([
      expect.objectContaining({ name: "Sales EMEA", membersCount: 5 }),
    ]);
    expect((res.json as { response: object[] }).response[0]).not.toHaveProperty("members");
  });

  it.each(["0", "101"])("answers count=%s with the 400 validation envelope", async (count) => {
    await start();
    const res = await call(`/api/2.0/group?count=${count}`);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({
      response: {
        status: 400,
        title: "One or more validation errors occurred.",
        errors: { count: ["The field Count must be between 1 and 100."] },
      },
      count: 1,
      status: 1,
      statusCode: 400,
    });
  });

  it("answers the move with the destination group", async () => {
    const s = await start();
    const res = await call(`/api/2.0/group/${g(1)}/members/${g(2)}`, { method: "PUT" });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      response: { id: g(2), name: "Sales", manager: { id: u(7) }, membersCount: 5 },
      links: [{ action: "PUT" }],
      status: 0,
    });
    expect(s.model.group(g(1))?.memberIds).toEqual([]);
  });

  it("reports its version anonymously", async () => {
    await start({ version: "3.6.2" });
    const res = await call("/api/2.0/settings/version/build", { key: null });
    expect(res.json).toMatchObject({ response: { docSpace: "3.6.2", documentServer: "9.0.3.1" }, status: 0 });
  });
});

describe("errors", () => {
  it("404 with the error JSON for an unknown group, on either side", async () => {
    await start();
    for (const path of [
      `/api/2.0/group/${g(99)}`,
      `/api/2.0/group/${g(99)}/members/${g(1)}`,
      `/api/2.0/group/${g(1)}/members/${g(99)}`,
    ]) {
      const res = await call(path, { method: path.includes("members") ? "PUT" : "GET" });
      expect(res.status).toBe(404);
      expect(res.json).toMatchObject({
        error: {
          message: "The group could not be found",
          type: "ASC.Common.Web.ItemNotFoundException",
          hresult: -2146233088,
        },
        status: 1,
        statusCode: 404,
      });
    }
    expect(sandbox?.model.group(g(1))?.memberIds).toHaveLength(5);
  });

  it("404 with an empty body when a segment is not a GUID", async () => {
    await start();
    const res = await call(`/api/2.0/group/sales/members/${g(1)}`, { method: "PUT" });
    expect([res.status, res.text]).toEqual([404, ""]);
  });

  it("400 for a member list with a non-GUID, changing nothing", async () => {
    const s = await start();
    const res = await call(`/api/2.0/group/${g(2)}/members`, {
      method: "DELETE",
      body: { members: [u(6), "nope"] },
    });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ status: 1, statusCode: 400 });
    expect(s.model.group(g(2))?.memberIds).toEqual([u(6), u(7)]);
  });

  it("adds, removes and replaces members, and sets the manager", async () => {
    await start();
    expect(
      (await call(`/api/2.0/group/${g(3)}/members`, { method: "PUT", body: { members: [u(2)] } })).json,
    ).toMatchObject({
      response: { membersCount: 2 },
    });
    expect(
      (await call(`/api/2.0/group/${g(3)}/members`, { method: "DELETE", body: { members: [u(8)] } })).json,
    ).toMatchObject({
      response: { membersCount: 1, members: [{ id: u(2) }] },
    });
    expect(
      (await call(`/api/2.0/group/${g(3)}/manager`, { method: "PUT", body: { userId: u(6) } })).json,
    ).toMatchObject({
      response: { manager: { id: u(6) }, membersCount: 2 },
    });
    expect((await call(`/api/2.0/group/${g(3)}/manager`, { method: "PUT", body: {} })).status).toBe(400);
    expect(
      (await call(`/api/2.0/group/${g(3)}/members`, { method: "POST", body: { members: [u(1)] } })).json,
    ).toMatchObject({
      response: { membersCount: 1, members: [{ id: u(1) }] },
    });
  });
});

describe("authentication and scopes", () => {
  it("401 with an empty body for no key, an unknown key, a raw key without Bearer, or an expired key", async () => {
    await start();
    for (const key of [null, `sk-${"e".repeat(64)}`, KEY.slice(0, 20), `Basic ${KEY}`, EXPIRED_KEY]) {
      const res = await call(`/api/2.0/group/${g(1)}`, { key });
      expect([res.status, res.text]).toEqual([401, ""]);
    }
    expect((await call(`/api/2.0/group/${g(1)}`, { key: KEY })).status).toBe(200);
  });

  it("403 with an empty body when the key lacks the scope", async () => {
    await start();
    expect((await call(`/api/2.0/group/${g(1)}`, { key: READ_KEY })).status).toBe(200);
    const put = await call(`/api/2.0/group/${g(1)}/members/${g(2)}`, { method: "PUT", key: READ_KEY });
    expect([put.status, put.text]).toEqual([403, ""]);
    const self = await call("/api/2.0/people/@self", { key: READ_KEY });
    expect([self.status, self.text]).toEqual([403, ""]);
  });

  it("403 Access denied for a room admin's write, before the groups are looked up", async () => {
    const s = await start();
    expect((await call(`/api/2.0/group/${g(1)}`, { key: ROOM_ADMIN_KEY })).status).toBe(200);
    for (const to of [g(2), g(99)]) {
      const res = await call(`/api/2.0/group/${g(1)}/members/${to}`, { method: "PUT", key: ROOM_ADMIN_KEY });
      expect(res.status).toBe(403);
      expect(res.json).toMatchObject({
        error: { message: "Access denied", type: "ASC.Common.Security.Authorizing.AuthorizingException" },
        status: 1,
        statusCode: 403,
      });
    }
    expect(s.model.group(g(1))?.memberIds).toHaveLength(5);
  });

  it("403 Access denied for a user-type key reading groups", async () => {
    await start();
    const res = await call(`/api/2.0/group/${g(1)}`, { key: USER_KEY });
    expect(res.json).toMatchObject({ error: { message: "Access denied" }, statusCode: 403 });
  });

  it("describes the key and its user", async () => {
    await start();
    expect((await call("/api/2.0/keys/@self", { key: READ_KEY })).json).toMatchObject({
      response: { permissions: ["accounts:read"], keyPostfix: "aaaa", isActive: true },
    });
    expect((await call("/api/2.0/keys/@self")).json).toMatchObject({ response: { permissions: [] } });
    const self = (await call("/api/2.0/people/@self", { key: ROOM_ADMIN_KEY })).json;
    expect(self).toMatchObject({ response: { isOwner: false, isAdmin: false, isRoomAdmin: true } });
    expect((await call("/api/2.0/people/@self")).json).toMatchObject({
      response: { isOwner: true, isAdmin: true },
    });
  });
});

describe("people filter", () => {
  it("pages a group's users, with terminated users only when asked for", async () => {
    await start();
    const disabled = await call(`/api/2.0/people/filter?groupId=${g(1)}&employeeStatus=2`);
    expect(disabled.json).toMatchObject({ count: 1, total: 1, response: [{ id: u(4), status: 2 }] });
    const page = await call(`/api/2.0/people/filter?groupId=${g(1)}&count=2&startIndex=2`);
    expect(page.json).toMatchObject({
      count: 2,
      total: 6,
      response: [{ id: u(3), isVisitor: true }, { id: u(4) }],
    });
    expect((await call(`/api/2.0/people/filter?groupId=nope`)).status).toBe(400);
  });
});

describe("more reads", () => {
  it("lists a user's groups as summaries, and [] for an unknown user", async () => {
    await start();
    const res = await call(`/api/2.0/group/user/${u(6)}`);
    expect(res.json).toMatchObject({
      response: [
        { id: g(2), name: "Sales", manager: "user7" },
        { id: g(1), name: "Sales EMEA", manager: "user1" },
      ],
      count: 2,
      status: 0,
    });
    expect((await call(`/api/2.0/group/user/${u(99)}`)).json).toMatchObject({ response: [], count: 0 });
  });

  it("answers /people/simple/filter like /people/filter", async () => {
    await start();
    const simple = await call(`/api/2.0/people/simple/filter?groupId=${g(1)}&employeeStatus=2`);
    expect(simple.json).toMatchObject({ count: 1, total: 1, response: [{ id: u(4), status: 2 }] });
  });
});

describe("rate limits", () => {
  it("answers a 16th concurrent write with 429, an empty body and the headers", async () => {
    const s = await start({ limits: { ratePerMinute: 0 } });
    s.pause();
    const held = Array.from({ length: 15 }, () =>
      call(`/api/2.0/group/${g(4)}/members/${g(3)}`, { method: "PUT" }),
    );
    while (s.inFlight().writes < 15) await new Promise((r) => setTimeout(r, 5));
    const rejected = await call(`/api/2.0/group/${g(3)}/members`, {
      method: "DELETE",
      body: { members: [] },
    });
    expect([rejected.status, rejected.text]).toEqual([429, ""]);
    expect(rejected.headers.get("retry-after")).toBe("1");
    expect(rejected.headers.get("x-ratelimit-limit")).toBe("15");
    expect(rejected.headers.get("x-ratelimit-remaining")).toBe("0");
    // Reads have their own budget of 50: a GET is admitted (and held) while the writes are full.
    const read = call(`/api/2.0/group/${g(1)}`);
    while (s.inFlight().gets < 1) await new Promise((r) => setTimeout(r, 5));
    s.resume();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual(Array(15).fill(200));
    expect((await read).status).toBe(200);
    expect(s.inFlight()).toEqual({ gets: 0, writes: 0 });
  }, 20000);

  it("limits concurrent GETs separately", async () => {
    const s = await start({ limits: { getConcurrency: 2 } });
    s.pause();
    const held = [call(`/api/2.0/group/${g(1)}`), call(`/api/2.0/group/${g(2)}`)];
    while (s.inFlight().gets < 2) await new Promise((r) => setTimeout(r, 5));
    expect((await call(`/api/2.0/group/${g(3)}`)).status).toBe(429);
    s.resume();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
  });

  it("keeps a sliding window per minute, with Retry-After until the oldest request leaves it", async () => {
    let now = 1_000_000;
    await start({ limits: { ratePerMinute: 3 }, now: () => now });
    for (let i = 0; i < 3; i++) {
      expect((await call(`/api/2.0/group/${g(1)}`)).status).toBe(200);
      now += 10_000;
    }
    const limited = await call(`/api/2.0/group/${g(1)}`);
    expect([limited.status, limited.text]).toEqual([429, ""]);
    expect(limited.headers.get("retry-after")).toBe("30");
    expect(limited.headers.get("x-ratelimit-limit")).toBe("3");
    now += 30_000;
    expect((await call(`/api/2.0/group/${g(1)}`)).status).toBe(200);
  });

  it("counts POST and PUT against the daily limit, not DELETE or GET", async () => {
    const now = Date.UTC(2026, 10, 26, 23, 0, 0);
    await start({ limits: { dailyWrites: 2 }, now: () => now });
    expect((await call(`/api/2.0/group/${g(4)}/members/${g(3)}`, { method: "PUT" })).status).toBe(200);
    expect(
      (await call(`/api/2.0/group/${g(3)}/members`, { method: "DELETE", body: { members: [] } })).status,
    ).toBe(200);
    expect(
      (await call(`/api/2.0/group/${g(3)}/members`, { method: "POST", body: { members: [u(8)] } })).status,
    ).toBe(200);
    const limited = await call(`/api/2.0/group/${g(4)}/members/${g(3)}`, { method: "PUT" });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("3600");
    expect(limited.headers.get("x-ratelimit-reset")).toBe(String(Date.UTC(2026, 10, 27) / 1000));
    expect((await call(`/api/2.0/group/${g(1)}`)).status).toBe(200);
  });

  it("turns a limit off with 0: 60 GETs in flight at once, past the default 50", async () => {
    const s = await start({ limits: { getConcurrency: 0 } });
    s.pause();
    const held = Array.from({ length: 60 }, () => call(`/api/2.0/group/${g(1)}`));
    while (s.inFlight().gets < 60) await new Promise((r) => setTimeout(r, 5));
    s.resume();
    expect(new Set((await Promise.all(held)).map((r) => r.status))).toEqual(new Set([200]));
  });
});

describe("faults", () => {
  it("answers a share of requests with 5xx, deterministically for a seed", async () => {
    const outcomes = async (): Promise<number[]> => {
      await start({ faults: { failRate: 0.5, seed: 7 } });
      const list: number[] = [];
      for (let i = 0; i < 20; i++) list.push((await call(`/api/2.0/group/${g(1)}`)).status);
      await sandbox?.close();
      sandbox = null;
      return list;
    };
    const first = await outcomes();
    expect(first.filter((s) => s >= 500).length).toBeGreaterThan(3);
    expect(first.filter((s) => s === 200).length).toBeGreaterThan(3);
    expect(await outcomes()).toEqual(first);
  });

  it("drops connections", async () => {
    await start({ faults: { resetRate: 1 } });
    await expect(call(`/api/2.0/group/${g(1)}`)).rejects.toThrow();
    expect(sandbox?.requests.map((r) => r.outcome)).toEqual(["reset"]);
  });

  it("leaves requests hanging until the client gives up", async () => {
    const s = await start({ faults: { hangRate: 1 } });
    await expect(
      fetch(`${s.url}/api/2.0/group/${g(1)}`, {
        headers: { Authorization: `Bearer ${KEY}` },
        signal: AbortSignal.timeout(200),
      }),
    ).rejects.toThrow();
    expect(s.requests.map((r) => r.outcome)).toEqual(["hang"]);
  });

  it("answers 200 with an error envelope", async () => {
    await start({ faults: { envelopeErrorRate: 1 } });
    const res = await call(`/api/2.0/group/${g(1)}`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      status: 1,
      statusCode: 500,
      error: { message: "Internal server error" },
    });
  });

  it("adds latency to every answer", async () => {
    const s = await start({ faults: { latencyMs: 30 } });
    const res = await call(`/api/2.0/group/${g(1)}`);
    expect(res.status).toBe(200);
    expect(Number(/dur=(\d+)ms/.exec(res.headers.get("server-timing") ?? "")?.[1])).toBeGreaterThanOrEqual(
      29,
    );
    expect(s.requests).toHaveLength(1);
  });

  it("scripts the n-th request, before or after the operation, and logs every request", async () => {
    const s = await start();
    s.faults.script(nth(1, { kind: "status", status: 503, retryAfter: "2" }));
    s.faults.script(nthMatching("PUT", /\/members\//, 2, { kind: "status", status: 502, after: true }));
    const first = await call(`/api/2.0/group/${g(1)}/members/${g(2)}`, { method: "PUT" });
    expect([first.status, first.headers.get("retry-after")]).toEqual([503, "2"]);
    expect(s.model.group(g(1))?.memberIds).toHaveLength(5); // not applied
    const second = await call(`/api/2.0/group/${g(1)}/members/${g(2)}`, { method: "PUT" });
    expect(second.status).toBe(502);
    expect(s.model.group(g(1))?.memberIds).toHaveLength(0); // applied, then the answer was lost
    expect(s.requests.map((r) => [r.seq, r.method, r.outcome])).toEqual([
      [1, "PUT", 503],
      [2, "PUT", 502],
    ]);
  });
});
