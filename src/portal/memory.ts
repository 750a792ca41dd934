import { randomUUID } from "node:crypto";
import { PortalModel, type GroupView, type Lookup } from "./model.js";
import {
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
} from "./port.js";
import { UserStatus, type User } from "./types.js";

/**
 * The model's users as group members: the user itself, which the model never changes, so every group and
 * answer that names a person shares one object (the dry run keeps its groups in memory: a copy of each
 * person per group and answer would add up).
 */
const memberOf = (user: User): MemberInfo => user;

/**
 * A Portal over the portal model, in memory: the same semantics the sandbox serves, with no socket.
 * The preview runs the engine against one seeded from the preflight's reads; tests run it directly.
 * Each operation counts as one request and one attempt.
 */
export class MemoryPortal implements Portal {
  readonly url: string;
  readonly model: PortalModel;
  readonly #self: SelfInfo | null;
  readonly #key: KeyInfo | null;
  readonly #newId: () => string;
  #requests = 0;

  constructor(
    model: PortalModel,
    options: { url?: string; self?: SelfInfo | null; key?: KeyInfo | null; newId?: () => string } = {},
  ) {
    this.model = model;
    this.url = options.url ?? "memory:";
    this.#self = options.self === undefined ? OWNER : options.self;
    this.#key =
      options.key === undefined ? { permissions: [], expiresAt: null, isActive: true } : options.key;
    this.#newId = options.newId ?? randomUUID;
  }

  /**
   * A portal holding just these groups, as read, and their disabled members: what the preview needs
   * to apply a plan to. Users are known only as members of these groups.
   */
  static fromSnapshots(
    groups: Iterable<GroupSnapshot>,
    disabled: ReadonlyMap<string, readonly MemberInfo[]>,
    version: string,
  ): MemoryPortal {
    // Straight into the model, group by group: no seed copy of everyone beside it while it is built.
    const model = PortalModel.assemble({ version }, (add) => {
      for (const group of groups) {
        const hidden = disabled.get(group.id) ?? [];
        const all = [...group.members, ...hidden];
        for (const m of all) {
          add.user({
            id: m.id,
            displayName: m.displayName,
            email: m.email ?? "",
            status:
              m.status === UserStatus.Disabled || m.status === UserStatus.Pending
                ? m.status
                : UserStatus.Active,
            isVisitor: m.isVisitor,
          });
        }
        add.group({
          id: group.id,
          name: group.name,
          managerId: group.managerId,
          memberIds: all.map((m) => m.id),
        });
      }
    });
    return new MemoryPortal(model);
  }

