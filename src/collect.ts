import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** V8's `gc`, once found: null where the runtime gives none. */
let gc: (() => void) | null | undefined;

/**
 * A full garbage collection now, where the runtime allows one (V8's `gc`, exposed for this); nothing
 * otherwise. For the few moments a long run lets go of most of what it held (the portal's listing once
 * its names are found; everything but the results once the moves are done): V8 would otherwise grow its
 * heap past that garbage for the next phase, and a long run's peak is where it does.
 */
export function collectGarbage(): boolean {
  if (gc === undefined) {
    try {
      setFlagsFromString("--expose-gc");
      const found: unknown = runInNewContext("gc");
      gc = typeof found === "function" ? (found as () => void) : null;
    } catch {
      gc = null;
    }
  }
  gc?.();
  return gc !== null;
}
