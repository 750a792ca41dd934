import {
  LIST_PAGE,
  PortalError,
  PortalErrorKind,
  type CallOptions,
  type GroupSnapshot,
  type GroupSummary,
  type KeyInfo,
  type MemberInfo,
  type Portal,
  type PortalCounters,
  type PersonRef,
  type RoomShare,
  type RoomSummary,
  type SelfInfo,
} from "../portal/port.js";
import type { ApiRequest, ApiResponse } from "./client.js";
import type { ApiKeyDto, EmployeeDto, VersionDto } from "./dto.js";
import { eachBounded } from "../bounded.js";
import { send, type Transport } from "./transport.js";

/** DocSpace's largest page (`count` is 1..100). */
const PAGE = LIST_PAGE;
const GROUP = "/api/2.0/group";

/**
 * The Portal over DocSpace's REST API: the only place that knows paths, envelopes, paging and the
 * shapes of the answers. Requests go through the transport's governor and retry policy.
 */
export class HttpPortal implements Portal {
  readonly url: string;
  readonly #t: Transport;

  constructor(transport: Transport) {
    this.#t = transport;
    this.url = transport.client.baseUrl;
  }

  async #send<T>(request: ApiRequest, call: CallOptions | undefined, check: (value: unknown) => T) {
    const answer = await send<unknown>(this.#t, request, call);
    try {
      return { ...answer, response: check(answer.response) } as ApiResponse<T>;
    } catch (err) {
      const why = err instanceof ShapeError ? err.message : String(err);
      throw new PortalError(
        PortalErrorKind.BadAnswer,
        `${request.method} ${request.path}: the answer was not of the shape DocSpace sends (${why})`,
        { httpStatus: answer.httpStatus, attempts: call?.tally?.attempts ?? 1 },
      );
    }
  }

  /**
   * Reads that may say "cannot tell" give null: 403 (no scope for it), 404 (before v3.2), or an answer
   * that fails for good. A refused key, an unreachable portal, a deferral or a stop still end the command.
   */
  async #optional<T>(path: string, call: CallOptions | undefined, check: (value: unknown) => T) {
    try {
      return (await this.#send({ method: "GET", path }, call, check)).response;
    } catch (err) {
      if (!(err instanceof PortalError)) throw err;
      if (err.httpStatus === 403 || err.httpStatus === 404) return null;
      if (err.kind === PortalErrorKind.Failed || err.kind === PortalErrorKind.BadAnswer) return null;
      throw err;
    }
  }

