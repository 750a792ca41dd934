/**
 * Reads issued at most this many at a time. The governor already bounds the requests in flight;
 * this bounds the ones waiting for it, so a plan of any size keeps a few dozen requests pending (with
 * their retry state and timers) rather than one per group.
 */
export const READ_AHEAD = 32;

/**
 * `fn` for every item, at most `READ_AHEAD` at once, the items taken from `items` only as a read can
 * start (queueing them all held a queue entry and a promise per group: 60,000 for 30,000 moves); rejects
 * with the first failure, and then starts no more of them.
 */
export async function eachBounded<T>(items: Iterable<T>, fn: (item: T) => Promise<void>): Promise<void> {
  const next = items[Symbol.iterator]();
  let failed = false;
  const worker = async (): Promise<void> => {
    for (let item = next.next(); !failed && item.done !== true; item = next.next()) {
      try {
        await fn(item.value);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: READ_AHEAD }, worker));
}
