import { Governor } from "../../../src/api/governor.js";
import { fakeClock } from "../../helpers/clock.js";

describe("the governor", () => {
  it("spends a second's worth of tokens, then one per 60000/rate ms", async () => {
    const clock = fakeClock();
    const governor = new Governor({ ratePerMinute: 120, concurrency: 1, clock });
    const times: number[] = [];
    for (let i = 0; i < 5; i++) await governor.run(() => Promise.resolve(times.push(clock.now())));
    // 120/min = 2 a second: a bucket of 2, then one every 500 ms.
    expect(times).toEqual([0, 0, 500, 1000, 1500]);
    expect(governor.stats.requests).toBe(5);
  });

  it("never has more than `concurrency` requests in flight", async () => {
    const governor = new Governor({ ratePerMinute: 100_000, concurrency: 3, clock: fakeClock() });
    let inFlight = 0;
    let peak = 0;
    let finished = 0;
    const release: (() => void)[] = [];
    const all = Array.from({ length: 10 }, () =>
      governor.run(async () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise<void>((resolve) => release.push(resolve));
        inFlight--;
        finished++;
      }),
    );
    while (finished < 10) {
      await new Promise((r) => setImmediate(r));
      release.shift()?.();
    }
    await Promise.all(all);
    expect(peak).toBe(3);
  });

  it("after a 429 holds every request for Retry-After and halves the concurrency, then climbs back", async () => {
    const clock = fakeClock();
    const governor = new Governor({ ratePerMinute: 100_000, concurrency: 8, clock });
    governor.rateLimited(2000);
    expect(governor.concurrency).toBe(4);
    await governor.run(() => Promise.resolve());
    expect(clock.now()).toBe(2000);
    governor.rateLimited(null);
    expect(governor.concurrency).toBe(2);
    // A full round of successes at each level adds one.
    for (let i = 0; i < 2 + 3 + 4 + 5 + 6 + 7; i++) governor.succeeded();
    expect(governor.concurrency).toBe(8);
    governor.succeeded();
    expect(governor.concurrency).toBe(8);
    expect(governor.stats).toMatchObject({ rateLimited: 2, concurrencyChanges: [4, 2, 3, 4, 5, 6, 7, 8] });
  });

  it("never goes below one", () => {
    const governor = new Governor({ ratePerMinute: 60, concurrency: 1, clock: fakeClock() });
    governor.rateLimited(10);
    expect(governor.concurrency).toBe(1);
  });
});
