import { spawn } from "node:child_process";
import { BIN, ROOT } from "./cli.js";

export interface PtyRun {
  readonly code: number | null;
  /** stdout and stderr as the terminal showed them, escape sequences included. */
  readonly screen: string;
}

const quote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;

/**
 * Runs the built bin on a pseudo-terminal (util-linux `script`): stdin, stdout and stderr are all a
 * terminal, as for an admin at a shell. `answers` are typed once the screen shows their prompt.
 */
export function runInPty(
  args: readonly string[],
  options: {
    env?: Record<string, string>;
    cwd?: string;
    answers?: readonly { readonly when: RegExp; readonly type: string }[];
    columns?: number;
    timeoutMs?: number;
  } = {},
): Promise<PtyRun> {
  const command = [process.execPath, BIN, ...args].map(quote).join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn(
      "script",
      ["-qefc", `stty cols ${options.columns ?? 100}; exec ${command}`, "/dev/null"],
      {
        cwd: options.cwd ?? ROOT,
        env: { PATH: process.env.PATH ?? "", TERM: "xterm", ...options.env },
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    let screen = "";
    const pending = [...(options.answers ?? [])];
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      screen += d;
      const next = pending[0];
      if (next !== undefined && next.when.test(screen)) {
        pending.shift();
        child.stdin.write(next.type);
      }
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => (screen += d));
    // A run that waits for an answer that never comes fails the test instead of hanging it.
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, screen });
    });
  });
}

/** The screen with colour and cursor sequences removed, carriage returns kept. */
export const plain = (screen: string): string =>
  // eslint-disable-next-line no-control-regex
  screen.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "").replace(/\u001b\][^\u0007]*\u0007/g, "");
