import type { EmployeeDto, GroupDto } from "../api/dto.js";
import { ApiError } from "../api/http-error.js";
import { send, SendError, type SendContext } from "../engine/send.js";
import { ExitCode } from "../cli/exit-codes.js";
import type { Group, Seed, User } from "../portal/types.js";
import { writeJsonAtomic } from "../report/write.js";
import type { Output } from "./io.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PAGE = 100;

/** Reads every page of a paged list (`count`/`total` in the envelope). */
async function readAllPages<T>(
  ctx: SendContext,
  path: string,
  query: Record<string, string | number>,
): Promise<T[]> {
  const items: T[] = [];
  for (;;) {
    const { result: page } = await send<T[]>(ctx, {
      method: "GET",
      path,
      query: { ...query, startIndex: items.length, count: PAGE },
    });
    items.push(...page.response);
    if (page.response.length === 0 || items.length >= (page.total ?? items.length)) return items;
  }
}

/**
 * `docspace-migrate snapshot --out <file> [--group <id|name>]...`: a read-only export of groups, their
 * members (disabled ones included) and those users, in the sandbox seed format. Sends only GETs.
 */
export async function snapshotCommand(
  options: { out: string; groups: readonly string[] },
  deps: { send: SendContext; output: Output },
): Promise<ExitCode> {
  const { send: ctx, output } = deps;
  try {
    const listed = await readAllPages<GroupDto>(ctx, "/api/2.0/group", {});
    const selected: GroupDto[] = [];
    const problems: string[] = [];
    if (options.groups.length === 0) selected.push(...listed);
    for (const wanted of options.groups) {
      const matches = UUID.test(wanted)
        ? listed.filter((g) => g.id.toLowerCase() === wanted.toLowerCase())
        : listed.filter((g) => g.name === wanted);
      if (matches.length === 1) selected.push(...matches);
      else if (matches.length === 0)
        problems.push(
          `--group ${JSON.stringify(wanted)}: no group has that ${UUID.test(wanted) ? "id" : "exact name"}`,
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
    for (const { id } of selected) {
      if (seen.has(id)) continue;
      seen.add(id);
      const { result } = await send<GroupDto>(ctx, { method: "GET", path: `/api/2.0/group/${id}` });
      const group = result.response;
      // The group's members are its active and pending users; disabled ones are only found by status.
      const disabled = await readAllPages<EmployeeDto>(ctx, "/api/2.0/people/filter", {
        groupId: id,
        employeeStatus: 2,
      });
      const members = [...(group.members ?? []), ...disabled];
      for (const person of [...members, ...(group.manager === undefined ? [] : [group.manager])]) {
        users.set(person.id, {
          id: person.id,
          displayName: person.displayName,
          email: person.email ?? "",
          status: person.status === 2 || person.status === 4 ? person.status : 1,
          isVisitor: person.isVisitor ?? false,
        });
      }
      groups.push({
        id: group.id,
        name: group.name,
        managerId: group.manager?.id ?? null,
        memberIds: members.map((m) => m.id),
      });
    }
    const seed: Seed = { users: [...users.values()], groups };
    await writeJsonAtomic(options.out, seed);
    output.out(
      `snapshot: ${groups.length} groups, ${users.size} users written to ${options.out} (GET requests only)`,
    );
    return ExitCode.Ok;
  } catch (thrown) {
    const err = thrown instanceof SendError ? thrown.cause : thrown;
    if (!(err instanceof ApiError)) throw thrown;
    output.err(`snapshot failed: ${err.message}`);
    const status = err.httpStatus;
    return status === 401 || status === 403 || err.kind === "network" || err.kind === "timeout"
      ? ExitCode.Aborted
      : ExitCode.Failed;
  }
}
