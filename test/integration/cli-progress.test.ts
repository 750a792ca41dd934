import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runCli } from "../../src/cli/program.js";
import { g, smallSeed } from "../helpers/portal.js";
import { KEY, manifest, RunHarness } from "../helpers/run.js";
import { render } from "../helpers/screen.js";

describe("progress on a terminal", () => {
  let h: RunHarness;
  beforeEach(() => {
    h = new RunHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it("draws the live display through the CLI's stderr writer and leaves its last frame on screen", async () => {
    await h.start(smallSeed());
    const file = join(h.dir, "m.yaml");
    await writeFile(
      file,
      manifest(`{ id: a, from: ${g(1)}, to: ${g(2)} }`, `{ id: b, from: ${g(3)}, to: ${g(4)} }`),
    );
    const progress: string[] = [];
    const out: string[] = [];
    const code = await runCli(["--log-level", "silent", "run", file, "--report", join(h.dir, "r.json")], {
      env: { DOCSPACE_URL: h.sandbox.url, DOCSPACE_API_KEY: KEY },
      output: { out: (l) => out.push(l), err: () => undefined },
      writeOut: () => undefined,
      writeErr: () => undefined,
      stop: new AbortController().signal,
      stderrIsTTY: true,
      writeProgress: (text) => progress.push(text),
    });
    expect(code).toBe(0);
    const screen = render(progress.join(""));
    expect(screen.filter((r) => r !== "")).toEqual([
      "2/2 moves · 4 members moved · 0 failed · 0 retries · 0 rate-limit waits · done",
    ]);
    expect(out.at(-2)).toMatch(/^Result: succeeded \(exit 0\)/);
  });
});
