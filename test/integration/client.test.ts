import { createServer, type Server } from "node:http";
import { DocSpaceClient } from "../../src/api/client.js";
import { ApiError } from "../../src/api/http-error.js";
import { startSandbox, type Sandbox } from "../../src/sandbox/server.js";
import { g, smallSeed } from "../helpers/portal.js";
import { KEY } from "../helpers/run.js";

const client = (baseUrl: string, readOnly = false, timeoutMs = 2000): DocSpaceClient =>
  new DocSpaceClient({ baseUrl, apiKey: KEY, timeoutMs, readOnly, userAgent: "test" });

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error("expected a failure");
}

describe("the DocSpace client", () => {
  let sandbox: Sandbox;
  beforeEach(async () => {
    sandbox = await startSandbox({ seed: smallSeed(), apiKey: KEY });
  });
  afterEach(async () => {
    await sandbox.close();
  });

  it("unwraps the envelope, with count and total for lists", async () => {
    const list = await client(sandbox.url).request<{ name: string }[]>({
      method: "GET",
      path: "/api/2.0/group",
      query: { count: 2 },
    });
    expect(list).toMatchObject({ httpStatus: 200, count: 2, total: 4 });
    expect(list.response.map((x) => x.name)).toEqual(["Empty", "Sales"]);
    expect(sandbox.requests[0]?.query).toBe("?count=2");
  });

  it("read-only: refuses every method but GET before anything is sent", async () => {
    const readOnly = client(sandbox.url, true);
    for (const method of ["PUT", "POST", "DELETE"] as const) {
      const err = await failure(readOnly.request({ method, path: `/api/2.0/group/${g(1)}/members/${g(2)}` }));
      expect(err).toMatchObject({ kind: "read-only", httpStatus: null });
      expect(err.message).toBe(
        `${method} /api/2.0/group/${g(1)}/members/${g(2)}: refused: this client is read-only (dry run), and only GET requests may be sent`,
      );
    }
    expect(sandbox.requests).toHaveLength(0);
    await readOnly.request({ method: "GET", path: `/api/2.0/group/${g(1)}` });
    expect(sandbox.requests).toHaveLength(1);
  });

  it("classifies HTTP errors with method, path, status and the server's message, never the key", async () => {
    const err = await failure(
      client(sandbox.url).request({ method: "PUT", path: `/api/2.0/group/${g(1)}/members/${g(99)}` }),
    );
    expect(err).toMatchObject({
      kind: "http",
      httpStatus: 404,
      serverMessage: "The group could not be found",
    });
    expect(err.message).toBe(
      `PUT /api/2.0/group/${g(1)}/members/${g(99)}: HTTP 404 (The group could not be found)`,
    );
    const text = `${err.message} ${JSON.stringify(err)} ${String(err.stack)} ${String((err.cause as Error | undefined)?.message)}`;
    expect(text).not.toContain(KEY);
  });

  it("treats a 200 whose envelope says status 1 as a failure with its statusCode", async () => {
    sandbox.faults.script(() => ({ kind: "envelope-error", statusCode: 503 }));
    expect(
      await failure(client(sandbox.url).request({ method: "GET", path: `/api/2.0/group/${g(1)}` })),
    ).toMatchObject({
      kind: "envelope",
      httpStatus: 503,
    });
  });

  it("reads Retry-After on a 429", async () => {
    sandbox.faults.script(() => ({ kind: "status", status: 429, retryAfter: "7" }));
    expect(
      await failure(client(sandbox.url).request({ method: "GET", path: `/api/2.0/group/${g(1)}` })),
    ).toMatchObject({
      kind: "http",
      httpStatus: 429,
      retryAfterMs: 7000,
    });
  });

  it("times out a hung request", async () => {
    sandbox.faults.script(() => ({ kind: "hang" }));
    const err = await failure(
      client(sandbox.url, false, 150).request({ method: "GET", path: `/api/2.0/group/${g(1)}` }),
    );
    expect(err.kind).toBe("timeout");
  });

  it("calls a dropped connection a network failure, and says what the HTML from a gateway is", async () => {
    sandbox.faults.script((r) => (r.seq === 1 ? { kind: "reset" } : { kind: "status", status: 502 }));
    expect(
      (await failure(client(sandbox.url).request({ method: "GET", path: `/api/2.0/group/${g(1)}` }))).kind,
    ).toBe("network");
    expect(
      await failure(client(sandbox.url).request({ method: "GET", path: `/api/2.0/group/${g(1)}` })),
    ).toMatchObject({ kind: "http", httpStatus: 502, serverMessage: null });
  });
});

describe("a portal that answers something else", () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url?.startsWith("/html")) {
        res.writeHead(200, { "Content-Type": "text/html" });
        res.end("<html>login</html>");
      } else {
        res.end(JSON.stringify(req.url?.startsWith("/bare") ? { response: { id: "x" } } : { data: 1 }));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  });

  it("calls a 200 that is not DocSpace's JSON unparsable", async () => {
    expect((await failure(client(url).request({ method: "GET", path: "/html" }))).kind).toBe("unparsable");
    expect((await failure(client(url).request({ method: "GET", path: "/no-envelope" }))).kind).toBe(
      "unparsable",
    );
  });

  it("reads a response without the status field as a success", async () => {
    expect((await client(url).request({ method: "GET", path: "/bare" })).response).toEqual({ id: "x" });
  });

  it("calls a closed port a network failure", async () => {
    expect((await failure(client("http://127.0.0.1:9").request({ method: "GET", path: "/x" }))).kind).toBe(
      "network",
    );
  });
});
