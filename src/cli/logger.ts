import { closeSync, constants, fchmodSync, fstatSync, mkdirSync, openSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { Writable } from "node:stream";
import { pino, type DestinationStream, type Logger, type StreamEntry } from "pino";
import type { default as Pretty } from "pino-pretty";
import { escapeControls, redactSecrets } from "../text.js";

/** Never logged, whatever an event carries (the key is never put in one; this is the second lock). */
const REDACT = [
  "apiKey",
  "key",
  "authorization",
  "*.apiKey",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
];

/** The log file cannot be opened: a usage error (exit 2), said plainly. */
export class LogFileError extends Error {
  override readonly name = "LogFileError";
}

/**
 * `--log-file`: appended to, never through a symbolic link, created 0600 (it names people and groups);
 * an existing file readable by others is tightened.
 */
function openLogFile(path: string): number {
  try {
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(
      path,
      constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW,
      0o600,
    );
    const info = fstatSync(fd);
    if (!info.isFile()) {
      closeSync(fd);
      throw new LogFileError(`--log-file ${path} is not a regular file`);
    }
    if ((info.mode & 0o077) !== 0) fchmodSync(fd, 0o600);
    return fd;
  } catch (err) {
    if (err instanceof LogFileError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new LogFileError(
      code === "ELOOP"
        ? `--log-file ${path} is a symbolic link; the log is never written through one`
        : `cannot open --log-file ${path} (${code ?? String(err)})`,
    );
  }
}

/** A stream that hands each chunk to a function. */
function lineSink(write: (text: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      write(chunk.toString());
      done();
    },
  });
}

/** A JSON log destination whose every line has anything that looks like a key removed. */
function scrubbed(stream: DestinationStream): DestinationStream {
  return {
    write: (line: string) => {
      stream.write(redactSecrets(line));
    },
  };
}

/**
 * pino-pretty, loaded only for a terminal (about 30 ms of CPU a run that cron, a pipe or a file does not
 * need); CommonJS, so `require` loads it at once.
 */
const prettyPrinter = (): typeof Pretty => createRequire(import.meta.url)("pino-pretty") as typeof Pretty;

/**
 * pino to stderr (stdout stays for people and JSON), pretty on a terminal, JSON otherwise, and also to
 * `--log-file` as JSON when given. Stable event names go in the `event` field.
 */
export function createLogger(options: {
  level: string;
  /** stderr's own level (`--quiet`: errors only); the file keeps `level`. */
  stderrLevel?: string;
  file?: string;
  prettyOnTerminal: boolean;
  color: boolean;
  /** On a terminal, where the human log goes (above a progress display); stderr otherwise. */
  terminalWrite?: (text: string) => void;
}): Logger {
  const streams: StreamEntry[] = [];
  const stderr: DestinationStream = options.prettyOnTerminal
    ? prettyPrinter()({
        destination: options.terminalWrite === undefined ? 2 : lineSink(options.terminalWrite),
        colorize: options.color,
        sync: true,
        ignore: "pid,hostname",
        // On a terminal the message is shown as text: names from a portal cannot drive it.
        messageFormat: (log, key) => {
          const message = log[key];
          return escapeControls(typeof message === "string" ? message : JSON.stringify(message ?? ""));
        },
      })
    : scrubbed(pino.destination({ fd: 2, sync: true }));
  const stderrLevel = options.stderrLevel ?? options.level;
  streams.push({ level: stderrLevel as pino.Level, stream: stderr });
  if (options.file !== undefined) {
    streams.push({
      level: options.level as pino.Level,
      stream: scrubbed(pino.destination({ fd: openLogFile(options.file), sync: true })),
    });
  }
  const levels = [stderrLevel, ...(options.file === undefined ? [] : [options.level])];
  return pino(
    {
      level: levels.reduce((a, b) => ((pino.levels.values[a] ?? 0) <= (pino.levels.values[b] ?? 0) ? a : b)),
      base: null,
      redact: { paths: REDACT, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: {
        // Messages may quote what a portal said: a key it echoed is removed before anything is written.
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a) => (typeof a === "string" ? redactSecrets(a) : a)) as Parameters<typeof method>,
          );
        },
      },
    },
    pino.multistream(streams),
  );
}
