/**
 * The one seam between the tool and DocSpace: every operation the tool performs on a portal, in
 * DocSpace's own terms, returning plain snapshots. Two implementations: the HTTP one (`api/http-portal.ts`)
 * and the in-memory one over the portal model (`portal/memory.ts`). The engine, the preflight, the
 * preview and undo only ever talk to a Portal.
 */

/** A person as a manifest names them: a user id (lower-case) or an email address. */
export type PersonRef =
  { readonly kind: "id"; readonly id: string } | { readonly kind: "email"; readonly email: string };

export interface MemberInfo {
  readonly id: string;
  readonly displayName: string;
  /** DocSpace's numbers: 1 active, 2 disabled, 4 pending. */
  readonly status: number;
  readonly isVisitor: boolean;
  readonly email?: string;
}

/** A group as read: its active and pending members (guests included), as DocSpace lists them. */
export interface GroupSnapshot {
  readonly id: string;
  readonly name: string;
  readonly managerId: string | null;
  readonly members: readonly MemberInfo[];
  readonly isSystem: boolean;
  /** The manager as the answer describes them (they may not be among the members shown). */
  readonly manager?: MemberInfo;
}

/** A group as a list or search shows it: no members. */
export interface GroupSummary {
  readonly id: string;
  readonly name: string;
}

/** A room as the rooms list shows it. DocSpace's room ids are integers; kept as their decimal text. */
export interface RoomSummary {
  readonly id: string;
  readonly title: string;
}

/**
 * One access row of a room (`GET /files/rooms/{id}/share`): a person or a group and the role DocSpace
 * numbers as `FileShare` (9 room manager, 11 content creator, 10 editing, 7 fill forms, 5 review,
 * 6 comment, 2 read; 3 restrict and 0 none give no access). Links are not read.
 */
export interface RoomShare {
  readonly subject: "user" | "group";
  /** Lower-case user or group id. */
  readonly id: string;
  readonly name: string;
  readonly access: number;
  /** The room's owner (a user row). */
  readonly isOwner: boolean;
}

/** What the key itself says of its rights (`keys/@self`). */
export interface KeyInfo {
  /** Empty or `*` = full access. */
  readonly permissions: readonly string[];
  readonly expiresAt: string | null;
  readonly isActive: boolean;
}

/** The key's user (`people/@self`). */
export interface SelfInfo {
  readonly id: string;
  readonly displayName: string;
  readonly isOwner: boolean;
  readonly isAdmin: boolean;
  readonly isRoomAdmin: boolean;
  readonly isVisitor: boolean;
  readonly email?: string;
}

/** How a failed operation should make a command react. */
export const PortalErrorKind = {
  /** The key was refused (401/403): stop scheduling, exit 3. */
  Aborted: "aborted",
  /** No answer after the retries: stop scheduling, exit 3. */
  Unreachable: "unreachable",
  /** The portal asks to wait longer than --max-wait: leave the rest for the next run, exit 4. */
  Deferred: "deferred",
  /** A stop was asked for before (or between) the attempts: nothing more is sent. */
  Interrupted: "interrupted",
  /** This operation failed for good (404, 400, a 5xx after the retries). */
  Failed: "failed",
  /** An answer of a shape the tool cannot rely on. */
  BadAnswer: "bad-answer",
} as const;
export type PortalErrorKind = (typeof PortalErrorKind)[keyof typeof PortalErrorKind];

/** The one error a Portal operation fails with. Its message never holds a secret. */
export class PortalError extends Error {
  override readonly name = "PortalError";
  readonly kind: PortalErrorKind;
  /** The HTTP status (or the envelope's statusCode); null without one. */
  readonly httpStatus: number | null;
  /** Attempts made before giving up (0: nothing was sent). */
  readonly attempts: number;
  /** The wait the portal asked for, in milliseconds, when it asked. */
  readonly retryAfterMs: number | null;
  /** How the last request failed, as the transport saw it (`http`, `network`, `timeout`, `envelope`, …). */
  readonly failure: string;

