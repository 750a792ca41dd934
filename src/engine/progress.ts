import type { PortalCounters } from "../portal/port.js";
import { MoveStatus, type MoveResult } from "../report/types.js";

/** What a progress display shows: where the command is, and how far. */
export interface ProgressState {
  /** `reading`: the preflight's reads; `moving`: the operations; `done`: finished. */
  readonly phase: "reading" | "moving" | "done";
  /** Operations that ran (or were skipped as already done); not those left unattempted. */
  readonly done: number;
  /** Operations settled without an attempt (a stop, a failed dependency, a deferral). */
  readonly notAttempted: number;
  readonly total: number;
  readonly membersMoved: number;
  readonly failed: number;
  readonly requests: number;
  readonly retries: number;
  readonly rateLimited: number;
  /** When the first write was sent (ms), or null before it: the ETA counts from here. */
  readonly firstWriteAt: number | null;
  /** Seconds left at the pace since the first write, or null until that pace is known. */
  readonly etaSeconds: number | null;
}

/**
 * Counts what a run or undo has done, for a display to read whenever it redraws. The engine tells it
 * about results and writes; the portal's counters give requests, retries and rate-limit waits.
 */
export class ProgressTracker {
  #phase: ProgressState["phase"] = "reading";
  #done = 0;
  #notAttempted = 0;
  #total = 0;
  #moved = 0;
  #failed = 0;
  #firstWriteAt: number | null = null;
  #counters: () => PortalCounters = () => ({ requests: 0, retries: 0, rateLimited: 0 });
  /** Operations already finished when the first write went out (skipped ones): not part of the pace. */
  #doneAtFirstWrite = 0;
  #onEnd: (() => void)[] = [];

  constructor(private readonly now: () => number) {}

  /** The portal whose requests are counted. */
  watch(counters: () => PortalCounters): void {
    this.#counters = counters;
  }

  /** The operations begin (the reads before them are over). */
  begin(total: number): void {
    this.#phase = "moving";
    this.#total = total;
  }

  wrote(): void {
    if (this.#firstWriteAt !== null) return;
    this.#firstWriteAt = this.now();
    this.#doneAtFirstWrite = this.#done;
  }

  finished(result: MoveResult): void {
    if (result.status === MoveStatus.NotAttempted) {
      this.#notAttempted++;
      return;
    }
    this.#done++;
    this.#moved += result.moved.length;
    if (result.status === MoveStatus.Failed) this.#failed++;
  }

  /** The operations are over: a display stops drawing now, before the summary is printed. */
  end(): void {
    if (this.#phase === "done") return;
    this.#phase = "done";
    for (const listener of this.#onEnd) listener();
  }

  onEnd(listener: () => void): void {
    this.#onEnd.push(listener);
  }

  state(): ProgressState {
    const counters = this.#counters();
    let eta: number | null = null;
    const paced = this.#done - this.#doneAtFirstWrite;
    if (this.#firstWriteAt !== null && paced > 0) {
      const perOperation = (this.now() - this.#firstWriteAt) / paced;
      const left = this.#total - this.#done - this.#notAttempted;
      eta = Math.max(0, Math.round((left * perOperation) / 1000));
    }
    return {
      phase: this.#phase,
      done: this.#done,
      notAttempted: this.#notAttempted,
      total: this.#total,
      membersMoved: this.#moved,
      failed: this.#failed,
      requests: counters.requests,
      retries: counters.retries,
      rateLimited: counters.rateLimited,
      firstWriteAt: this.#firstWriteAt,
      etaSeconds: eta,
    };
  }
}

const plural = (n: number, word: string, many = `${word}s`): string => `${n} ${n === 1 ? word : many}`;

/** The display's text for a state: one or two short lines. Pure. */
export function progressText(state: ProgressState, mode: "run" | "undo" = "run"): string {
  if (state.phase === "reading")
    return `reading the portal: ${plural(state.requests, "request")} so far (version, key, groups)`;
  // A dry run (or a run stopped before its first move) only read.
  if (state.phase === "done" && state.total === 0)
    return `read the portal: ${plural(state.requests, "request")}, nothing written`;
  const verb = mode === "undo" ? "put back" : "moved";
  const parts = [
    `${state.done}/${state.total} ${mode === "undo" ? "steps" : "moves"}`,
    `${plural(state.membersMoved, "member")} ${verb}`,
    `${state.failed} failed`,
    ...(state.notAttempted > 0 && state.phase !== "done" ? [`${state.notAttempted} not attempted`] : []),
    plural(state.retries, "retry", "retries"),
    `${state.rateLimited} rate-limit waits`,
  ];
  // Never "done" over operations that were not attempted (a stopped run settles the rest that way).
  const eta =
    state.phase === "done"
      ? state.notAttempted > 0
        ? `ended, ${state.notAttempted} not attempted`
        : "done"
      : state.etaSeconds === null
        ? "ETA after the first move"
        : `ETA ${formatSeconds(state.etaSeconds)}`;
  return `${parts.join(" · ")} · ${eta}`;
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
