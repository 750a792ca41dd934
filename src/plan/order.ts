/**
 * Moves that share a group run in manifest order; the rest may run at once. For each move,
 * the earlier moves it must wait for: the last earlier move to touch each of its groups (a chain per
 * group, so waiting on it waits on all before it). Pure.
 */
export function dependencies(
  moves: readonly { readonly groups: readonly string[] }[],
): (readonly number[])[] {
  const lastTouch = new Map<string, number>();
  return moves.map((move, index) => {
    const deps = new Set<number>();
    for (const group of move.groups) {
      const previous = lastTouch.get(group);
      if (previous !== undefined) deps.add(previous);
      lastTouch.set(group, index);
    }
    // Most moves wait for none: they share one empty list (a plan of 100,000 moves keeps the lists).
    return deps.size === 0 ? NONE : [...deps].sort((a, b) => a - b);
  });
}

const NONE: readonly number[] = Object.freeze([]);
