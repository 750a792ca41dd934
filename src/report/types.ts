/** The JSON report; `schema/report.schema.json` describes the same shape. */
export const RunMode = { Run: "run", DryRun: "dry-run", Undo: "undo" } as const;
export type RunMode = (typeof RunMode)[keyof typeof RunMode];

export const Outcome = {
  Succeeded: "succeeded",
  Failed: "failed",
  Aborted: "aborted",
  Deferred: "deferred",
  Interrupted: "interrupted",
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

export const MoveStatus = {
  Succeeded: "succeeded",
  Failed: "failed",
  Skipped: "skipped",
  Planned: "planned",
  NotAttempted: "not-attempted",
} as const;
export type MoveStatus = (typeof MoveStatus)[keyof typeof MoveStatus];

export const Reason = {
  AlreadyDone: "already-done",
  DependencyFailed: "dependency-failed",
  Preflight: "preflight",
  StalePlan: "stale-plan",
  GroupNotFound: "group-not-found",
  HttpError: "http-error",
  Unverified: "unverified",
  Aborted: "aborted",
  Deferred: "deferred",
  Interrupted: "interrupted",
  Excluded: "excluded",
  BadAnswer: "bad-answer",
  AlreadyUndone: "already-undone",
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

export interface MoveError {
  readonly kind: string;
  readonly message: string;
  readonly httpStatus: number | null;
}

export interface GroupRefReport {
  readonly id: string | null;
  readonly name: string | null;
}

export interface BeforeState {
  readonly source: readonly string[];
  readonly destination: readonly string[];
  readonly sourceManager: string | null;
}

/** One move's result: data, never an exception (STYLE habit 2). */
export interface MoveResult {
  readonly id: string;
  readonly note: string | null;
  readonly from: GroupRefReport;
  readonly to: GroupRefReport;
  readonly status: MoveStatus;
  readonly reason: Reason | null;
  readonly attempts: number;
  readonly durationMs: number;
  readonly httpStatus: number | null;
  readonly error: MoveError | null;
  readonly before: BeforeState | null;
  readonly moved: readonly string[];
  readonly alreadyInDestination: readonly string[];
  readonly droppedGuests: readonly string[];
  readonly guestsLeftInSource: readonly string[];
  readonly managerRemoved: string | null;
  readonly completion: "removed-from-source" | null;
  readonly verified: boolean;
  readonly warnings: readonly string[];
  /** `manager:` who was made the destination's manager, or null. */
  readonly managerSet?: string | null;
  /** The destination's manager before the move (for undo of `manager:`), or null. */
  readonly managerBefore?: string | null;
  /** On the move that created its destination (`create: true`); absent otherwise. */
  readonly created?: true;
  /** Dry runs only: the predicted groups before and after this move. */
  readonly preview?: MovePreview;
}

export interface MovePreview {
  readonly sourceBefore: number;
  readonly sourceAfter: number;
  readonly destinationBefore: number;
  readonly destinationAfter: number;
  /** Members of each group after this move, as predicted. */
  readonly sourceMembersAfter: readonly string[];
  readonly destinationMembersAfter: readonly string[];
  readonly sourceManagerAfter: string | null;
  readonly destinationManagerAfter: string | null;
  /** Disabled users, whom DocSpace leaves in the source. */
  readonly disabledLeftBehind: readonly string[];
  readonly emptiesSource: boolean;
}

export interface RunSettings {
  readonly concurrency: number;
  readonly rate: number;
  readonly retries: number;
  readonly timeout: number;
  readonly maxWait: number;
  readonly verify: boolean;
}

export interface Summary {
  readonly total: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly skipped: number;
  readonly planned: number;
  readonly notAttempted: number;
  readonly membersMoved: number;
  readonly requests: number;
  readonly retries: number;
  readonly rateLimited: number;
}

/** One person the report names, as the portal described them (null: the reads did not describe them). */
export interface Person {
  readonly displayName: string | null;
  readonly email: string | null;
  readonly type: "user" | "guest" | null;
  readonly status: "active" | "pending" | "disabled" | null;
}

/** Who ran it: the account and machine, and the key's user. */
export interface RanBy {
  readonly osUser: string | null;
  readonly host: string | null;
  readonly keyUser: { readonly id: string; readonly displayName: string } | null;
}

/** A room a group is shared with, and the role the share gives. */
export interface RoomRole {
  readonly room: string;
  readonly title: string;
  readonly access: string;
}

/** A person's access to a room before and after the plan (null: none). */
export interface RoomAccessChange {
  readonly person: string;
  readonly room: string;
  readonly title: string;
  readonly before: string | null;
  readonly after: string | null;
}

/** `--rooms`: the rooms read, the rooms each move's groups are shared with, every access that changes. */
export interface RoomsReport {
  readonly read: number;
  readonly moves: readonly {
    readonly id: string;
    readonly source: readonly RoomRole[];
    readonly destination: readonly RoomRole[];
  }[];
  readonly people: readonly RoomAccessChange[];
}

export interface Report {
  readonly reportVersion: 1;
  readonly tool: { readonly name: string; readonly version: string };
  readonly runId: string;
  readonly mode: RunMode;
  readonly portal: string;
  readonly portalVersion: string | null;
  readonly behaviour: "move" | "copy" | null;
  readonly manifest: { readonly path: string; readonly sha256: string };
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly settings: RunSettings;
  readonly outcome: Outcome;
  readonly exitCode: number;
  /** Why the run stopped early or could not start, when it did. */
  readonly problems: readonly string[];
  readonly warnings: readonly string[];
  readonly summary: Summary;
  readonly moves: readonly MoveResult[];
  readonly ranBy: RanBy;
  /** Everyone named anywhere in the report, by user id. */
  readonly people: Readonly<Record<string, Person>>;
  /** With `--rooms`: room access as the preview computed it from the rooms' access rows. */
  readonly rooms?: RoomsReport;
}
