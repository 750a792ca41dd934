import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** V8's `gc`, once found: null where the runtime gives none. */
let gc: (() => void) | null | undefined;

/**
 * A full garbage collection now, where the runtime allows one (V8's `gc`, exposed for this); nothing
 * otherwise. For the one moment a long run turns from its moves to its report: most of what it held is
 * garbage then, and the heap would otherwise grow past it while the report reads every result back.
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
