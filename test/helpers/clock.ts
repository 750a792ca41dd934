import type { Clock } from "../../src/api/clock.js";

/** Time as a parameter: sleeping advances a counter at once instead of waiting on the wall clock. */
export function fakeClock(start = 0): Clock & { slept: number[] } {
  let now = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: (ms) => {
      slept.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}
