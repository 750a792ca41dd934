import { HashIndex } from "../hash.js";

/**
 * Moves that share a group run in manifest order; the rest may run at once. For each of `count` moves,
 * the earlier moves it must wait for: the last earlier move to touch each of its groups (a chain per
 * group, so waiting on it waits on all before it). A move touches one group or two. Pure.
 */
export function dependencies(
  count: number,
  groupsOf: (index: number) => readonly string[],
  /** Told, for each group, the last move to touch it. */
  last?: (group: string, index: number) => void,
): (readonly number[])[] {
  // Each group's last move so far, as `move × 2 + side`: the group's id is found again from that move, so
  // no map of every group's id is built (at 100,000 moves that map was 7 MB, and as much again in garbage
  // as it grew, just as the run began).
  const groupAt = (entry: number): string | undefined => groupsOf(entry >> 1)[entry & 1];
  const lastTouch = new HashIndex(groupAt, 2 * count);
  const graph: (readonly number[])[] = [];
  for (let index = 0; index < count; index++) {
    const groups = groupsOf(index);
    if (groups.length > 2) throw new RangeError(`move ${index} touches ${groups.length} groups; at most two`);
    // (a move touches a group or two: a short list, made only when it waits for one)
    let before: number[] | null = null;
    for (let side = 0; side < groups.length; side++) {
      const group = groups[side] as string;
      const entry = lastTouch.get(group);
      const previous = entry === undefined ? index : entry >> 1;
      if (previous !== index) {
        if (before === null) before = [previous];
        else if (!before.includes(previous)) before.push(previous);
      }
      lastTouch.set(group, index * 2 + side);
    }
    // Most moves wait for none: they share one empty list (a plan of 100,000 moves keeps the lists).
    graph.push(before === null ? NONE : before.sort((a, b) => a - b));
  }
  if (last !== undefined) for (const entry of lastTouch.places()) last(groupAt(entry) as string, entry >> 1);
  return graph;
}

const NONE: readonly number[] = Object.freeze([]);
