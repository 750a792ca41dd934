import { execFileSync } from "node:child_process";
import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
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

async function runWithKeyFile(path: string): Promise<{ code: number | null; stderr: string; sent: number }> {
  const file = join(h.dir, "m.yaml");
  await writeFile(file, manifest(`{ from: ${g(3)}, to: ${g(4)} }`));
  h.sandbox.clearLog();
  const res = await runBin(["run", file, "--report", join(h.dir, "r.json")], {
    env: { DOCSPACE_URL: h.sandbox.url, DOCSPACE_API_KEY_FILE: path },
  });
  return { code: res.code, stderr: res.stderr, sent: h.sandbox.requests.length };
}

describe("the key file (DOCSPACE_API_KEY_FILE)", () => {
  it("a key file readable by others works, with a warning that says how to fix it", async () => {
    await h.start(smallSeed());
    const path = join(h.dir, "key");
    await writeFile(path, `${KEY}\n`);
    await chmod(path, 0o644);
    const res = await runWithKeyFile(path);
    expect(res.code).toBe(0);
    expect(res.stderr).toContain(
      `warning: the file named by DOCSPACE_API_KEY_FILE can be read by others (mode 0644); restrict it: chmod 600 ${path}`,
    );
  });

  it.each([
    [
      "an assignment",
      `DOCSPACE_API_KEY=${KEY}\n`,
      "holds an assignment (NAME=...), not a key; put only the key in it",
    ],
    ["a key with a NUL byte", `${KEY.slice(0, 20)}\u0000${KEY.slice(20)}`, "is not of DocSpace's form"],
    ["a key with non-ASCII letters", `${KEY.slice(0, 20)}é${KEY.slice(21)}`, "is not of DocSpace's form"],
  ])("refuses %s with a clear message, nothing sent (exit 2)", async (_name, text, message) => {
    await h.start(smallSeed());
    const path = join(h.dir, "key");
    await writeFile(path, text, { mode: 0o600 });
    const res = await runWithKeyFile(path);
    expect([res.code, res.sent]).toEqual([2, 0]);
    expect(res.stderr).toContain(message);
    expect(res.stderr).not.toContain(KEY.slice(3));
  });

  it("refuses a device and a FIFO without reading or waiting (exit 2)", async () => {
    await h.start(smallSeed());
    const fifo = join(h.dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    for (const path of ["/dev/zero", fifo]) {
      const res = await runWithKeyFile(path);
      expect([res.code, res.sent]).toEqual([2, 0]);
      expect(res.stderr).toContain("is not a regular file");
    }
  });
});
