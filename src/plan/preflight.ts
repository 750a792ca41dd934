import leven from "leven";
import { collectGarbage } from "../collect.js";
import { eachBounded } from "../bounded.js";
import {
  isMover,
  LIST_PAGE,
  PortalError,
  PortalErrorKind,
  type MemberInfo,
  type PersonRef,
  type GroupSummary,
  type KeyInfo,
  type Portal,
  type SelfInfo,
} from "../portal/port.js";
import { RULES } from "../manifest/rules.js";
import type { MoveIdentity } from "../state/history.js";
import { GroupStore } from "./group-store.js";
import { describePerson, describeRef, type GroupRef, type MoveSpec } from "../manifest/types.js";
import { moveBehaviourOf, parseVersion } from "../portal/version.js";
import {
  isPlannedGroup,
  plannedGroup,
  plannedGroupId,
  ProblemReason,
  type BlockingProblem,
  type GroupName,
  type GroupSnapshot,
  type KeyCheck,
  type Preflight,
} from "./types.js";

/** The run cannot go on at all: the key was refused, or the portal cannot be reached (exit 3). */
export class PreflightAbort extends Error {
  override readonly name = "PreflightAbort";
}

const WRITE_SCOPES = ["*", "*:write", "accounts:write"];

/**
 * Past this many names to find, the preflight counts the portal's groups (one read) and lists them all
 * instead of searching for each name, when the listing takes fewer reads.
 */
export const NAMES_BEFORE_LISTING = 20;

/** Reads sent beside the three checks, before they have answered; the others wait for the answers. */
export const READS_BEFORE_CHECKS = 4;

/** A failure that ends the preflight: a refused key or a gone portal (as PreflightAbort), a stop, a deferral. */
function ending(err: unknown): Error | null {
  if (!(err instanceof PortalError)) return err instanceof Error ? err : new Error(String(err));
  if (err.fatal) return abort(err);
  if (err.kind === PortalErrorKind.Interrupted || err.kind === PortalErrorKind.Deferred) return err;
  return null;
}

/** A group's id as the manifest or the lookup gives it: by id, it is known even when gone. */
const idOf = (ref: GroupRef, found: GroupName | string): string | null =>
  typeof found !== "string" ? found.id : ref.kind === "id" ? ref.id : null;

/** A group as found, or (gone since: the group an undo deleted) named by its id. */
const asFound = (found: GroupName | string, id: string): GroupName =>
  typeof found === "string" ? { id, name: id } : found;

/**
 * What the command knows of its moves beyond the portal, for the checks that do not apply to all of them:
 * which it will send, and what the state store says of them (the portal as it is now would fail some
 * only because an earlier run did its work).
 */
export interface MoveScope {
  /** False for a move left out (--only, --exclude, a saved plan): never sent, so nothing of it is checked. */
  readonly selected?: (moveId: string) => boolean;
  /**
   * Nothing to send (done and not forced; for an undo, undone): none of its checks apply, since what
   * it did is what they would refuse (its people gone from the source, the group its undo deleted).
   */
  readonly settled?: (move: MoveIdentity) => boolean;
  /** Started and never recorded as finished: its people may have left the source already. */
  readonly inDoubt?: (move: MoveIdentity) => boolean;
}

/**
 * Everything read before the first write: the portal's version, what the key may do,
 * names resolved to ids, and every group involved read once. Problems are collected, not thrown.
 */
