/**
 * Moves that share a group run in manifest order; the rest may run at once. For each of `count` moves,
 * the earlier moves it must wait for: the last earlier move to touch each of its groups (a chain per
 * group, so waiting on it waits on all before it). Pure.
 */
export function dependencies(
  count: number,
  groupsOf: (index: number) => readonly string[],
  /** Told, for each group, the last move to touch it. */
  last?: (group: string, index: number) => void,
): (readonly number[])[] {
  const lastTouch = new Map<string, number>();
  const graph: (readonly number[])[] = [];
  for (let index = 0; index < count; index++) {
    // (a move touches a group or two: a short list, not a set for each of 100,000 moves)
    const before: number[] = [];
    for (const group of groupsOf(index)) {
      const previous = lastTouch.get(group);
      if (previous !== undefined && previous !== index && !before.includes(previous)) before.push(previous);
      lastTouch.set(group, index);
    }
    // Most moves wait for none: they share one empty list (a plan of 100,000 moves keeps the lists).
    graph.push(before.length === 0 ? NONE : before.sort((a, b) => a - b));
  }
  if (last !== undefined) for (const [group, index] of lastTouch) last(group, index);
  return graph;
}

const NONE: readonly number[] = Object.freeze([]);
