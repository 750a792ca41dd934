import { createServer, request, type IncomingMessage, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox, type Sandbox } from "../../src/sandbox/server.js";
import { runBin } from "../helpers/cli.js";
import { g, smallSeed } from "../helpers/portal.js";
import { KEY, manifest } from "../helpers/run.js";

/** A forwarding HTTP proxy on 127.0.0.1 that counts what passes through it. */
async function countingProxy(): Promise<{
  server: Server;
  url: string;
  seen: string[];
  close: () => Promise<void>;
}> {
  const seen: string[] = [];
  const tunnels = new Set<Duplex>();
  const server = createServer((req, res) => {
    seen.push(`${req.method ?? "?"} ${req.url ?? ""}`);
    // A proxy is asked for absolute URLs; only loopback ones are forwarded.
    const target = new URL(req.url ?? "/");
    if (target.hostname !== "127.0.0.1") {
      res.writeHead(403).end();
      return;
    }
    const upstream = request(target, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  // undici tunnels through CONNECT: the requests inside (plain HTTP to the loopback sandbox) are read
  // off the stream as they pass.
  server.on("connect", (req: IncomingMessage, client: Duplex, head: Buffer) => {
    const [host, port] = (req.url ?? "").split(":");
    if (host !== "127.0.0.1") {
      client.end("HTTP/1.1 403 Forbidden\r\n\r\n");
      return;
    }
    const upstream = connect(Number(port), host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      client.on("data", (chunk: Buffer) => {
        for (const m of chunk.toString("latin1").matchAll(/^(GET|PUT|POST|DELETE) (\S+) HTTP\/1\.1\r$/gm))
          seen.push(`${m[1] ?? ""} http://${req.url ?? ""}${m[2] ?? ""}`);
      });
      client.pipe(upstream).pipe(client);
    });
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
    tunnels.add(client);
    tunnels.add(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: async () => {
      for (const socket of tunnels) socket.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe("proxies (HTTP_PROXY / HTTPS_PROXY / NO_PROXY, either case)", () => {
  let sandbox: Sandbox;
  let proxy: Awaited<ReturnType<typeof countingProxy>>;
  let dir: string;
  let file: string;
  beforeEach(async () => {
    sandbox = await startSandbox({ seed: smallSeed(), apiKey: KEY });
    proxy = await countingProxy();
    dir = await mkdtemp(join(tmpdir(), "dm-proxy-"));
    file = join(dir, "m.yaml");
    await writeFile(file, manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`));
  });
  afterEach(async () => {
    await proxy.close();
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("every request of a run goes through the proxy the environment names", async () => {
    const run = await runBin(["run", file, "--report", join(dir, "r.json")], {
      env: { DOCSPACE_URL: sandbox.url, DOCSPACE_API_KEY: KEY, http_proxy: proxy.url },
    });
    expect(run.stderr).not.toMatch(/"level":[456]0/);
    expect(run.code).toBe(0);
    expect(proxy.seen.length).toBe(sandbox.requests.length);
    expect(proxy.seen).toContain(`PUT ${sandbox.url}/api/2.0/group/${g(1)}/members/${g(2)}`);
  });

  it("NO_PROXY sends straight to the portal", async () => {
    const run = await runBin(["run", file, "--dry-run", "--report", join(dir, "r.json")], {
      env: {
        DOCSPACE_URL: sandbox.url,
        DOCSPACE_API_KEY: KEY,
        HTTP_PROXY: proxy.url,
        NO_PROXY: "127.0.0.1",
      },
    });
    expect(run.code).toBe(0);
    expect(sandbox.requests.length).toBeGreaterThan(0);
    expect(proxy.seen).toEqual([]);
  });

  it("--log-level debug logs each request (method, path, status, attempt, ms) and never the key", async () => {
    const run = await runBin(
      ["--log-level", "debug", "run", file, "--dry-run", "--report", join(dir, "r.json")],
      {
        env: { DOCSPACE_URL: sandbox.url, DOCSPACE_API_KEY: KEY },
      },
    );
    expect(run.code).toBe(0);
    const lines = run.stderr
      .split("\n")
      .filter((l) => l.includes('"http.request"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(sandbox.requests.length);
    expect(lines[0]).toMatchObject({
      method: "GET",
      path: expect.stringMatching(/^\/api\/2\.0\//),
      status: 200,
      attempt: 1,
      ms: expect.any(Number),
    });
    expect(run.stderr).not.toContain(KEY.slice(3));
  });
});