export async function preflight(
  portal: Portal,
  moves: readonly MoveSpec[],
  stop?: AbortSignal,
  scope: MoveScope = {},
): Promise<Preflight> {
  // The checks, the name searches, the group reads and the people reads start together (the governor
  // bounds what is in flight): none of them depends on another, but a group named in the manifest is read
  // once its name is found.
  const checks = Promise.all([portal.version(), portal.key(), portal.self()]).catch((err: unknown) => {
    throw ending(err) ?? err;
  });
  // Until the checks have answered, only the first few reads go out: a refused key then costs a handful
  // of 401s, not one per group.
  const answered = checks.then(() => undefined);
  answered.catch(() => undefined); // awaited by the reads that wait; a refusal is thrown from `checks`
  let early = READS_BEFORE_CHECKS;
  const inTurn = (): Promise<void> | undefined => (early-- > 0 ? undefined : answered);

  const problems: BlockingProblem[] = [];
  const resolved = new Map<string, GroupName | string>(); // group name → group, or why not
  const names = [
    ...new Set(moves.flatMap((m) => [m.from, m.to]).flatMap((r) => (r.kind === "name" ? [r.name] : []))),
  ];
  // Names a move may create (`create: true`): when no group has one, every reference to it means the
  // group that the first move into it creates.
  const creatable = new Set(
    moves.flatMap((m) => (m.to.kind === "name" && m.to.create === true ? [m.to.name] : [])),
  );
  // Every group's name, read once: for "did you mean" when a name is missing, or to find many names.
  let listing: Promise<GroupSummary[]> | null = null;
  // Whether the names were found in one listing of every group (not searched for one by one).
  let listed = false;
  const everyGroup = (): Promise<GroupSummary[]> =>
    (listing ??= portal.listGroups().catch((err: unknown) => {
      const end = ending(err);
      if (end !== null) throw end;
      return [];
    }));
  // How a name is looked up: a search each, or, when listing every group takes fewer reads than that
  // (a page of LIST_PAGE at a time, counted first), the one listing, read once.
  const finder = async (): Promise<(name: string) => Promise<GroupSummary[]>> => {
    const search = async (name: string): Promise<GroupSummary[]> => {
      await inTurn();
      return portal.findGroups(name);
    };
    if (names.length <= NAMES_BEFORE_LISTING) return search;
    let all: GroupSummary[];
    try {
      await inTurn();
      const count = await portal.groupCount();
      if (count === null || Math.ceil(count / LIST_PAGE) >= names.length) return search;
      // Its pages together: no more of them than there are names to search for.
      all = await portal.listGroups(undefined, count);
    } catch (err) {
      const end = ending(err);
      if (end !== null) throw end;
      return search;
    }
    listing = Promise.resolve(all);
    listed = true;
    // Each name's group, or its groups when several share it (a list only then: not one per group).
    const exact = new Map<string, GroupSummary | GroupSummary[]>();
    for (const g of all) {
      const seen = exact.get(g.name);
      if (seen === undefined) exact.set(g.name, g);
      else if (Array.isArray(seen)) seen.push(g);
      else exact.set(g.name, [seen, g]);
    }
    // As a search answers: the exact matches are all that is used when there are any.
    return (name) => {
      const found = exact.get(name);
      return Promise.resolve(
        found === undefined
          ? all.filter((g) => g.name.toLowerCase().includes(name.trim().toLowerCase()))
          : Array.isArray(found)
            ? found
            : [found],
      );
    };
  };
  const resolveNames = async (): Promise<void> => {
    const find = await finder();
    await eachBounded(names, async (name) => {
      let found: GroupSummary[];
      try {
        found = await find(name);
      } catch (err) {
        const end = ending(err);
        if (end !== null) throw end;
        resolved.set(
          name,
          `the groups could not be searched for ${JSON.stringify(name)} (${(err as Error).message})`,
        );
        return;
      }
      const exact = found.filter((g) => g.name === name);
      if (exact.length === 1) {
        const only = exact[0] as GroupSummary;
        // (the manifest's string for the name, the same text: one copy of it kept, not two)
        resolved.set(name, { id: only.id.toLowerCase(), name });
      } else if (exact.length === 0 && creatable.has(name)) {
        resolved.set(name, { id: plannedGroupId(name), name });
      } else if (exact.length === 0) {
        const similar = found.slice(0, 5).map((g) => JSON.stringify(g.name));
        const near = nearNames(name, await everyGroup());
        const hints = [
          ...(similar.length === 0 ? [] : [`names that contain it: ${similar.join(", ")}`]),
          ...(near.length === 0 ? [] : [`did you mean ${near.map((n) => JSON.stringify(n)).join(" or ")}?`]),
        ];
        resolved.set(
          name,
          `no group is named ${JSON.stringify(name)}${hints.length === 0 ? "" : `; ${hints.join("; ")}`}`,
        );
      } else {
        resolved.set(
          name,
          `${exact.length} groups are named ${JSON.stringify(name)} (${exact.map((g) => g.id).join(", ")}); refer to one by its id`,
        );
      }
    });
  };
  const direct = new Set<string>();
  for (const move of moves) for (const ref of [move.from, move.to]) if (ref.kind === "id") direct.add(ref.id);
  // Kept on disk as they are read: each is read again when asked for.
  const groups = new GroupStore();
  const unreadable = new Map<string, string>();
  // What the moves need of each group, noted as it is read rather than read again from the store: the
  // system groups, and each name the manifest's string will not do for (a group named by id, or renamed
  // since the listing that found it).
  const system = new Map<string, string>();
  const readNames = new Map<string, string>();
  // Two references of the manifest turned out to be one group: a name and an id, or two names (a
  // portal's answers): noted as the reads go, rather than from a map of every group afterwards.
  const seen = { sameGroupTwice: false };
  const readGroup = async (id: string, expected?: string): Promise<void> => {
    try {
      await inTurn();
      const group = await portal.group(id);
      if (groups.has(id)) seen.sameGroupTwice = true;
      groups.set(id, group);
      if (group.isSystem) system.set(id, group.name);
      if (group.name !== expected) readNames.set(id, group.name);
    } catch (err) {
      const end = ending(err);
      if (end !== null) throw end;
      unreadable.set(
        id,
        (err as PortalError).notFound
          ? "the group does not exist (or was deleted)"
          : `the group could not be read (${(err as PortalError).message})`,
      );
    }
  };
  const readNamedGroups = async (): Promise<void> => {
    await resolveNames();
    // Every name is settled: the listing (a summary of every group on the portal) is not asked for
    // again, and is let go before the groups are read: collected now, when there was one (at 200,000
    // groups, V8's heap grew past it for the rest of the preflight).
    listing = null;
    if (listed) collectGarbage();
    for (const name of creatable) {
      const entry = resolved.get(name);
      if (typeof entry === "object" && isPlannedGroup(entry.id)) groups.set(entry.id, plannedGroup(name));
    }
    // Taken from the names as the reads start (no second map of them): a group has one name, so each
    // group found by name comes once.
    function* named(): Generator<GroupName> {
      for (const value of resolved.values()) {
        if (typeof value === "string" || isPlannedGroup(value.id)) continue;
        if (direct.has(value.id)) seen.sameGroupTwice = true;
        else yield value;
      }
    }
    await eachBounded(named(), (group) => readGroup(group.id, group.name));
  };

  // The people named as managers, each read once (by id or by email).
  const personKey = (ref: PersonRef): string =>
    ref.kind === "id" ? `id:${ref.id}` : `email:${ref.email.toLowerCase()}`;
  const people = new Map<string, MemberInfo | string>();
  const readPeople = (): Promise<void> =>
    eachBounded(
      [
        ...new Map(
          moves.flatMap((m) =>
            [...(m.manager === undefined ? [] : [m.manager]), ...(m.members ?? [])].map(
              (ref) => [personKey(ref), ref] as const,
            ),
          ),
        ).values(),
      ],
      async (ref) => {
        try {
          await inTurn();
          const person = await portal.person(ref);
          people.set(personKey(ref), person ?? `nobody on the portal is ${describePerson(ref)}`);
        } catch (err) {
          const end = ending(err);
          if (end !== null) throw end;
          people.set(personKey(ref), `${describePerson(ref)} could not be read (${(err as Error).message})`);
        }
      },
    );

  // All settled before anything is decided: a failure that ends the preflight leaves no read behind it.
  const [checked, ...reads] = await Promise.allSettled([
    checks,
    readNamedGroups(),
    eachBounded(direct, (id) => readGroup(id)),
    readPeople(),
  ]);
  if (checked.status === "rejected") throw checked.reason;
  for (const read of reads) if (read.status === "rejected") throw read.reason;
  // A stop while the reads were out ends the preflight, even when every answer still came in.
  if (stop?.aborted === true)
    throw new PortalError(PortalErrorKind.Interrupted, "interrupted during the preflight");
  const [portalVersion, keyInfo, self] = checked.value;
  const parsed = portalVersion === null ? null : parseVersion(portalVersion);
  const key = checkKey(keyInfo, self);

  const lookup = (ref: GroupRef): GroupName | string => {
    const entry = ref.kind === "name" ? resolved.get(ref.name) : { id: ref.id, name: null };
    if (entry === undefined || typeof entry === "string") return entry ?? "not resolved";
    const why = unreadable.get(entry.id);
    if (why !== undefined) return `${describeRef(ref)}: ${why}`;
    const systemName = system.get(entry.id);
    if (systemName !== undefined) {
      return `${describeRef(ref)} is the system group ${JSON.stringify(systemName)}; DocSpace sets its members by user type, so it cannot take part in a move`;
    }
    // The manifest's strings when they say the same: one copy kept, and the name's entry itself (one
    // object for the group, not one more a move).
    const name = readNames.get(entry.id);
    if (name === undefined || name === entry.name)
      return entry.name === null ? { id: entry.id, name: entry.id } : entry;
    return { id: entry.id, name };
  };

  const resolvedMoves = moves.map((move) => {
    const from = lookup(move.from);
    const to = lookup(move.to);
    if (scope.selected?.(move.id) === false)
      return typeof from === "string" || typeof to === "string" || from.id === to.id
        ? null
        : { spec: move, from, to };
    const ids = { from: idOf(move.from, from), to: idOf(move.to, to) };
    const known =
      ids.from === null || ids.to === null ? null : { moveId: move.id, from: ids.from, to: ids.to };
    if (known !== null && known.from !== known.to && scope.settled?.(known) === true)
      return { spec: move, from: asFound(from, known.from), to: asFound(to, known.to) };
    const inDoubt = known !== null && scope.inDoubt?.(known) === true;
    for (const [side, result] of [
      ["from", from],
      ["to", to],
    ] as const) {
      if (typeof result === "string") {
        problems.push({
          moveId: move.id,
          reason: ProblemReason.GroupNotFound,
          message: `move "${move.id}" ${side}: ${result}`,
          path: ["moves", move.index, side],
        });
      }
    }
    if (typeof from === "string" || typeof to === "string") return null;
    if (from.id === to.id) {
      problems.push({
        moveId: move.id,
        reason: ProblemReason.Preflight,
        message: `move "${move.id}": from and to are the same group (${from.name}, ${from.id}); DocSpace would empty it`,
        path: ["moves", move.index],
      });
      return null;
    }
    // `members:` each person resolved, and able to move: in the source, not a guest, not disabled.
    let members: MemberInfo[] | undefined;
    if (move.members !== undefined) {
      const source = groups.get(from.id);
      const why: string[] = [];
      members = [];
      for (const ref of move.members) {
        const found = people.get(personKey(ref));
        if (found === undefined || typeof found === "string") {
          why.push(found ?? `${describePerson(ref)} was not read`);
          continue;
        }
        const who = `${found.displayName} (${describePerson(ref)})`;
        if (found.isVisitor)
          why.push(`${who} is a guest; DocSpace does not put guests in groups (it would silently skip them)`);
        else if (found.status === 2) why.push(`${who} is disabled; DocSpace would silently skip them`);
        else if (!inDoubt && source?.members.some((m) => m.id === found.id) !== true)
          why.push(`${who} is not a member of "${from.name}"`);
        else members.push(found);
      }
      if (why.length > 0) {
        problems.push({
          moveId: move.id,
          reason: ProblemReason.Preflight,
          message: `move "${move.id}" members: ${why.join("; ")}`,
          path: ["moves", move.index, "members"],
        });
        return null;
      }
    }
    if (move.manager === undefined)
      return { spec: move, from, to, ...(members === undefined ? {} : { members }) };
    const manager = managerOf(
      members,
      move,
      move.manager,
      people.get(personKey(move.manager)),
      groups.get(from.id),
      groups.get(to.id),
    );
    if (typeof manager === "string") {
      problems.push({
        moveId: move.id,
        reason: ProblemReason.Preflight,
        message: `move "${move.id}" manager: ${manager}`,
        path: ["moves", move.index, "manager"],
      });
      return null;
    }
    return { spec: move, from, to, manager, ...(members === undefined ? {} : { members }) };
  });

  const result = {
    portalVersion,
    behaviour: parsed === null ? null : moveBehaviourOf(parsed),
    key,
    self,
    moves: resolvedMoves,
    groups,
  };
  // The manifest's rules again, now that names are ids, when two of its references turned out to be one
  // group (a name and an id): otherwise the groups pair up as the manifest's check already saw them.
  if (!seen.sameGroupTwice) return { ...result, problems };
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
  const byIndex = new Map(asIds.map((m) => [m.index, m]));
  for (const rule of RULES) {
    for (const p of rule({ moves: asIds, explicitIds: new Set() })) {
      if (p.severity !== "error" || p.rule === "duplicate-id") continue;
      const move = typeof p.path[1] === "number" ? byIndex.get(p.path[1]) : undefined;
      problems.push({
        moveId: move?.id ?? null,
        reason: ProblemReason.Preflight,
        message: `after resolving names: ${p.message}`,
        path: p.path,
      });
    }
  }

  return { ...result, problems };
}

