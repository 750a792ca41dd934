import type { Logger } from "pino";
import { ProgressTracker, progressText } from "../engine/progress.js";
import { forTerminal } from "../text.js";

/** How often the terminal display is redrawn, and how often a JSON progress line is logged without one. */
const REDRAW_MS = 200;
const LOG_EVERY_MS = 10_000;

export interface ProgressDisplay {
  readonly tracker: ProgressTracker;
  /**
   * Lines for stderr that must not tear the display (the human log on a terminal): the display is
   * cleared, the line written, the display drawn again below it.
   */
  readonly above: (text: string) => void;
  /** Stops drawing while something else owns the terminal (the confirmation question). */
  readonly pause: () => void;
  readonly resume: () => void;
  /** The last state stays on screen; timers are cleared. */
  readonly close: () => void;
}

/**
 * On a terminal: a live display on stderr (log-update), redrawn every 200 ms, with log lines written
 * above it. Without one: a JSON progress line in the log every 10 s and when done. Nothing with --quiet.
 */
export async function progressDisplay(options: {
  readonly terminal: boolean;
  readonly mode: "run" | "undo";
  readonly writeErr: (text: string) => void;
  readonly columns: number;
}): Promise<ProgressDisplay & { useLogger: (logger: Logger) => void }> {
  const tracker = new ProgressTracker(() => Date.now());
  const text = (): string => forTerminal(progressText(tracker.state(), options.mode));
  if (!options.terminal) {
    let logger: Logger | null = null;
    const log = (): void => {
      const state = tracker.state();
      if (state.phase !== "reading") logger?.info({ event: "run.progress", ...state }, text());
    };
    const timer = setInterval(log, LOG_EVERY_MS);
    timer.unref();
    let closed = false;
    const close = (): void => {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      log();
    };
    // The last line when the operations end, before the run's last events.
    tracker.onEnd(close);
    return {
      tracker,
      above: options.writeErr,
      pause: () => undefined,
      resume: () => undefined,
      close,
      useLogger: (l) => {
        logger = l;
      },
    };
  }
  const { createLogUpdate } = await import("log-update");
  const stream = {
    write: (chunk: string): boolean => {
      options.writeErr(chunk);
      return true;
    },
    columns: options.columns,
  } as unknown as NodeJS.WritableStream;
  // The cursor stays visible: hiding it would need exit hooks to show it again after a crash.
  const draw = createLogUpdate(stream, { showCursor: true });
  let paused = false;
  let closed = false;
  let drawn = false;
  const redraw = (): void => {
    if (paused || closed) return;
    const state = tracker.state();
    // Nothing to show until the first request: a command that stops before (a bad manifest) draws nothing.
    if (state.phase === "reading" && state.requests === 0) return;
    drawn = true;
    draw(text());
  };
  const timer = setInterval(redraw, REDRAW_MS);
  timer.unref();
  const close = (): void => {
    if (closed) return;
    clearInterval(timer);
    redraw();
    if (drawn && !paused) draw.done();
    closed = true;
  };
  // The last frame is final before anything else is printed below it.
  tracker.onEnd(close);
  return {
    tracker,
    above: (line) => {
      if (closed || paused) {
        options.writeErr(line);
        return;
      }
      if (drawn) draw.clear();
      options.writeErr(line);
      if (drawn) draw(text());
    },
    pause: () => {
      if (!paused && !closed && drawn) draw.clear();
      paused = true;
    },
    resume: () => {
      paused = false;
      redraw();
    },
    close,
    useLogger: () => undefined,
  };
}
