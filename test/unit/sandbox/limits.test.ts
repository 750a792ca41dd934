import { DEFAULT_LIMITS, RateLimiter, type LimitSettings } from "../../../src/sandbox/limits.js";

/** How many of `n` requests at one instant are admitted; `hold` keeps them in flight (no release). */
function admitted(settings: LimitSettings, method: string, n: number, hold: boolean): number {
  const limiter = new RateLimiter(settings, () => 1_000_000);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const admission = limiter.admit("user", method);
    if (!admission.admitted) continue;
    count++;
    if (!hold) admission.release();
  }
  return count;
}

describe("each limit, and 0 to turn it off", () => {
  it.each([
    ["the sliding window", { ratePerMinute: 0 }, "GET", 1600, false, 1500],
    ["concurrent GETs", { getConcurrency: 0 }, "GET", 60, true, 50],
    ["concurrent writes", { writeConcurrency: 0 }, "DELETE", 20, true, 15],
    ["daily writes", { dailyWrites: 0, ratePerMinute: 0 }, "PUT", 10_050, false, 10_000],
  ] as const)("%s", (_name, off, method, n, hold, limit) => {
    // The control: with the defaults (the window off where it would hide the limit), the limit bites.
    const control = { ...DEFAULT_LIMITS, ...(limit === 10_000 ? { ratePerMinute: 0 } : {}) };
    expect(admitted(control, method, n, hold)).toBe(limit);
    expect(admitted({ ...DEFAULT_LIMITS, ...off }, method, n, hold)).toBe(n);
  });
});
