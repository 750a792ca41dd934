import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";
import { ExitCode } from "../report/exit-codes.js";
import { defaultReportPath } from "../report/write.js";
import type { Clock } from "../api/clock.js";
import { DEFAULT_SEED_PATH, loadSeedFile } from "../sandbox/seed.js";
import { startSandbox } from "../sandbox/server.js";
import type { Output } from "../engine/session.js";
import { runCommand } from "./run.js";
import { packagePath } from "../package-files.js";

export const EXAMPLE_MANIFEST = packagePath("migrations.example.yaml");

/**
 * `docspace-migrate demo`: the example organisation in an in-process sandbox, the example manifest run
 * against it for real, the summary printed, the sandbox stopped. Nothing leaves 127.0.0.1.
 */
export async function demoCommand(deps: {
  output: Output;
  logger: Logger;
  stop: AbortSignal;
  clock: Clock;
}): Promise<ExitCode> {
  const { out, err } = deps.output;
  const seed = await loadSeedFile(DEFAULT_SEED_PATH);
  if (!seed.ok) {
    for (const p of seed.problems) err(p);
    return ExitCode.Internal;
  }
  const sandbox = await startSandbox({ seed: seed.seed, logRequests: false });
  // The demo's journal and lock live only as long as the demo.
  const stateDir = await mkdtemp(join(tmpdir(), "docspace-migrate-demo-"));
  try {
    out(
      `demo: a DocSpace sandbox on ${sandbox.url} (DocSpace ${sandbox.model.version}), seeded with the example`,
    );
    out(
      `organisation (${seed.seed.groups.length} groups, ${seed.seed.users.length} people). First, the preview of migrations.example.yaml, with the room access it changes (--rooms):`,
    );
    out("");
    const runDeps = {
      env: {},
      output: deps.output,
      logger: deps.logger,
      stop: deps.stop,
      clock: deps.clock,
      portal: { url: sandbox.url, apiKey: sandbox.apiKey },
      manifestFile: EXAMPLE_MANIFEST,
    };
    const preview = await runCommand(
      "migrations.example.yaml",
      { verify: true, dryRun: true, stateDir, rooms: true },
      runDeps,
    );
    if (preview !== ExitCode.Ok || deps.stop.aborted) return preview;
    out("");
    out("Now for real, on the same sandbox:");
    out("");
    // The run's report also as a page to share: the flow of people, the surprises, every person.
    const html = defaultReportPath("migrations.example.yaml", deps.clock.now()).replace(/\.json$/, ".html");
    const code = await runCommand(
      "migrations.example.yaml",
      { verify: true, stateDir, html, rooms: true },
      runDeps,
    );
    out("");
    out("Next: edit a copy of migrations.example.yaml, `docspace-migrate validate` it, and rehearse it on");
    out("`docspace-migrate sandbox` (or a copy of your portal: `snapshot`, then `sandbox --seed`).");
    return code;
  } finally {
    await sandbox.close();
    await rm(stateDir, { recursive: true, force: true });
  }
}
