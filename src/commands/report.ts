import type { Output } from "../engine/session.js";
import { ExitCode } from "../report/exit-codes.js";
import { readReport } from "../report/read.js";
import { htmlOf, reportTargetProblem, writeView } from "../report/write.js";

/**
 * `report <report.json> --html <file>`: a run's, a dry run's or an undo's JSON report as one
 * self-contained HTML page. Reads one file and writes one; nothing is sent anywhere.
 */
export async function reportCommand(
  file: string,
  flags: { readonly html?: string | undefined },
  deps: { readonly output: Output },
): Promise<ExitCode> {
  const { output } = deps;
  if (flags.html === undefined) {
    output.err("say what to write: --html <file>");
    return ExitCode.Usage;
  }
  const problem = await reportTargetProblem(flags.html, "--html");
  if (problem !== null) {
    output.err(problem);
    return ExitCode.Usage;
  }
  const read = await readReport(file);
  if (!read.ok) {
    output.err(`${file}: ${read.message}`);
    return ExitCode.Usage;
  }
  if (!(await writeView(flags.html, "the HTML report", () => htmlOf(read.report), output.err)))
    return ExitCode.Usage;
  output.out(`HTML: ${flags.html}`);
  return ExitCode.Ok;
}
