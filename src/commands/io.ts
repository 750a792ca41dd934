/** What a command may print; the CLI passes the real streams, tests pass collectors. */
export interface Output {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}
