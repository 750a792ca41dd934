import pLimit, { type LimitFunction } from "p-limit";
import type { Clock } from "./clock.js";

/** The wait for a slot or a token was cut short by a stop: nothing was sent. */
export class WaitAborted extends Error {
  override readonly name = "WaitAborted";
}

export interface GovernorStats {
  requests: number;
  rateLimited: number;
  /** Concurrency after each change, for the log and tests. */
  readonly concurrencyChanges: number[];
}

/**
 * One budget for every request of a run, reads included: a token bucket at `ratePerMinute`
 * that holds about one second's worth, at most `concurrency` requests in flight, and a shared hold
 * whenever the portal says to wait. After a 429 the concurrency halves, then climbs back by one for each
 * full round of successes at the current level.
 */
export class Governor {
  readonly stats: GovernorStats = { requests: 0, rateLimited: 0, concurrencyChanges: [] };
  readonly maxConcurrency: number;
  readonly #limit: LimitFunction;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #capacity: number;
  #tokens: number;
  #refilledAt: number;
  #holdUntil = 0;
  #successes = 0;
  #turn: Promise<void> = Promise.resolve();

  constructor(options: { ratePerMinute: number; concurrency: number; clock: Clock }) {
    this.maxConcurrency = options.concurrency;
    this.#limit = pLimit(options.concurrency);
    this.#clock = options.clock;
    this.#intervalMs = 60_000 / options.ratePerMinute;
    this.#capacity = Math.max(1, Math.floor(options.ratePerMinute / 60));
    this.#tokens = this.#capacity;
    this.#refilledAt = options.clock.now();
  }

  get concurrency(): number {
    return this.#limit.concurrency;
  }

  /** Requests running now (holding a slot). */
  get active(): number {
    return this.#limit.activeCount;
  }

  /** Runs `send` once a slot and a token are free; a stop while waiting throws WaitAborted, unsent. */
  run<T>(send: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.#limit(async () => {
      if (signal?.aborted === true) throw new WaitAborted("stopped before the request was sent");
      await this.#takeToken(signal);
      this.stats.requests++;
      return send();
    });
  }

  /**
   * The portal answered 429: wait as told (or a second) and halve the concurrency. `hold` false: the wait
   * asked for is longer than the command will sleep through (it defers instead), so nothing waits.
   */
  rateLimited(retryAfterMs: number | null, hold = true): void {
    this.stats.rateLimited++;
    if (hold) this.hold(retryAfterMs ?? 1000);
    this.#successes = 0;
    const lower = Math.max(1, Math.floor(this.#limit.concurrency / 2));
    if (lower !== this.#limit.concurrency) this.#setConcurrency(lower);
  }

  /** No request starts before `ms` from now (Retry-After on any answer). */
  hold(ms: number): void {
    this.#holdUntil = Math.max(this.#holdUntil, this.#clock.now() + ms);
  }

  succeeded(): void {
    if (this.#limit.concurrency >= this.maxConcurrency) return;
    this.#successes++;
    if (this.#successes >= this.#limit.concurrency) {
      this.#successes = 0;
      this.#setConcurrency(this.#limit.concurrency + 1);
    }
  }

  #setConcurrency(n: number): void {
    this.#limit.concurrency = n;
    this.stats.concurrencyChanges.push(n);
  }

  /** Tokens are handed out first come, first served. */
  async #takeToken(signal?: AbortSignal): Promise<void> {
    const mine = this.#turn.then(() => this.#waitForToken(signal));
    this.#turn = mine.catch(() => undefined);
    await mine;
  }

  async #waitForToken(signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted === true) throw new WaitAborted("stopped before the request was sent");
      const now = this.#clock.now();
      if (now < this.#holdUntil) {
        await this.#clock.sleep(this.#holdUntil - now, signal);
        continue;
      }
      this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#refilledAt) / this.#intervalMs);
      this.#refilledAt = now;
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        return;
      }
      await this.#clock.sleep(Math.ceil((1 - this.#tokens) * this.#intervalMs), signal);
    }
  }
}