  constructor(
    kind: PortalErrorKind,
    message: string,
    init: {
      httpStatus?: number | null;
      attempts?: number;
      retryAfterMs?: number | null;
      failure?: string;
      cause?: unknown;
    } = {},
  ) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = kind;
    this.httpStatus = init.httpStatus ?? null;
    this.attempts = init.attempts ?? 0;
    this.retryAfterMs = init.retryAfterMs ?? null;
    this.failure = init.failure ?? kind;
  }

  /** The group or user named does not exist (or was deleted). */
  get notFound(): boolean {
    return this.kind === PortalErrorKind.Failed && this.httpStatus === 404;
  }

  /** The command cannot go on at all: exit 3. */
  get fatal(): boolean {
    return this.kind === PortalErrorKind.Aborted || this.kind === PortalErrorKind.Unreachable;
  }
}

/** A retry about to happen, for the log. */
export interface RetryNotice {
  readonly attempt: number;
  readonly retriesLeft: number;
  readonly httpStatus: number | null;
  readonly kind: string;
  readonly message: string;
}

/** Per-operation options: what the caller wants to know or allow. */
/** Items a paged list read asks for at a time (groups, people, rooms, shares). */
export const LIST_PAGE = 100;

export interface CallOptions {
  /** The attempts this operation makes are added here (the report counts them per move). */
  readonly tally?: { attempts: number };
  readonly onRetry?: (notice: RetryNotice) => void;
  /**
   * Finishing what was started (the read-back after a move was sent): a stop does not cancel it,
   * and once a stop was asked for it is not retried.
   */
  readonly finishing?: boolean;
}

export interface PortalCounters {
  readonly requests: number;
  readonly retries: number;
  readonly rateLimited: number;
}

export interface Portal {
  /** Where the portal is, as shown to people (never with a key). */
  readonly url: string;
  /** The server's version (`3.7.2.1234`), or null when it does not say. */
  version(call?: CallOptions): Promise<string | null>;
  /** The key's own rights, or null when the portal cannot tell (before v3.2, or no scope for it). */
  key(call?: CallOptions): Promise<KeyInfo | null>;
  /** The key's user, or null when the key may not read it. */
  self(call?: CallOptions): Promise<SelfInfo | null>;
  /** Groups whose name contains `text` (case-insensitive), every page. */
  findGroups(text: string, call?: CallOptions): Promise<GroupSummary[]>;
  /** Every user group, every page; `expected`, a count just read, lets its pages be read together. */
  listGroups(call?: CallOptions, expected?: number): Promise<GroupSummary[]>;
  /** How many user groups there are (one small read), or null when the portal does not say. */
  groupCount(call?: CallOptions): Promise<number | null>;
  /** One group with its members; fails `notFound` when it does not exist. */
  group(id: string, call?: CallOptions): Promise<GroupSnapshot>;
  /** The group's disabled members, whom the group read does not show. */
  disabledMembers(groupId: string, call?: CallOptions): Promise<MemberInfo[]>;
  /** DocSpace's move: every active and pending member of `fromId` into `toId`; answers the destination. */
  move(fromId: string, toId: string, call?: CallOptions): Promise<GroupSnapshot>;
  addMembers(groupId: string, userIds: readonly string[], call?: CallOptions): Promise<GroupSnapshot>;
  removeMembers(groupId: string, userIds: readonly string[], call?: CallOptions): Promise<GroupSnapshot>;
  setManager(groupId: string, userId: string, call?: CallOptions): Promise<GroupSnapshot>;
  createGroup(name: string, managerId: string | null, call?: CallOptions): Promise<GroupSnapshot>;
  /** A person by user id or email, or null when the portal has nobody by it. */
  person(ref: PersonRef, call?: CallOptions): Promise<MemberInfo | null>;
  /** Deletes a group (its members' accounts stay; its shares go with it, §10.7). */
  deleteGroup(groupId: string, call?: CallOptions): Promise<void>;
  /** Every active room the key's user sees (an admin sees them all), every page. */
  listRooms(call?: CallOptions): Promise<RoomSummary[]>;
  /** The people and groups a room is shared with, and their roles, every page. */
  roomShares(roomId: string, call?: CallOptions): Promise<RoomShare[]>;
  /** Requests, retries and rate-limit answers so far. */
  counters(): PortalCounters;
}

/** The members that DocSpace's move takes: active and pending users who are not guests. */
export const isMover = (m: MemberInfo): boolean => !m.isVisitor && (m.status === 1 || m.status === 4);
