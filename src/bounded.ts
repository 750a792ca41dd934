/**
 * Reads issued at most this many at a time. The governor already bounds the requests in flight;
 * this bounds the ones waiting for it, so a plan of any size keeps a few dozen requests pending (with
 * their retry state and timers) rather than one per group.
 */
export const READ_AHEAD = 32;

/**
 * `fn` for every item, at most `READ_AHEAD` at once, the items taken from `items` only as a read can
 * start (queueing them all held a queue entry and a promise per group: 60,000 for 30,000 moves). After
 * the first failure no more start, and it is thrown once those running have settled: no read is left
 * behind the caller's decision.
 */
export async function eachBounded<T>(items: Iterable<T>, fn: (item: T) => Promise<void>): Promise<void> {
  const next = items[Symbol.iterator]();
  const failures: unknown[] = [];
  const worker = async (): Promise<void> => {
    for (let item = next.next(); failures.length === 0 && item.done !== true; item = next.next()) {
      try {
        await fn(item.value);
      } catch (err) {
        failures.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: READ_AHEAD }, worker));
  if (failures.length > 0) throw failures[0];
}
