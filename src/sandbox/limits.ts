/**
 * DocSpace's rate limits, per partition (the key's user, or the client):
 * a sliding window over all requests, concurrent GETs, concurrent other requests, and a daily
 * fixed window over POST and PUT. A limit of 0 is off. The clock is a parameter.
 */
export interface LimitSettings {
  readonly ratePerMinute: number;
  readonly getConcurrency: number;
  readonly writeConcurrency: number;
  readonly dailyWrites: number;
}

export const DEFAULT_LIMITS: LimitSettings = {
  ratePerMinute: 1500,
  getConcurrency: 50,
  writeConcurrency: 15,
  dailyWrites: 10_000,
};

export type Admission =
  | { admitted: true; release: () => void }
  | { admitted: false; limit: number; retryAfterSeconds: number; reset?: number; which: string };

const MINUTE = 60_000;
const DAY = 86_400_000;

interface Partition {
  /** Arrival times inside the sliding window, oldest first. */
  window: number[];
  windowStart: number;
  gets: number;
  writes: number;
  dayStart: number;
  dayWrites: number;
}

export class RateLimiter {
  readonly #settings: LimitSettings;
  readonly #now: () => number;
  readonly #partitions = new Map<string, Partition>();

  constructor(settings: LimitSettings, now: () => number) {
    this.#settings = settings;
    this.#now = now;
  }

  /** Requests in flight for a partition, for tests that wait for a state. */
  inFlight(partition: string): { gets: number; writes: number } {
    const p = this.#partitions.get(partition);
    return { gets: p?.gets ?? 0, writes: p?.writes ?? 0 };
  }

  admit(partition: string, method: string): Admission {
    const now = this.#now();
    const p = this.#partition(partition);
    const { ratePerMinute, getConcurrency, writeConcurrency, dailyWrites } = this.#settings;

    // Sliding window over admitted requests (the window's arrivals are pushed below, once admitted).
    if (ratePerMinute > 0) {
      while (p.windowStart < p.window.length && (p.window[p.windowStart] as number) <= now - MINUTE)
        p.windowStart++;
      if (p.windowStart > 4096) {
        p.window = p.window.slice(p.windowStart);
        p.windowStart = 0;
      }
      if (p.window.length - p.windowStart >= ratePerMinute) {
        const oldest = p.window[p.windowStart] as number;
        return {
          admitted: false,
          which: "sliding-window",
          limit: ratePerMinute,
          retryAfterSeconds: Math.max(1, Math.ceil((oldest + MINUTE - now) / 1000)),
        };
      }
    }
    const isGet = method === "GET" || method === "HEAD";
    if (isGet && getConcurrency > 0 && p.gets >= getConcurrency) {
      return { admitted: false, which: "get-concurrency", limit: getConcurrency, retryAfterSeconds: 1 };
    }
    if (!isGet && writeConcurrency > 0 && p.writes >= writeConcurrency) {
      return { admitted: false, which: "write-concurrency", limit: writeConcurrency, retryAfterSeconds: 1 };
    }
    const countsDaily = method === "POST" || method === "PUT";
    if (countsDaily && dailyWrites > 0) {
      const dayStart = Math.floor(now / DAY) * DAY;
      if (p.dayStart !== dayStart) {
        p.dayStart = dayStart;
        p.dayWrites = 0;
      }
      if (p.dayWrites >= dailyWrites) {
        const reset = dayStart + DAY;
        return {
          admitted: false,
          which: "daily-writes",
          limit: dailyWrites,
          retryAfterSeconds: Math.max(1, Math.ceil((reset - now) / 1000)),
          reset: Math.floor(reset / 1000),
        };
      }
      p.dayWrites++;
    }
    if (ratePerMinute > 0) p.window.push(now);
    if (isGet) p.gets++;
    else p.writes++;
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        if (isGet) p.gets--;
        else p.writes--;
      },
    };
  }

  #partition(key: string): Partition {
    let p = this.#partitions.get(key);
    if (p === undefined) {
      p = { window: [], windowStart: 0, gets: 0, writes: 0, dayStart: 0, dayWrites: 0 };
      this.#partitions.set(key, p);
    }
    return p;
  }
}