/**
 * The person a move makes its destination's manager, or why not. DocSpace silently does nothing for a
 * guest or a disabled user (§10.4), so they are refused here; and the person must be in the destination
 * after the move: a member of it already, or one of those the move brings.
 */
function managerOf(
  members: readonly MemberInfo[] | undefined,
  move: MoveSpec,
  ref: PersonRef,
  found: MemberInfo | string | undefined,
  source: GroupSnapshot | undefined,
  destination: GroupSnapshot | undefined,
): MemberInfo | string {
  if (found === undefined) return `${describePerson(ref)} was not read`;
  if (typeof found === "string") return found;
  const who = `${found.displayName} (${describePerson(ref)})`;
  if (found.isVisitor)
    return `${who} is a guest; DocSpace does not make a guest a group's manager (it would silently do nothing)`;
  if (found.status === 2)
    return `${who} is disabled; DocSpace does not make a disabled user a group's manager (it would silently do nothing)`;
  const inDestination = destination?.members.some((m) => m.id === found.id) === true;
  const moving =
    members === undefined
      ? source?.members.some((m) => m.id === found.id && isMover(m)) === true
      : members.some((m) => m.id === found.id);
  if (!inDestination && !moving)
    return `${who} will not be in the destination after move "${move.id}": name someone who is in it, or whom the move brings`;
  return found;
}

