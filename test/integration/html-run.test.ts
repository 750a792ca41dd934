import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { g, smallSeed } from "../helpers/portal.js";
import { manifest, RunHarness } from "../helpers/run.js";

/** `--html` on run, dry run and undo: the page is written beside the report and its path printed. */
describe("--html on run, dry run and undo", () => {
  let h: RunHarness;
  beforeEach(() => {
    h = new RunHarness();
  });
  afterEach(async () => {
    await h.close();
  });
  const text = manifest(`{ id: emea, from: ${g(1)}, to: ${g(2)} }`);
  const title = async (file: string): Promise<string> =>
    /<h1>(.*?)<\/h1>/.exec(await readFile(file, "utf8"))?.[1] ?? "";

  it("the plan, the record and the reversal, each in its own words", async () => {
    await h.start(smallSeed());
    const plan = join(h.dir, "plan.html");
    const dry = await h.run(text, { dryRun: true, html: plan });
    expect(dry.code).toBe(0);
    expect(dry.out).toContain(`HTML: ${plan}`);
    expect(await title(plan)).toBe(`Plan (dry run) of 1 move on ${h.sandbox.url}`);
    expect(await readFile(plan, "utf8")).toContain("will move");

    const record = join(h.dir, "run.html");
    const run = await h.run(text, { html: record });
    expect(run.code).toBe(0);
    expect(run.out).toContain(`HTML: ${record}`);
    expect(await title(record)).toBe(`Run of 1 move on ${h.sandbox.url}`);

    const rehearsal = join(h.dir, "undo-plan.html");
    const undoPlan = await h.undo(run.reportPath, true, { DOCSPACE_URL: h.sandbox.url }, { html: rehearsal });
    expect(undoPlan.code).toBe(0);
    expect(await title(rehearsal)).toBe(`Undo plan (dry run) of 1 move on ${h.sandbox.url}`);
    // People go back: from the destination ("Sales") to the source ("Sales EMEA").
    const flow = await readFile(rehearsal, "utf8");
    expect(flow).toMatch(/<title>Sales → Sales EMEA: \d+ (person|people)<\/title>/);
    expect(flow).toContain("will be put back");

    const reversal = join(h.dir, "undo.html");
    const undo = await h.undo(run.reportPath, false, { DOCSPACE_URL: h.sandbox.url }, { html: reversal });
    expect(undo.code).toBe(0);
    expect(undo.out).toContain(`HTML: ${reversal}`);
    expect(await title(reversal)).toBe(`Undo of 1 move on ${h.sandbox.url}`);
    expect(await readFile(reversal, "utf8")).toContain("put back");
    expect(await readFile(reversal, "utf8")).toMatch(
      /<title>Sales → Sales EMEA: \d+ (person|people)<\/title>/,
    );
  });

  it("an --html path that is a folder is refused before anything is sent", async () => {
    await h.start(smallSeed());
    const folder = join(h.dir, "a-folder");
    await mkdir(folder);
    const r = await h.run(text, { html: folder });
    expect(r.code).toBe(2);
    expect(r.err.join("\n")).toContain(`--html ${folder} is a folder`);
    expect(h.calls()).toEqual([]);
  });
});
