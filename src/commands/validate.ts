import { ExitCode } from "../report/exit-codes.js";
import { formatIssue, loadManifest, type Env } from "../manifest/check.js";
import { groupNumbers } from "../manifest/rules.js";
import { Severity } from "../manifest/types.js";
import type { Output } from "../engine/session.js";

/** `docspace-migrate validate <manifest>`: schema and semantic checks, every problem at once, no network. */
export async function validateCommand(file: string, deps: { env: Env; output: Output }): Promise<ExitCode> {
  const { manifest, issues } = await loadManifest(file, deps.env);
  const { out, err } = deps.output;
  if (manifest === null) {
    for (const issue of issues) err(formatIssue(issue));
    const errors = issues.filter((i) => i.severity === Severity.Error).length;
    err(
      `${file}: ${errors} ${errors === 1 ? "error" : "errors"}; fix ${errors === 1 ? "it" : "them"} and validate again`,
    );
    return ExitCode.Usage;
  }
  for (const issue of issues) out(formatIssue(issue));
  const groups = groupNumbers(manifest.moves).count;
  const warnings = issues.length;
  const suffix = warnings === 0 ? "" : ` (${warnings} ${warnings === 1 ? "warning" : "warnings"})`;
  out(
    `OK: ${manifest.moves.length} ${manifest.moves.length === 1 ? "move" : "moves"} over ${groups} groups${suffix}`,
  );
  return ExitCode.Ok;
}
