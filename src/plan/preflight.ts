import type { ApiKeyDto, EmployeeDto, GroupDto, VersionDto } from "../api/dto.js";
import { ApiError } from "../api/http-error.js";
import { InterruptedError, send, SendError, type SendContext } from "../engine/send.js";
import { classify, isUnreachable, Verdict } from "../engine/retry-policy.js";
import { RULES } from "../manifest/rules.js";
import { describeRef, type GroupRef, type MoveSpec } from "../manifest/types.js";
import { moveBehaviourOf, parseVersion } from "../portal/version.js";
import {
  ProblemReason,
  type BlockingProblem,
  type GroupName,
  type GroupSnapshot,
  type KeyCheck,
  type MemberInfo,
  type Preflight,
} from "./types.js";

/** The run cannot go on at all: the key was refused, or the portal cannot be reached (exit 3). */
export class PreflightAbort extends Error {
  override readonly name = "PreflightAbort";
}

const WRITE_SCOPES = ["*", "*:write", "accounts:write"];
const PAGE = 100;

/**
 * Everything read before the first write: the portal's version, what the key may do,
 * names resolved to ids, and every group involved read once. Problems are collected, not thrown.
 */
export async function preflight(ctx: SendContext, moves: readonly MoveSpec[]): Promise<Preflight> {
  const get = async <T>(path: string, query?: Record<string, string | number>): Promise<T> =>
    (await send<T>(ctx, { method: "GET", path, ...(query === undefined ? {} : { query }) })).result.response;
  /** The failure itself, and a PreflightAbort when it means the run cannot go on. */
  const unwrap = (err: unknown): { cause: Error; abort: PreflightAbort | null } => {
    const cause = err instanceof SendError ? err.cause : err;
    // A stop is not a finding about the portal: it ends the preflight as it is.
    if (cause instanceof InterruptedError) throw cause;
    if (!(cause instanceof ApiError))
      return { cause: cause instanceof Error ? cause : new Error(String(cause)), abort: null };
    const fatal = classify(cause, ctx.policy) === Verdict.Abort || isUnreachable(cause);
    return { cause, abort: fatal ? abort(cause) : null };
  };
  /** Reads that may say "cannot tell" (403 for a key without the self scope, 404 before v3.2) give null. */
  const optional = async <T>(path: string): Promise<T | null> => {
    try {
      return await get<T>(path);
    } catch (err) {
      const { cause, abort: stop } = unwrap(err);
      if (cause instanceof ApiError && (cause.httpStatus === 403 || cause.httpStatus === 404)) return null;
      if (stop !== null) throw stop;
      return null;
    }
  };

  const version = await optional<VersionDto>("/api/2.0/settings/version/build");
  const portalVersion = version?.docSpace ?? null;
  const parsed = portalVersion === null ? null : parseVersion(portalVersion);
  const key = checkKey(
    await optional<ApiKeyDto>("/api/2.0/keys/@self"),
    await optional<EmployeeDto>("/api/2.0/people/@self"),
  );

  const problems: BlockingProblem[] = [];
  const resolved = new Map<string, GroupName | string>(); // ref key → group, or why not
  const names = [
    ...new Set(moves.flatMap((m) => [m.from, m.to]).flatMap((r) => (r.kind === "name" ? [r.name] : []))),
  ];
  await Promise.all(
    names.map(async (name) => {
      let found: GroupDto[];
      try {
        found = await readAll(name);
      } catch (err) {
        if (err instanceof PreflightAbort || err instanceof InterruptedError) throw err;
        resolved.set(
          `name:${name}`,
          `the groups could not be searched for ${JSON.stringify(name)} (${(err as Error).message})`,
        );
        return;
      }
      const exact = found.filter((g) => g.name === name);
      if (exact.length === 1) {
        const only = exact[0] as GroupDto;
        resolved.set(`name:${name}`, { id: only.id.toLowerCase(), name: only.name });
      } else if (exact.length === 0) {
        const similar = found.slice(0, 5).map((g) => JSON.stringify(g.name));
        resolved.set(
          `name:${name}`,
          `no group is named ${JSON.stringify(name)}${similar.length === 0 ? "" : `; names that contain it: ${similar.join(", ")}`}`,
        );
      } else {
        resolved.set(
          `name:${name}`,
          `${exact.length} groups are named ${JSON.stringify(name)} (${exact.map((g) => g.id).join(", ")}); refer to one by its id`,
        );
      }
    }),
  );
  async function readAll(name: string): Promise<GroupDto[]> {
    const all: GroupDto[] = [];
    for (;;) {
      const page = await send<GroupDto[]>(ctx, {
        method: "GET",
        path: "/api/2.0/group",
        query: { filterValue: name, startIndex: all.length, count: PAGE },
      }).catch((err: unknown) => {
        const { cause, abort: stop } = unwrap(err);
        throw stop ?? cause;
      });
      all.push(...page.result.response);
      if (page.result.response.length === 0 || all.length >= (page.result.total ?? all.length)) return all;
    }
  }

  const ids = new Set<string>();
  for (const move of moves) for (const ref of [move.from, move.to]) if (ref.kind === "id") ids.add(ref.id);
  for (const value of resolved.values()) if (typeof value !== "string") ids.add(value.id);
  const groups = new Map<string, GroupSnapshot>();
  const unreadable = new Map<string, string>();
  await Promise.all(
    [...ids].map(async (id) => {
      try {
        groups.set(id, snapshotOf(await get<GroupDto>(`/api/2.0/group/${id}`)));
      } catch (err) {
        const { cause, abort: stop } = unwrap(err);
        if (stop !== null) throw stop;
        const status = cause instanceof ApiError ? cause.httpStatus : null;
        unreadable.set(
          id,
          status === 404
            ? "the group does not exist (or was deleted)"
            : `the group could not be read (${cause.message})`,
        );
      }
    }),
  );

  const lookup = (ref: GroupRef): GroupName | string => {
    const entry =
      ref.kind === "name"
        ? resolved.get(`name:${ref.name}`)
        : { id: ref.id, name: groups.get(ref.id)?.name ?? ref.id };
    if (entry === undefined || typeof entry === "string") return entry ?? "not resolved";
    const why = unreadable.get(entry.id);
    if (why !== undefined) return `${describeRef(ref)}: ${why}`;
    const group = groups.get(entry.id);
    if (group?.isSystem === true) {
      return `${describeRef(ref)} is the system group ${JSON.stringify(group.name)}; DocSpace sets its members by user type, so it cannot take part in a move`;
    }
    return { id: entry.id, name: group?.name ?? entry.name };
  };

  const resolvedMoves = moves.map((move) => {
    const from = lookup(move.from);
    const to = lookup(move.to);
    for (const [side, result] of [
      ["from", from],
      ["to", to],
    ] as const) {
      if (typeof result === "string") {
        problems.push({
          moveId: move.id,
          reason: ProblemReason.GroupNotFound,
          message: `move "${move.id}" ${side}: ${result}`,
        });
      }
    }
    if (typeof from === "string" || typeof to === "string") return null;
    if (from.id === to.id) {
      problems.push({
        moveId: move.id,
        reason: ProblemReason.Preflight,
        message: `move "${move.id}": from and to are the same group (${from.name}, ${from.id}); DocSpace would empty it`,
      });
      return null;
    }
    return { spec: move, from, to };
  });

  // The manifest's rules again, now that names are ids: a name and an id may be the same group.
  const asIds = resolvedMoves.flatMap((m) =>
    m === null
      ? []
      : [
          {
            ...m.spec,
            from: { kind: "id", id: m.from.id } as const,
            to: { kind: "id", id: m.to.id } as const,
          },
        ],
  );
  for (const rule of RULES) {
    for (const p of rule({ moves: asIds, explicitIds: new Set() })) {
      if (p.severity !== "error" || p.rule === "duplicate-id") continue;
      const move = asIds.find((m) => m.index === p.path[1]);
      problems.push({
        moveId: move?.id ?? null,
        reason: ProblemReason.Preflight,
        message: `after resolving names: ${p.message}`,
      });
    }
  }

  return {
    portalVersion,
    behaviour: parsed === null ? null : moveBehaviourOf(parsed),
    key,
    moves: resolvedMoves,
    groups,
    problems,
  };
}

