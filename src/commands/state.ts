import type { Output } from "../engine/session.js";
import { ExitCode } from "../report/exit-codes.js";
import { historyLines } from "../state/history.js";
import { readHistory } from "../state/journal.js";
import { removeStaleLocks } from "../state/lock.js";
import { stateDirOf } from "../state/open.js";

/**
 * `docspace-migrate history <manifest> [--json]`: what the state store records, by portal, one line per
 * move: `<move id>  done|in-doubt|undone  <when>  <run id>`. Reads files only; sends nothing.
 */
export async function historyCommand(
  manifest: string,
  options: { json: boolean; stateDir?: string | undefined },
  deps: { output: Output },
): Promise<ExitCode> {
  const stateDir = stateDirOf(manifest, options.stateDir);
  const lines = historyLines(await readHistory(stateDir));
  if (options.json) {
    (deps.output.data ?? deps.output.out)(`${JSON.stringify(lines, null, 2)}\n`);
    return ExitCode.Ok;
  }
  if (lines.length === 0) {
    deps.output.out(`no moves recorded in ${stateDir}`);
    return ExitCode.Ok;
  }
  const width = Math.max(...lines.map((l) => l.moveId.length));
  let portal: string | null = null;
  for (const line of lines) {
    if (line.portal !== portal) {
      portal = line.portal;
      deps.output.out(`portal ${portal}`);
    }
    deps.output.out(`  ${line.moveId.padEnd(width)}  ${line.state.padEnd(8)}  ${line.at}  ${line.runId}`);
  }
  return ExitCode.Ok;
}

/**
 * `docspace-migrate unlock <manifest>`: removes the locks whose owner process is gone (exit 0), refuses
 * while one lives (exit 5, the others removed all the same); with no lock, says so (exit 0).
 */
export async function unlockCommand(
  manifest: string,
  options: { stateDir?: string | undefined },
  deps: { output: Output },
): Promise<ExitCode> {
  const stateDir = stateDirOf(manifest, options.stateDir);
  const found = await removeStaleLocks(stateDir);
  if (found.length === 0) {
    deps.output.out(`no lock on ${stateDir}`);
    return ExitCode.Ok;
  }
  for (const lock of found) {
    if (lock.state === "gone")
      deps.output.out(`removed ${lock.file} in ${stateDir}, left by a process that is gone (${lock.holder})`);
    else
      deps.output.err(
        `${lock.file} in ${stateDir} is held by a run that is still going (${lock.holder}); it was left as it is`,
      );
  }
  return found.some((l) => l.state === "live") ? ExitCode.Locked : ExitCode.Ok;
}
