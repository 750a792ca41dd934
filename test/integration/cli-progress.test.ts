import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runCli } from "../../src/cli/program.js";
import { g, smallSeed } from "../helpers/portal.js";
import { KEY, manifest, RunHarness } from "../helpers/run.js";

describe("progress on a terminal", () => {
  let h: RunHarness;
  beforeEach(() => {
    h = new RunHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it("keeps one updating line (done/total, moves per second, ETA) and ends it with a newline", async () => {
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
    expect(progress).toHaveLength(2);
    expect(progress[0]).toMatch(/^\r1\/2 moves, \d+\.\d moves\/s, ETA \d+ s$/);
    expect(progress[1]).toMatch(/^\r2\/2 moves, \d+\.\d moves\/s, ETA 0 s\n$/);
    expect(out.at(-2)).toMatch(/^Result: succeeded \(exit 0\)/);
  });
});
