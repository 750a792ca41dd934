import { mkdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Report } from "../../src/report/types.js";
import { runBin } from "../helpers/cli.js";
import { g, smallSeed } from "../helpers/portal.js";
import { KEY, manifest, RunHarness } from "../helpers/run.js";

let h: RunHarness;
beforeEach(() => {
  h = new RunHarness();
});
afterEach(async () => {
  await h.close();
});

describe("where the report and the log go (built bin)", () => {
  it("--report - puts the JSON report on stdout and the summary on stderr", async () => {
    await h.start(smallSeed());
    const file = join(h.dir, "m.yaml");
    await writeFile(file, manifest(`{ from: ${g(3)}, to: ${g(4)} }`));
    // In the sandbox's folder, so that a file named "-" would be found there.
    const res = await runBin(["run", file, "--report", "-"], {
      cwd: h.dir,
      env: { DOCSPACE_URL: h.sandbox.url, DOCSPACE_API_KEY: KEY },
    });
    expect(res.code).toBe(0);
    expect((JSON.parse(res.stdout) as Report).outcome).toBe("succeeded");
    expect(res.stderr).toMatch(/^Result: succeeded \(exit 0\)/m);
    await expect(stat(join(h.dir, "-"))).rejects.toThrow();
  });

  it.each([
    ["/dev/stdout (a link to a device)", () => Promise.resolve("/dev/stdout"), "is a symbolic link"],
    [
      "a folder",
      async () => {
        const dir = join(h.dir, "reports");
        await mkdir(dir);
        return dir;
      },
      "is a folder",
    ],
    ["a device", () => Promise.resolve("/dev/null"), "is not a regular file"],
  ])("refuses a report path that is %s, nothing sent (exit 2)", async (_name, target, said) => {
    await h.start(smallSeed());
    const path = await target();
    const file = join(h.dir, "m.yaml");
    await writeFile(file, manifest(`{ from: ${g(3)}, to: ${g(4)} }`));
    h.sandbox.clearLog();
    const res = await runBin(["run", file, "--report", path], {
      env: { DOCSPACE_URL: h.sandbox.url, DOCSPACE_API_KEY: KEY },
    });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`--report ${path} ${said}`);
    expect(h.sandbox.requests).toEqual([]);
  });

  it("--log-file is created 0600, never through a link, and keeps its level under --quiet", async () => {
    await h.start(smallSeed());
    const file = join(h.dir, "m.yaml");
    await writeFile(file, manifest(`{ from: ${g(3)}, to: ${g(4)} }`));
    const env = { DOCSPACE_URL: h.sandbox.url, DOCSPACE_API_KEY: KEY };
    const log = join(h.dir, "q.log");
    const quiet = await runBin(
      ["--quiet", "--log-file", log, "run", file, "--report", join(h.dir, "r.json")],
      { env },
    );
    expect([quiet.code, quiet.stdout, quiet.stderr]).toEqual([0, "", ""]);
    expect((await stat(log)).mode & 0o777).toBe(0o600);
    expect(await readFile(log, "utf8")).toContain('"event":"run.finished"');

    const target = join(h.dir, "elsewhere");
    await writeFile(target, "");
    await symlink(target, join(h.dir, "link.log"));
    h.sandbox.clearLog();
    const linked = await runBin(["--log-file", join(h.dir, "link.log"), "run", file], { env });
    expect(linked.code).toBe(2);
    expect(linked.stderr).toContain("is a symbolic link; the log is never written through one");
    expect(await readFile(target, "utf8")).toBe("");
    expect(h.sandbox.requests).toEqual([]);
  });
});
