import pLimit from "p-limit";

/**
 * Reads issued at most this many at a time. The governor already bounds the requests in flight;
 * this bounds the ones waiting for it, so a plan of any size keeps a few dozen requests pending (with
 * their retry state and timers) rather than one per group.
 */
export const READ_AHEAD = 32;

/**
 * `fn` for every item, at most `READ_AHEAD` at once; rejects with the first failure, and then starts
 * no more of them.
 */
export async function eachBounded<T>(items: Iterable<T>, fn: (item: T) => Promise<void>): Promise<void> {
  const limit = pLimit(READ_AHEAD);
  try {
    await Promise.all(Array.from(items, (item) => limit(fn, item)));
  } finally {
    limit.clearQueue();
  }
}