  #call(call: CallOptions | undefined): void {
    this.#requests++;
    if (call?.tally !== undefined) call.tally.attempts++;
  }

  #snapshot(view: GroupView): GroupSnapshot {
    return {
      id: view.id,
      name: view.name,
      managerId: view.managerId,
      members: view.memberIds.flatMap((id) => {
        const user = this.model.user(id);
        return user === undefined ? [] : [memberOf(user)];
      }),
      isSystem: view.isSystem,
    };
  }

  #answer(result: Lookup<GroupView>): GroupSnapshot {
    if (!result.found) {
      throw new PortalError(
        PortalErrorKind.Failed,
        result.which === "group" ? "The group could not be found" : "The user could not be found",
        { httpStatus: 404, attempts: 1, failure: "http" },
      );
    }
    return this.#snapshot(result.value);
  }

  version(call?: CallOptions): Promise<string | null> {
    this.#call(call);
    return Promise.resolve(this.model.version);
  }

  key(call?: CallOptions): Promise<KeyInfo | null> {
    this.#call(call);
    return Promise.resolve(this.#key);
  }

  self(call?: CallOptions): Promise<SelfInfo | null> {
    this.#call(call);
    return Promise.resolve(this.#self);
  }

  findGroups(text: string, call?: CallOptions): Promise<GroupSummary[]> {
    this.#call(call);
    const { items } = this.model.listGroups({ filterValue: text, count: Number.MAX_SAFE_INTEGER });
    return Promise.resolve(items.map((g) => ({ id: g.id, name: g.name })));
  }

  /** Every group at once: `expected` has no pages to read together here. */
  listGroups(call?: CallOptions, _expected?: number): Promise<GroupSummary[]> {
    return this.findGroups("", call);
  }

  groupCount(call?: CallOptions): Promise<number | null> {
    this.#call(call);
    return Promise.resolve(this.model.listGroups({ count: 1 }).total);
  }

  group(id: string, call?: CallOptions): Promise<GroupSnapshot> {
    this.#call(call);
    const view = this.model.group(id);
    return Promise.resolve(
      this.#answer(view === null ? { found: false, which: "group" } : { found: true, value: view }),
    );
  }

  disabledMembers(groupId: string, call?: CallOptions): Promise<MemberInfo[]> {
    this.#call(call);
    return Promise.resolve(
      this.model.people({ groupId, employeeStatus: UserStatus.Disabled }).map((u) => memberOf(u)),
    );
  }

  move(fromId: string, toId: string, call?: CallOptions): Promise<GroupSnapshot> {
    this.#call(call);
    return Promise.resolve(this.#answer(this.model.move(fromId, toId)));
  }

  addMembers(groupId: string, userIds: readonly string[], call?: CallOptions): Promise<GroupSnapshot> {
    this.#call(call);
    return Promise.resolve(this.#answer(this.model.addMembers(groupId, userIds)));
  }

  removeMembers(groupId: string, userIds: readonly string[], call?: CallOptions): Promise<GroupSnapshot> {
    this.#call(call);
    return Promise.resolve(this.#answer(this.model.removeMembers(groupId, userIds)));
  }

  setManager(groupId: string, userId: string, call?: CallOptions): Promise<GroupSnapshot> {
    this.#call(call);
    return Promise.resolve(this.#answer(this.model.setManager(groupId, userId)));
  }

  createGroup(name: string, managerId: string | null, call?: CallOptions): Promise<GroupSnapshot> {
    this.#call(call);
    return Promise.resolve(this.#answer(this.model.createGroup(this.#newId(), name, managerId)));
  }

  person(ref: PersonRef, call?: CallOptions): Promise<MemberInfo | null> {
    this.#call(call);
    const user =
      ref.kind === "id"
        ? this.model.user(ref.id)
        : this.model.users.find((u) => u.email.toLowerCase() === ref.email.toLowerCase());
    return Promise.resolve(
      user === undefined
        ? null
        : {
            id: user.id,
            displayName: user.displayName,
            status: user.status,
            isVisitor: user.isVisitor,
            email: user.email,
          },
    );
  }

  deleteGroup(groupId: string, call?: CallOptions): Promise<void> {
    this.#call(call);
    if (this.model.group(groupId)?.isSystem === true) return Promise.resolve();
    if (!this.model.removeGroup(groupId))
      return Promise.reject(
        new PortalError(PortalErrorKind.Failed, "The group could not be found", {
          httpStatus: 404,
          attempts: 1,
        }),
      );
    return Promise.resolve();
  }

  listRooms(call?: CallOptions): Promise<RoomSummary[]> {
    this.#call(call);
    return Promise.resolve(this.model.rooms().map((r) => ({ id: String(r.id), title: r.title })));
  }

  roomShares(roomId: string, call?: CallOptions): Promise<RoomShare[]> {
    this.#call(call);
    const shares = this.model.roomShares(Number(roomId));
    if (shares === null)
      return Promise.reject(
        new PortalError(PortalErrorKind.Failed, "Item not found", { httpStatus: 404, attempts: 1 }),
      );
    return Promise.resolve(
      shares.map((share) => ({
        subject: share.subject,
        id: share.id,
        name:
          (share.subject === "user"
            ? this.model.user(share.id)?.displayName
            : this.model.group(share.id)?.name) ?? share.id,
        access: share.access,
        isOwner: share.owner === true,
      })),
    );
  }

  counters(): PortalCounters {
    return { requests: this.#requests, retries: 0, rateLimited: 0 };
  }
}

const OWNER: SelfInfo = {
  id: "00000000-0000-4000-8000-000000000001",
  displayName: "Owner",
  isOwner: true,
  isAdmin: true,
  isRoomAdmin: false,
  isVisitor: false,
};
