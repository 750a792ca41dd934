import { access, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { startSandbox } from "../../src/sandbox/server.js";
import { runBin } from "../helpers/cli.js";
import { g, smallSeed } from "../helpers/portal.js";
import { KEY } from "../helpers/run.js";

describe("init", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "dm-init-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes a starter manifest that validates, whose $schema hint is the installed schema wherever the file is", async () => {
    const run = await runBin(["init"], { cwd: dir });
    expect(run.code).toBe(0);
    const text = await readFile(join(dir, "migrations.yaml"), "utf8");
    const hint = /^# yaml-language-server: \$schema=(.+)$/m.exec(text)?.[1] ?? "";
    expect(isAbsolute(hint)).toBe(true);
    await access(hint);
    expect(JSON.parse(await readFile(hint, "utf8"))).toMatchObject({ title: expect.any(String) });
    const validate = await runBin(["validate", join(dir, "migrations.yaml")]);
    expect(validate.code).toBe(0);
  });

  it("never writes over an existing file", async () => {
    const out = join(dir, "mine.yaml");
    await writeFile(out, "keep me\n");
    const run = await runBin(["init", "--out", out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/exists; init never writes over a file/);
    expect(await readFile(out, "utf8")).toBe("keep me\n");
  });

  it("--from-portal lists the portal's groups (id, members, name) as comments, reading only", async () => {
    const sandbox = await startSandbox({ seed: smallSeed(), apiKey: KEY });
    try {
      const out = join(dir, "m.yaml");
      const run = await runBin(["init", "--from-portal", "--out", out], {
        env: { DOCSPACE_URL: sandbox.url, DOCSPACE_API_KEY: KEY },
      });
      expect(run.code).toBe(0);
      const text = await readFile(out, "utf8");
      expect(text).toContain(`portal:\n  url: ${sandbox.url}`);
      expect(text).toMatch(new RegExp(`^#   ${g(1)}  5 members  Sales EMEA$`, "m"));
      expect(text).toMatch(new RegExp(`^#   ${g(4)}  0 members  Empty$`, "m"));
      expect(sandbox.requests.every((r) => r.method === "GET")).toBe(true);
      expect(text).not.toContain(KEY);
      const validate = await runBin(["validate", out]);
      expect(validate.code).toBe(0);
    } finally {
      await sandbox.close();
    }
  });
});
