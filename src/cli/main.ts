#!/usr/bin/env node
import { ExitCode } from "./exit-codes.js";
import { runCli } from "./program.js";

/** The bin: the only file that touches `process`. */
const write = (stream: NodeJS.WriteStream) => (text: string) => {
  stream.write(text);
};

try {
  process.exitCode = await runCli(process.argv.slice(2), {
    env: process.env,
    output: {
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
    },
    writeOut: write(process.stdout),
    writeErr: write(process.stderr),
  });
} catch (err) {
  process.stderr.write(
    `internal error (a bug; please report it): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exitCode = ExitCode.Internal;
}