/**
 * The names closest to a missing one by edit distance (a transposed or mistyped letter or two, case
 * aside): at most three, and only those near enough to be a likely typo.
 */
export function nearNames(name: string, groups: readonly GroupSummary[]): string[] {
  const wanted = name.toLowerCase();
  const limit = Math.max(2, Math.floor(wanted.length / 4));
  return [...new Set(groups.map((g) => g.name))]
    .map((n) => ({ n, d: leven(wanted, n.toLowerCase()) }))
    .filter((x) => x.d <= limit && x.n !== name)
    .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n))
    .slice(0, 3)
    .map((x) => x.n);
}

function abort(cause: PortalError): PreflightAbort {
  const why =
    cause.httpStatus === 401
      ? "the portal did not accept the API key (401): check DOCSPACE_API_KEY, and that the key is active and not expired"
      : cause.httpStatus === 403
        ? "the key may not read groups (403): use a key of a DocSpace admin or the owner, with accounts:read or full access"
        : `the portal could not be reached: ${cause.message}`;
  return new PreflightAbort(why, { cause });
}

/** What the key may do: permissions empty or `*` = full; the user must be an admin or the owner. */
export function checkKey(key: KeyInfo | null, self: SelfInfo | null): KeyCheck {
  const refusals: string[] = [];
  const notes: string[] = [];
  let known = true;
  if (key === null) {
    known = false;
    notes.push("the key's permissions could not be read (portals before v3.2 cannot tell)");
  } else {
    const permissions = key.permissions;
    if (permissions.length > 0 && !permissions.some((p) => WRITE_SCOPES.includes(p))) {
      refusals.push(
        `the key's permissions (${permissions.join(", ")}) do not include accounts:write, which moving members needs`,
      );
    }
    if (!key.isActive) refusals.push("the key is not active");
    if (key.expiresAt !== null) notes.push(`the key expires at ${key.expiresAt}`);
  }
  if (self === null) {
    known = false;
    notes.push("the key's user could not be read (that needs the accounts.self:read scope)");
  } else if (!self.isOwner && !self.isAdmin) {
    const role = self.isRoomAdmin ? "a room admin" : self.isVisitor ? "a guest" : "a user";
    refusals.push(
      `the key belongs to ${self.displayName}, ${role}: only DocSpace admins and the owner may move members`,
    );
  }
  return { canWrite: refusals.length > 0 ? false : known ? true : null, refusals, notes };
}