function abort(cause: ApiError): PreflightAbort {
  const why =
    cause.httpStatus === 401
      ? "the portal did not accept the API key (401): check DOCSPACE_API_KEY, and that the key is active and not expired"
      : cause.httpStatus === 403
        ? "the key may not read groups (403): use a key of a DocSpace admin or the owner, with accounts:read or full access"
        : `the portal could not be reached: ${cause.message}`;
  return new PreflightAbort(why, { cause });
}

export function snapshotOf(dto: GroupDto): GroupSnapshot {
  return {
    id: dto.id.toLowerCase(),
    name: dto.name,
    managerId: dto.manager?.id.toLowerCase() ?? null,
    members: (dto.members ?? []).map(memberOf),
    isSystem: dto.isSystem === true,
  };
}

/** A member as the API lists it; a missing status is read as active (the group read lists active and pending users). */
export const memberOf = (m: EmployeeDto): MemberInfo => ({
  id: m.id.toLowerCase(),
  displayName: m.displayName,
  status: typeof m.status === "number" ? m.status : 1,
  isVisitor: m.isVisitor === true,
});

/** What the key may do: permissions empty or `*` = full; the user must be an admin or the owner. */
export function checkKey(key: ApiKeyDto | null, self: EmployeeDto | null): KeyCheck {
  const refusals: string[] = [];
  const notes: string[] = [];
  let known = true;
  if (key === null) {
    known = false;
    notes.push(
      "the key's permissions could not be read (GET /api/2.0/keys/@self: portals before v3.2 do not have it)",
    );
  } else {
    const permissions = key.permissions ?? [];
    if (permissions.length > 0 && !permissions.some((p) => WRITE_SCOPES.includes(p))) {
      refusals.push(
        `the key's permissions (${permissions.join(", ")}) do not include accounts:write, which moving members needs`,
      );
    }
    if (key.isActive === false) refusals.push("the key is not active");
    if (key.expiresAt !== undefined) notes.push(`the key expires at ${key.expiresAt}`);
  }
  if (self === null) {
    known = false;
    notes.push(
      "the key's user could not be read (GET /api/2.0/people/@self needs the accounts.self:read scope)",
    );
  } else if (self.isOwner !== true && self.isAdmin !== true) {
    const role = self.isRoomAdmin === true ? "a room admin" : self.isVisitor === true ? "a guest" : "a user";
    refusals.push(
      `the key belongs to ${self.displayName}, ${role}: only DocSpace admins and the owner may move members`,
    );
  }
  return { canWrite: refusals.length > 0 ? false : known ? true : null, refusals, notes };
}
