/**
 * Moves that share a group run in manifest order; the rest may run at once. For each move,
 * the earlier moves it must wait for: the last earlier move to touch each of its groups (a chain per
 * group, so waiting on it waits on all before it). Pure.
 */
export function dependencies(moves: readonly { readonly groups: readonly string[] }[]): number[][] {
  const lastTouch = new Map<string, number>();
  return moves.map((move, index) => {
    const deps = new Set<number>();
    for (const group of move.groups) {
      const previous = lastTouch.get(group);
      if (previous !== undefined) deps.add(previous);
      lastTouch.set(group, index);
    }
    return [...deps].sort((a, b) => a - b);
  });
}
