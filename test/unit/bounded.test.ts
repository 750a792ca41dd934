import { eachBounded, READ_AHEAD } from "../../src/bounded.js";

describe("reads issued a bounded number at a time", () => {
  it("never has more than READ_AHEAD running, and runs every item", async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    await eachBounded(
      Array.from({ length: 500 }, (_, i) => i),
      async (i) => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setImmediate(resolve));
        running--;
        done.push(i);
      },
    );
    expect(most).toBe(READ_AHEAD);
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  it("takes each item only as a read can start, not all of them up front", async () => {
    let drawn = 0;
    function* items(): Generator<number> {
      for (let i = 0; i < 500; i++) {
        drawn++;
        yield i;
      }
    }
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const running = eachBounded(items(), () => gate);
    await new Promise((resolve) => setImmediate(resolve));
    expect(drawn).toBe(READ_AHEAD);
    release();
    await running;
    expect(drawn).toBe(500);
  });

  it("after the first failure, the rest of the queue is dropped", async () => {
    const started: number[] = [];
    await expect(
      eachBounded(
        Array.from({ length: 500 }, (_, i) => i),
        async (i) => {
          started.push(i);
          await new Promise((resolve) => setImmediate(resolve));
          if (i === 3) throw new Error("the key was refused");
        },
      ),
    ).rejects.toThrow("the key was refused");
    await new Promise((resolve) => setImmediate(resolve));
    // Those already running finish (freeing slots in the same turn); the other hundreds never start.
    expect(started.length).toBeLessThan(2 * READ_AHEAD);
  });

  it("throws the first failure only once those running have settled", async () => {
    let running = 0;
    let release = (): void => undefined;
    const slow = new Promise<void>((resolve) => {
      release = resolve;
    });
    let settled = false;
    const all = eachBounded([0, 1, 2], async (i) => {
      running++;
      try {
        if (i === 0) throw new Error("refused");
        await slow;
      } finally {
        running--;
      }
    }).finally(() => {
      settled = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    expect(running).toBe(2);
    release();
    await expect(all).rejects.toThrow("refused");
    expect(running).toBe(0);
  });
});
