#!/usr/bin/env node
import { ExitCode } from "../report/exit-codes.js";
import { escapeControls, forTerminal, redactSecrets } from "../text.js";

/** The bin: the only file that touches `process`. */

// SIGINT/SIGTERM: the first asks the command to stop cleanly; a second exits at once. The handlers come
// first, before the heavy modules load, so a signal that arrives at any moment exits 130.
const stop = new AbortController();
let signals = 0;
// Above the progress display once there is one (the command says so through `noticeTo`).
let notice = (line: string): void => {
  process.stderr.write(line);
};
const onSignal = (signal: NodeJS.Signals): void => {
  signals++;
  if (signals > 1) process.exit(ExitCode.Interrupted);
  notice(`${signal}: stopping (send it again to exit at once)\n`);
  stop.abort();
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

// Every line for people passes here: no key, and no control character from a portal or a manifest.
const write = (stream: NodeJS.WriteStream) => (text: string) => {
  stream.write(forTerminal(text));
};

/** The confirmation on a terminal: true for y or yes; anything else, end of input or a signal is no. */
async function ask(question: string): Promise<boolean> {
  const { createInterface } = await import("node:readline/promises");
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  // Ctrl+C at the question is a stop like any other (readline would only pause); Ctrl+D is a no.
  rl.on("SIGINT", () => {
    onSignal("SIGINT");
  });
  const closed = new Promise<string>((resolve) =>
    rl.once("close", () => {
      resolve("");
    }),
  );
  try {
    const answer = await Promise.race([rl.question(forTerminal(question), { signal: stop.signal }), closed]);
    return /^\s*y(es)?\s*$/i.test(answer);
  } catch {
    return false;
  } finally {
    rl.close();
  }
}

try {
  const { runCli } = await import("./program.js");
  // A stop while the modules loaded: nothing was read yet, and nothing will be.
  process.exitCode = stop.signal.aborted
    ? ExitCode.Interrupted
    : await runCli(process.argv.slice(2), {
        stop: stop.signal,
        stderrIsTTY: process.stderr.isTTY,
        ...(process.stderr.isTTY ? { columns: process.stderr.columns } : {}),
        writeProgress: (text) => process.stderr.write(text),
        noticeTo: (write) => {
          notice = write;
        },
        ...(process.stdin.isTTY && process.stdout.isTTY ? { ask } : {}),
        env: process.env,
        output: {
          out: (line) => process.stdout.write(`${forTerminal(line)}\n`),
          err: (line) => process.stderr.write(`${forTerminal(line)}\n`),
          ownKey: (line) => process.stdout.write(`${escapeControls(line)}\n`),
          data: (text) => process.stdout.write(redactSecrets(text)),
        },
        writeOut: write(process.stdout),
        writeErr: write(process.stderr),
      });
} catch (err) {
  process.stderr.write(
    forTerminal(
      `internal error (a bug; please report it): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    ),
  );
  process.exitCode = ExitCode.Internal;
}
process.off("SIGINT", onSignal);
process.off("SIGTERM", onSignal);
