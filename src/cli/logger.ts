import { pino, type DestinationStream, type Logger, type StreamEntry } from "pino";
import { default as pretty } from "pino-pretty";

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
    ? pretty({ destination: 2, colorize: options.color, sync: true, ignore: "pid,hostname" })
    : pino.destination({ fd: 2, sync: true });
  streams.push({ level: options.level as pino.Level, stream: stderr });
  if (options.file !== undefined) {
    streams.push({
      level: options.level as pino.Level,
      stream: pino.destination({ dest: options.file, sync: true, mkdir: true }),
    });
  }
  return pino(
    {
      level: options.level,
      base: null,
      redact: { paths: REDACT, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.multistream(streams),
  );
}
