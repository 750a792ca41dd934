/** Stable exit codes, decided in this one place (documented in the README). */
export const ExitCode = {
  Ok: 0,
  Failed: 1,
  Usage: 2,
  Aborted: 3,
  Deferred: 4,
  Locked: 5,
  Internal: 70,
  Interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A run's outcome as its exit code. */
export function exitCodeFor(
  outcome: "succeeded" | "failed" | "aborted" | "deferred" | "interrupted",
): ExitCode {
  switch (outcome) {
    case "succeeded":
      return ExitCode.Ok;
    case "failed":
      return ExitCode.Failed;
    case "aborted":
      return ExitCode.Aborted;
    case "deferred":
      return ExitCode.Deferred;
    case "interrupted":
      return ExitCode.Interrupted;
  }
}
