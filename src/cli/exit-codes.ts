/** SPEC §2: stable exit codes, decided in this one place. */
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
