import { pino, type DestinationStream, type Logger, type StreamEntry } from "pino";
import { default as pretty } from "pino-pretty";
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

/** A JSON log destination whose every line has anything that looks like a key removed. */
function scrubbed(stream: DestinationStream): DestinationStream {
  return {
    write: (line: string) => {
      stream.write(redactSecrets(line));
    },
  };
}

/**
 * pino to stderr (stdout stays for people and JSON), pretty on a terminal, JSON otherwise, and also to
 * `--log-file` as JSON when given. Stable event names go in the `event` field.
 */
export function createLogger(options: {
  level: string;
  file?: string;
  prettyOnTerminal: boolean;
  color: boolean;
}): Logger {
  const streams: StreamEntry[] = [];
  const stderr: DestinationStream = options.prettyOnTerminal
    ? pretty({
        destination: 2,
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
  streams.push({ level: options.level as pino.Level, stream: stderr });
  if (options.file !== undefined) {
    streams.push({
      level: options.level as pino.Level,
      stream: scrubbed(pino.destination({ dest: options.file, sync: true, mkdir: true })),
    });
  }
  return pino(
    {
      level: options.level,
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
