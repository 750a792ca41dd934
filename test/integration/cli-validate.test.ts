import { createServer, type Server } from "node:http";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TOOL } from "../../src/version.js";
import { runBin } from "../helpers/cli.js";
import { A, B } from "../helpers/manifest.js";

describe("docspace-migrate validate (built bin)", () => {
  let dir: string;
  let server: Server;
  let requests: number;
  let portalUrl: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "dm-validate-"));
    // A loopback listener that counts anything sent to it: validate must never send.
    requests = 0;
    server = createServer((_req, res) => {
      requests++;
      res.end();
    });
    server.on("connection", () => {
      requests++;
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    portalUrl = `http://127.0.0.1:${address.port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
    await rm(dir, { recursive: true, force: true });
  });

  it("accepts the example manifest and shows its chain warning", async () => {
    const run = await runBin(["validate", "migrations.example.yaml"]);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split("\n")).toEqual([
      'migrations.example.yaml:55:5 moves[4]: warning: chain through "Engineering": moves that share a group run in manifest order; "platform-into-engineering" runs first, so the members it brings into "Engineering" move on to "Research & Development" with "engineering-into-rnd"',
      "OK: 6 moves over 9 groups (1 warning)",
    ]);
    expect(run.stderr).toBe("");
  });

  it("lists every problem, exits 2 and sends nothing", async () => {
    const file = join(dir, "bad.yaml");
    await writeFile(
      file,
      `version: 1\nportal: { url: "\${DOCSPACE_URL}" }\nmoves:\n  - { from: ${A}, to: sales }\n  - { from: ${B}, to: ${B} }\n`,
    );
    const run = await runBin(["validate", file], { env: { DOCSPACE_URL: portalUrl } });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split("\n")).toEqual([
      `${file}:4:55 moves[0].to: "sales" is not a UUID or {name: ...}; write the group's id (like 08e455dc-98c4-4390-b36f-54757080149c), {id: UUID} or {name: exact group name}`,
      `${file}: 1 error; fix it and validate again`,
    ]);
    expect(run.stdout).toBe("");
    expect(requests).toBe(0);
  });

  it("reports the semantic problems once the shape is right", async () => {
    const file = join(dir, "same.yaml");
    await writeFile(
      file,
      `version: 1\nportal: { url: "\${DOCSPACE_URL}" }\nmoves:\n  - { from: ${B}, to: ${B} }\n`,
    );
    const run = await runBin(["validate", file], { env: { DOCSPACE_URL: portalUrl } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("moves[0].to: from and to are the same group");
    expect(requests).toBe(0);
  });

  it("prints the version and help for the program and the command", async () => {
    expect((await runBin(["--version"])).stdout.trim()).toBe(TOOL.version);
    const help = await runBin(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("validate <manifest>");
    const commandHelp = await runBin(["validate", "--help"]);
    expect(commandHelp.code).toBe(0);
    expect(commandHelp.stdout).toContain("Usage: docspace-migrate validate [options] <manifest>");
  });

  it("loads none of what only sending needs: not child_process (commander's, for program subcommands), not node:v8", async () => {
    // Node's own modules as the process ends, written by a preloaded script.
    const preload = join(dir, "modules.cjs");
    const list = join(dir, "modules.json");
    await writeFile(
      preload,
      `process.on("exit", () => require("node:fs").writeFileSync(process.env.MODULES_OUT, JSON.stringify(process.moduleLoadList)));\n`,
    );
    for (const args of [["validate", "migrations.example.yaml"], ["--version"]]) {
      const run = await runBin(args, { env: { NODE_OPTIONS: `--require ${preload}`, MODULES_OUT: list } });
      expect(run.code).toBe(0);
      const loaded = JSON.parse(await readFile(list, "utf8")) as string[];
      expect(loaded).toContain("NativeModule fs"); // (the list is Node's)
      expect(loaded).not.toContain("NativeModule child_process");
      expect(loaded).not.toContain("NativeModule v8");
    }
  });

  it("exits 2 on bad usage", async () => {
    expect((await runBin(["validate"])).code).toBe(2);
    expect((await runBin(["no-such-command"])).code).toBe(2);
  });
});