  /**
   * Every page: stops on a short (or empty) page; `total`, when given, only bounds it; a page that brings
   * nothing new (a portal that ignores startIndex) ends it too, so no answer can make it page forever.
   */
  async #pages<T extends { readonly id: string }>(
    path: string,
    query: Record<string, string | number>,
    call: CallOptions | undefined,
    check: (value: unknown) => T,
    /** Where the page's items are in the answer, when not the response itself (the rooms list). */
    pick: (value: unknown) => { items: unknown; total?: unknown } = (value) => ({ items: value }),
    /** The list so far, added to (the groups' listing reads its counted pages together first). */
    from: { readonly items: T[]; readonly seen: Set<string> } = { items: [], seen: new Set() },
  ): Promise<T[]> {
    for (;;) {
      const page = await this.#send(
        { method: "GET", path, query: { ...query, startIndex: from.items.length, count: PAGE } },
        call,
        (value) => {
          const picked = pick(value);
          const total = typeof picked.total === "number" ? picked.total : null;
          return { items: list(picked.items).map(check), total };
        },
      );
      if (!taken(from, page.response.items, page.response.total ?? page.total)) return from.items;
    }
  }

  async version(call?: CallOptions): Promise<string | null> {
    const dto = await this.#optional("/api/2.0/settings/version/build", call, (v) => object(v) as VersionDto);
    return dto !== null && typeof dto.docSpace === "string" ? dto.docSpace : null;
  }

  async key(call?: CallOptions): Promise<KeyInfo | null> {
    const dto = await this.#optional("/api/2.0/keys/@self", call, (v) => {
      const key = object(v) as ApiKeyDto & Record<string, unknown>;
      const permissions: unknown = key.permissions;
      if (permissions !== undefined && permissions !== null) {
        if (!Array.isArray(permissions) || !permissions.every((p) => typeof p === "string"))
          throw new ShapeError("the key's permissions are not a list of names");
      }
      return key;
    });
    if (dto === null) return null;
    return {
      permissions: dto.permissions ?? [],
      expiresAt: typeof dto.expiresAt === "string" ? dto.expiresAt : null,
      isActive: dto.isActive !== false,
    };
  }

  async self(call?: CallOptions): Promise<SelfInfo | null> {
    const dto = await this.#optional("/api/2.0/people/@self", call, employee);
    if (dto === null) return null;
    return {
      id: dto.id.toLowerCase(),
      displayName: dto.displayName,
      isOwner: dto.isOwner === true,
      isAdmin: dto.isAdmin === true,
      isRoomAdmin: dto.isRoomAdmin === true,
      isVisitor: dto.isVisitor === true,
      ...(typeof dto.email === "string" ? { email: dto.email } : {}),
    };
  }

  findGroups(text: string, call?: CallOptions): Promise<GroupSummary[]> {
    return this.#pages(GROUP, { filterValue: text }, call, summaryOf);
  }

  /**
   * With `expected` (the count just read), the pages it implies go out together, through the governor,
   * instead of one after another; what they bring is taken in page order, as page by page: a short page,
   * or one with nothing new, ends the list, and so does reaching the answers' total. Should the last of
   * them be full and short of that total, the read goes on page by page from there.
   */
  async listGroups(call?: CallOptions, expected?: number): Promise<GroupSummary[]> {
    const planned = expected === undefined ? 0 : Math.ceil(expected / PAGE);
    if (planned <= 1) return this.#pages(GROUP, {}, call, summaryOf);
    // A few dozen pages asked for at a time (the governor bounds those in flight); a failure is thrown
    // once those out have answered.
    const pages: ApiResponse<GroupSummary[]>[] = [];
    await eachBounded(
      Array.from({ length: planned }, (_, k) => k),
      async (k) => {
        pages[k] = await this.#send(
          { method: "GET", path: GROUP, query: { startIndex: k * PAGE, count: PAGE } },
          call,
          (value) => list(value).map(summaryOf),
        );
      },
    );
    const read = { items: [] as GroupSummary[], seen: new Set<string>() };
    for (const page of pages) if (!taken(read, page.response, page.total)) return read.items;
    return this.#pages(GROUP, {}, call, summaryOf, undefined, read);
  }

  async groupCount(call?: CallOptions): Promise<number | null> {
    const page = await this.#send(
      { method: "GET", path: GROUP, query: { startIndex: 0, count: 1 } },
      call,
      (value) => list(value).length,
    );
    return page.total;
  }

  async group(id: string, call?: CallOptions): Promise<GroupSnapshot> {
    return (await this.#send({ method: "GET", path: `${GROUP}/${id}` }, call, snapshotOf)).response;
  }

  disabledMembers(groupId: string, call?: CallOptions): Promise<MemberInfo[]> {
    return this.#pages("/api/2.0/people/filter", { groupId, employeeStatus: 2 }, call, (v) =>
      memberOf(employee(v)),
    );
  }

  async move(fromId: string, toId: string, call?: CallOptions): Promise<GroupSnapshot> {
    return (await this.#send({ method: "PUT", path: `${GROUP}/${fromId}/members/${toId}` }, call, snapshotOf))
      .response;
  }

  async addMembers(groupId: string, userIds: readonly string[], call?: CallOptions): Promise<GroupSnapshot> {
    const request = {
      method: "PUT",
      path: `${GROUP}/${groupId}/members`,
      body: { members: userIds },
    } as const;
    return (await this.#send(request, call, snapshotOf)).response;
  }

  async removeMembers(
    groupId: string,
    userIds: readonly string[],
    call?: CallOptions,
  ): Promise<GroupSnapshot> {
    const request = {
      method: "DELETE",
      path: `${GROUP}/${groupId}/members`,
      body: { members: userIds },
    } as const;
    return (await this.#send(request, call, snapshotOf)).response;
  }

  async setManager(groupId: string, userId: string, call?: CallOptions): Promise<GroupSnapshot> {
    const request = { method: "PUT", path: `${GROUP}/${groupId}/manager`, body: { userId } } as const;
    return (await this.#send(request, call, snapshotOf)).response;
  }

  async createGroup(name: string, managerId: string | null, call?: CallOptions): Promise<GroupSnapshot> {
    const body = { groupName: name, ...(managerId === null ? {} : { groupManager: managerId }), members: [] };
    return (await this.#send({ method: "POST", path: GROUP, body }, call, snapshotOf)).response;
  }

  async person(ref: PersonRef, call?: CallOptions): Promise<MemberInfo | null> {
    const request =
      ref.kind === "id"
        ? ({ method: "GET", path: `/api/2.0/people/${ref.id}` } as const)
        : ({ method: "GET", path: "/api/2.0/people/email", query: { email: ref.email } } as const);
    try {
      return (await this.#send(request, call, (v) => memberOf(employee(v)))).response;
    } catch (err) {
      if (err instanceof PortalError && err.notFound) return null;
      throw err;
    }
  }

  listRooms(call?: CallOptions): Promise<RoomSummary[]> {
    // The active rooms section; the rooms are in `folders` of a FolderContentDto.
    return this.#pages("/api/2.0/files/rooms", {}, call, roomOf, (value) => {
      const dto = object(value);
      return { items: dto.folders, total: dto.total };
    });
  }

  roomShares(roomId: string, call?: CallOptions): Promise<RoomShare[]> {
    // filterType 0: people and groups, no links. Rows are keyed by subject for the paging.
    return this.#pages(`/api/2.0/files/rooms/${roomId}/share`, { filterType: 0 }, call, shareOf).then(
      (rows) => rows.flatMap((row) => (row.share === null ? [] : [row.share])),
    );
  }

  async deleteGroup(groupId: string, call?: CallOptions): Promise<void> {
    await this.#send({ method: "DELETE", path: `${GROUP}/${groupId}` }, call, () => null);
  }

  counters(): PortalCounters {
    const { governor, counters } = this.#t;
    return {
      requests: governor.stats.requests,
      retries: counters.retries,
      rateLimited: governor.stats.rateLimited,
    };
  }
}

/** An answer that is not of the shape the tool relies on. */
class ShapeError extends Error {}

function object(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new ShapeError(`expected an object, got ${describe(value)}`);
  return value as Record<string, unknown>;
}

function list(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new ShapeError(`expected a list, got ${describe(value)}`);
  return value;
}

function text(value: unknown, what: string): string {
  if (typeof value !== "string" || value === "") throw new ShapeError(`${what} is not a string`);
  return value;
}

const describe = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "a list" : typeof value;

function employee(value: unknown): EmployeeDto {
  const dto = object(value);
  text(dto.id, "a person's id");
  if (dto.displayName !== undefined && typeof dto.displayName !== "string")
    throw new ShapeError("a person's displayName is not a string");
  return { ...dto, displayName: dto.displayName ?? "" } as unknown as EmployeeDto;
}

function summaryOf(value: unknown): GroupSummary {
  const dto = object(value);
  return { id: text(dto.id, "a group's id").toLowerCase(), name: text(dto.name, "a group's name") };
}

function roomOf(value: unknown): RoomSummary {
  const dto = object(value);
  if (typeof dto.id !== "number" || !Number.isSafeInteger(dto.id))
    throw new ShapeError("a room's id is not a number");
  return { id: String(dto.id), title: text(dto.title, "a room's title") };
}

/** A room's access row: a person (subjectType 0) or a group (2); links and anything else are skipped. */
function shareOf(value: unknown): { id: string; share: RoomShare | null } {
  const dto = object(value);
  const to = object(dto.sharedTo);
  const subject = dto.subjectType === 0 ? "user" : dto.subjectType === 2 ? "group" : null;
  const rawId =
    typeof to.id === "string" ? to.id.toLowerCase() : `${String(dto.subjectType)}:${JSON.stringify(to.id)}`;
  if (subject === null || typeof to.id !== "string") return { id: rawId, share: null };
  if (typeof dto.access !== "number") throw new ShapeError("a room share's access is not a number");
  const name = subject === "user" ? to.displayName : to.name;
  return {
    id: `${subject}:${rawId}`,
    share: {
      subject,
      id: rawId,
      name: typeof name === "string" ? name : rawId,
      access: dto.access,
      isOwner: dto.isOwner === true,
    },
  };
}

/** A member as the API lists it; a missing status is read as active (the group read lists active and pending users). */
export const memberOf = (m: EmployeeDto): MemberInfo => ({
  id: m.id.toLowerCase(),
  displayName: m.displayName,
  status: typeof m.status === "number" ? m.status : 1,
  isVisitor: m.isVisitor === true,
  ...(typeof m.email === "string" ? { email: m.email } : {}),
});

/**
 * A group from an answer. Each answer's people are its own objects: the preflight keeps the groups it
 * reads on disk, so one object per person across answers would be a map of everyone, held to the end.
 */
export function snapshotOf(value: unknown): GroupSnapshot {
  // Read as untrusted JSON: DocSpace omits null properties, a hostile answer may send anything.
  const dto = object(value);
  const summary = summaryOf(dto);
  const manager = dto.manager === undefined || dto.manager === null ? null : employee(dto.manager);
  const members = dto.members === undefined || dto.members === null ? [] : list(dto.members).map(employee);
  // Written out key by key (no spreads): every snapshot then shares one shape in V8, where spreads gave
  // most of them a shape of their own, a few hundred bytes each (15 MB at 10,000 moves).
  const people = members.map(memberOf);
  const managerInfo = manager === null ? null : memberOf(manager);
  const snapshot: { -readonly [K in keyof GroupSnapshot]: GroupSnapshot[K] } = {
    id: summary.id,
    name: summary.name,
    // (the manager's own id string, not a second copy of it: `memberOf` lowercases ids as this did)
    managerId: managerInfo === null ? null : managerInfo.id,
    members: people,
    isSystem: dto.isSystem === true,
  };
  if (managerInfo !== null) snapshot.manager = managerInfo;
  return snapshot;
}

/**
 * A page taken into a list, in page order, each item once; false when it ends the list: a short page, one
 * that brings nothing new (a portal that ignores startIndex), or the answers' total reached.
 */
function taken<T extends { readonly id: string }>(
  into: { readonly items: T[]; readonly seen: Set<string> },
  got: readonly T[],
  total: number | null,
): boolean {
  const fresh = got.filter((item) => !into.seen.has(item.id));
  for (const item of fresh) into.seen.add(item.id);
  into.items.push(...fresh);
  if (got.length < PAGE || fresh.length === 0) return false;
  return total === null || into.items.length < total;
}
