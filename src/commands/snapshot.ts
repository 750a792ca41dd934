import { isUuid } from "../manifest/types.js";
import { PortalError, PortalErrorKind, type MemberInfo, type Portal } from "../portal/port.js";
import type { Group, Seed, SeedRoom, User } from "../portal/types.js";
import { readRoomShares } from "../plan/rooms.js";
import { ExitCode } from "../report/exit-codes.js";
import { writeJsonAtomic } from "../report/write.js";
import type { Output } from "../engine/session.js";

/**
 * `--rooms`: every room the key sees, with its rows for the groups and people exported (a row for
 * anyone else cannot change with a move of these groups, and the seed could not name them).
 */
async function roomsOf(
  portal: Portal,
  groups: ReadonlySet<string>,
  users: ReadonlyMap<string, User>,
): Promise<SeedRoom[]> {
  const rooms = await readRoomShares(portal);
  return rooms
    .flatMap((room): SeedRoom[] => {
      const id = Number(room.id);
      if (!Number.isSafeInteger(id) || id < 1) return [];
      const shares = room.shares.flatMap((share) =>
        (share.subject === "group" ? groups : users).has(share.id)
          ? [
              {
                subject: share.subject,
                id: share.id,
                access: share.access,
                ...(share.isOwner ? { owner: true } : {}),
              },
            ]
          : [],
      );
      return [{ id, title: room.title, shares }];
    })
    .sort((a, b) => a.id - b.id);
}

/**
 * `docspace-migrate snapshot --out <file> [--group <id|name>]...`: a read-only export of groups, their
 * members (disabled ones included) and those users, in the sandbox seed format. Sends only GETs.
 */
export async function snapshotCommand(
  options: { out: string; groups: readonly string[]; rooms?: boolean },
  deps: { portal: Portal; output: Output },
): Promise<ExitCode> {
  const { portal, output } = deps;
  try {
    const listed = await portal.listGroups();
    const selected: { id: string }[] = [];
    const problems: string[] = [];
    if (options.groups.length === 0) selected.push(...listed);
    for (const wanted of options.groups) {
      const matches = isUuid(wanted)
        ? listed.filter((g) => g.id.toLowerCase() === wanted.toLowerCase())
        : listed.filter((g) => g.name === wanted);
      if (matches.length === 1) selected.push(...matches);
      else if (matches.length === 0)
        problems.push(
          `--group ${JSON.stringify(wanted)}: no group has that ${isUuid(wanted) ? "id" : "exact name"}`,
        );
      else
        problems.push(
          `--group ${JSON.stringify(wanted)}: ${matches.length} groups have that name (${matches.map((g) => g.id).join(", ")}); give the id`,
        );
    }
    if (problems.length > 0) {
      for (const p of problems) output.err(p);
      return ExitCode.Usage;
    }
    const users = new Map<string, User>();
    const groups: Group[] = [];
    const seen = new Set<string>();
    const keep = (person: MemberInfo): void => {
      users.set(person.id, {
        id: person.id,
        displayName: person.displayName,
        email: person.email ?? "",
        status: person.status === 2 || person.status === 4 ? person.status : 1,
        isVisitor: person.isVisitor,
      });
    };
    for (const { id } of selected) {
      if (seen.has(id)) continue;
      seen.add(id);
      const group = await portal.group(id);
      // The group's members are its active and pending users; disabled ones are only found by status.
      const members = [...group.members, ...(await portal.disabledMembers(id))];
      for (const person of members) keep(person);
      if (group.manager !== undefined && !users.has(group.manager.id)) keep(group.manager);
      groups.push({
        id: group.id,
        name: group.name,
        managerId: group.managerId,
        memberIds: members.map((m) => m.id),
      });
    }
    const rooms = options.rooms === true ? await roomsOf(portal, seen, users) : [];
    const seed: Seed = { users: [...users.values()], groups, ...(options.rooms === true ? { rooms } : {}) };
    await writeJsonAtomic(options.out, seed);
    output.out(
      `snapshot: ${groups.length} groups, ${users.size} users${options.rooms === true ? `, ${rooms.length} rooms` : ""} written to ${options.out} (GET requests only)`,
    );
    return ExitCode.Ok;
  } catch (err) {
    if (!(err instanceof PortalError)) throw err;
    output.err(`snapshot failed: ${err.message}`);
    if (err.kind === PortalErrorKind.Deferred) return ExitCode.Deferred;
    if (err.kind === PortalErrorKind.Interrupted) return ExitCode.Interrupted;
    return err.fatal ? ExitCode.Aborted : ExitCode.Failed;
  }
}
