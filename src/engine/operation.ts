import type { Logger } from "pino";
import type { GroupState } from "../plan/group-store.js";
import type { ResolvedMove } from "../plan/types.js";
import type { CallOptions, GroupSnapshot, Portal } from "../portal/port.js";
import type { BeforeState, MoveResult, Reason } from "../report/types.js";

/** What a move's "started" record holds: enough to judge it from the portal, and to undo it, after a crash. */
export interface StartedDetail {
  readonly op: "move" | "undo";
  /** The members the move is to take (undo: to put back). */
  readonly expected: readonly string[];
  readonly guests: readonly string[];
  readonly before: BeforeState;
  /** `manager:` who is to be the destination's manager afterwards. */
  readonly manager?: string;
}

/** The groups of a move right after it ran, as its answers (or the model) showed them. */
export interface After {
  readonly source: GroupSnapshot;
  readonly destination: GroupSnapshot;
}

/** What one operation gets from the engine. */
export interface OperationContext {
  readonly resolved: ResolvedMove;
  readonly portal: Portal;
  /** The groups as last seen (before-snapshots, then answers); operations update it. */
  readonly state: GroupState;
  readonly verify: boolean;
  readonly version: string | null;
  /** Set when this move was left in doubt and is sent again: the groups as its first attempt found them. */
  readonly resumed: BeforeState | null;
  readonly log: Logger;
  readonly now: () => number;
  /** Per-request options for this operation: its attempts are counted, its retries logged. */
  readonly call: CallOptions & { readonly tally: { attempts: number } };
  /** Called once, right before the first write, with what the journal records. */
  readonly beforeSend: (detail: StartedDetail) => Promise<void>;
  /** A failure as this operation's result; a fatal or deferring one also stops the run. */
  readonly failure: (err: unknown, reason: Reason, base: MoveResult) => MoveResult;
}

export interface OperationOutcome {
  readonly result: MoveResult;
  readonly after: After | null;
}
