import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { mayReadGroups, mayWriteGroups, PortalModel, type Lookup, type GroupView } from "../portal/model.js";
import { Role, type Seed } from "../portal/types.js";
import {
  ACCESS_DENIED,
  AUTHORIZING_TYPE,
  employeeDto,
  errorBody,
  groupDto,
  ITEM_NOT_FOUND_TYPE,
  NOT_FOUND_GROUP,
  NOT_FOUND_USER,
  success,
  validationBody,
  type KeyUser,
} from "./dto.js";
import { Faults, NO_FAULTS, type Fate, type FaultSettings } from "./faults.js";
import { DEFAULT_LIMITS, RateLimiter, type LimitSettings } from "./limits.js";

/**
 * The built-in DocSpace simulator: the portal model over node:http on 127.0.0.1, with
 * DocSpace's routes, envelopes, errors, API keys and scopes, rate limits and injectable faults.
 */
export interface SandboxOptions {
  readonly seed: Seed;
  /** DocSpace server version; before 3.7.1 the move only copies. */
  readonly version?: string;
  readonly port?: number;
  /** The key with every scope, acting as the owner; generated when absent. */
  readonly apiKey?: string;
  readonly limits?: Partial<LimitSettings>;
  readonly faults?: Partial<FaultSettings>;
  /** Milliseconds since the epoch, for the rate windows. */
  readonly now?: () => number;
  /** Keep a log of requests (off for load tests). */
  readonly logRequests?: boolean;
}

export interface LoggedRequest {
  readonly seq: number;
  readonly method: string;
  readonly path: string;
  readonly query: string;
  /** The status sent, or what happened instead. */
  readonly outcome: number | "reset" | "hang";
  readonly fault: string | null;
  /** The body sent by the client, when it was JSON. */
  readonly body: unknown;
  /** When it came in: milliseconds since the epoch. */
  readonly at: number;
}

export interface Sandbox {
  readonly url: string;
  readonly port: number;
  readonly apiKey: string;
  readonly model: PortalModel;
  readonly faults: Faults;
  readonly requests: readonly LoggedRequest[];
  /** TCP connections accepted so far: a client that keeps them alive opens few. */
  readonly connections: number;
  clearLog(): void;
  /** Hold every admitted request before it is handled, until resume(). */
  pause(): void;
  resume(): void;
  /** Admitted requests not yet answered, for the owner's key. */
  inFlight(): { gets: number; writes: number };
  /** Answers one request in this process, as the server would. */
  respond(req: SandboxRequest): Promise<SandboxOutcome>;
  close(): Promise<void>;
}

export { DEFAULT_DOCSPACE_VERSION } from "../portal/version.js";
import { DEFAULT_DOCSPACE_VERSION } from "../portal/version.js";
export const API_KEY_PATTERN = /^sk-[0-9a-f]{64}$/;
export const generateApiKey = (): string => `sk-${randomBytes(32).toString("hex")}`;

interface KeyRecord {
  readonly id: string;
  readonly key: string;
  /** Claims: `*:write` for full keys, else the permission strings. */
  readonly claims: ReadonlySet<string>;
  readonly permissions: readonly string[];
  readonly role: Role;
  readonly user: KeyUser;
  readonly expiresAt: string | null;
}

const ROLE_NAMES: Record<Role, string> = {
  owner: "Owner",
  admin: "Admin",
  roomAdmin: "Room Admin",
  user: "User",
  guest: "Guest",
};

const GUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
const GUID_RE = new RegExp(`^${GUID}$`);
const MAX_BODY = 1024 * 1024;

type RouteName =
  | "version"
  | "keys-self"
  | "people-self"
  | "people-filter"
  | "people-get"
  | "people-email"
  | "group-by-user"
  | "group-list"
  | "group-get"
  | "group-move"
  | "group-members"
  | "group-manager"
  | "group-update"
  | "group-create"
  | "group-delete"
  | "rooms-list"
  | "room-share";

const ROUTES: { method: string | null; pattern: RegExp; name: RouteName }[] = [
  { method: "GET", pattern: /^\/api\/2\.0\/settings\/version\/build$/, name: "version" },
  { method: "GET", pattern: /^\/api\/2\.0\/keys\/@self$/, name: "keys-self" },
  { method: "GET", pattern: /^\/api\/2\.0\/people\/@self$/, name: "people-self" },
  // The lighter /people/simple/filter takes the same parameters.
  { method: "GET", pattern: /^\/api\/2\.0\/people\/(?:simple\/)?filter$/, name: "people-filter" },
  { method: "GET", pattern: /^\/api\/2\.0\/people\/email$/, name: "people-email" },
  { method: "GET", pattern: new RegExp(`^/api/2\\.0/people/(${GUID})$`), name: "people-get" },
  { method: "GET", pattern: new RegExp(`^/api/2\\.0/group/user/(${GUID})$`), name: "group-by-user" },
  { method: "GET", pattern: /^\/api\/2\.0\/group$/, name: "group-list" },
  { method: "POST", pattern: /^\/api\/2\.0\/group$/, name: "group-create" },
  { method: "GET", pattern: new RegExp(`^/api/2\\.0/group/(${GUID})$`), name: "group-get" },
  {
    method: "PUT",
    pattern: new RegExp(`^/api/2\\.0/group/(${GUID})/members/(${GUID})$`),
    name: "group-move",
  },
  { method: null, pattern: new RegExp(`^/api/2\\.0/group/(${GUID})/members$`), name: "group-members" },
  { method: "PUT", pattern: new RegExp(`^/api/2\\.0/group/(${GUID})/manager$`), name: "group-manager" },
  { method: "PUT", pattern: new RegExp(`^/api/2\\.0/group/(${GUID})$`), name: "group-update" },
  { method: "DELETE", pattern: new RegExp(`^/api/2\\.0/group/(${GUID})$`), name: "group-delete" },
  { method: "GET", pattern: /^\/api\/2\.0\/files\/rooms$/, name: "rooms-list" },
  { method: "GET", pattern: /^\/api\/2\.0\/files\/rooms\/(\d+)\/share$/, name: "room-share" },
];

/** Scopes that satisfy each route; null: any valid key; "anonymous": none needed. */
function requiredScopes(route: RouteName, method: string): readonly string[] | null | "anonymous" {
  switch (route) {
    case "version":
      return "anonymous";
    case "keys-self":
      return null;
    case "people-self":
      return ["accounts.self:read", "accounts.self:write", "*:read", "*:write"];
    case "people-filter":
    case "people-get":
    case "people-email":
      return ["*:read", "*:write", "accounts:read", "accounts:write"];
    case "rooms-list":
    case "room-share":
      return ["*:read", "*:write", "files:read", "files:write", "rooms:read", "rooms:write"];
    default:
      return method === "GET" ? ["*:read", "*:write", "accounts:read"] : ["*:write", "accounts:write"];
  }
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A request as the sandbox needs it, from a socket or from the in-process fetch. */
export interface SandboxRequest {
  readonly method: string;
  /** Path and query. */
  readonly url: string;
  readonly authorization: string | undefined;
  /** The parsed JSON body (undefined when empty or not JSON); rejects when it cannot be read. */
  readonly body: Promise<unknown>;
  /** Over a socket: the concurrency slot is released when the connection's answer ends. */
  readonly onAdmitted?: (release: () => void) => void;
}

export type SandboxOutcome =
  | {
      readonly kind: "reply";
      readonly status: number;
      readonly headers: Record<string, string>;
      readonly text: string;
    }
  | { readonly kind: "reset" }
  | { readonly kind: "hang" }
  | { readonly kind: "flood" };

class HttpSandbox implements Sandbox {
  readonly model: PortalModel;
  readonly faults: Faults;
  readonly apiKey: string;
  requests: LoggedRequest[] = [];
  connections = 0;
  url = "";
  port = 0;
  readonly #server: Server;
  readonly #limiter: RateLimiter;
  readonly #keys = new Map<string, KeyRecord>();
  readonly #ownerPartition: string;
  readonly #logRequests: boolean;
  readonly #now: () => number;
  #seq = 0;
  #gate: { promise: Promise<void>; open: () => void } | null = null;

  constructor(options: SandboxOptions) {
    this.model = new PortalModel(options.seed, { version: options.version ?? DEFAULT_DOCSPACE_VERSION });
    this.faults = new Faults({ ...NO_FAULTS, ...options.faults });
    this.#now = options.now ?? Date.now;
    this.#limiter = new RateLimiter({ ...DEFAULT_LIMITS, ...options.limits }, this.#now);
    this.#logRequests = options.logRequests ?? true;
    this.apiKey = options.apiKey ?? generateApiKey();
    const owner = this.#addKey(this.apiKey, [], Role.Owner, null, 0);
    this.#ownerPartition = owner.user.id;
    (options.seed.apiKeys ?? []).forEach((k, i) => {
      this.#addKey(k.key, k.scopes, k.role ?? Role.Admin, k.expiresAt ?? null, i + 1);
    });
    this.#server = createServer((req, res) => {
      void this.#handle(req, res);
    });
    this.#server.keepAliveTimeout = 5000;
    this.#server.on("connection", () => {
      this.connections++;
    });
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(port, "127.0.0.1", () => {
        this.#server.off("error", reject);
        resolve();
      });
    });
    this.port = (this.#server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}`;
  }

  clearLog(): void {
    this.requests = [];
  }

  pause(): void {
    if (this.#gate !== null) return;
    let open = (): void => undefined;
    const promise = new Promise<void>((resolve) => (open = resolve));
    this.#gate = { promise, open };
  }

  resume(): void {
    this.#gate?.open();
    this.#gate = null;
  }

  inFlight(): { gets: number; writes: number } {
    return this.#limiter.inFlight(this.#ownerPartition);
  }

  async close(): Promise<void> {
    this.resume();
    const closed = new Promise<void>((resolve) =>
      this.#server.close(() => {
        resolve();
      }),
    );
    this.#server.closeAllConnections();
    await closed;
  }

  #addKey(
    key: string,
    scopes: readonly string[],
    role: Role,
    expiresAt: string | null,
    n: number,
  ): KeyRecord {
    if (!API_KEY_PATTERN.test(key))
      throw new Error("an API key must be sk- followed by 64 lowercase hex digits");
    const full = scopes.length === 0 || scopes.includes("*");
    const record: KeyRecord = {
      id: `5a4d0000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`,
      key,
      claims: new Set(full ? ["*:write"] : scopes),
      permissions: full ? [] : [...scopes],
      role,
      expiresAt,
      user: {
        id: `0e0e0000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`,
        displayName: `Sandbox ${ROLE_NAMES[role]}`,
        email: `${role.toLowerCase()}${n}@sandbox.invalid`,
        isOwner: role === Role.Owner,
        isAdmin: role === Role.Owner || role === Role.Admin,
        isRoomAdmin: role === Role.RoomAdmin,
        isVisitor: role === Role.Guest,
        isCollaborator: role === Role.User,
      },
    };
    this.#keys.set(key, record);
    return record;
  }

  #authenticate(authorization: string | undefined): KeyRecord | null {
    if (authorization?.startsWith("Bearer ") !== true) return null;
    const record = this.#keys.get(authorization.slice("Bearer ".length).trim());
    if (record === undefined) return null;
    if (record.expiresAt !== null && Date.parse(record.expiresAt) <= this.#now()) return null;
    return record;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let outcome: SandboxOutcome;
    try {
      outcome = await this.respond({
        method: req.method ?? "GET",
        url: req.url ?? "/",
        authorization: req.headers.authorization,
        body: readBody(req),
        onAdmitted: (release) => {
          res.on("close", release);
        },
      });
    } catch {
      // No request may stop the sandbox: whatever went wrong in handling it is answered as a 500.
      outcome = { kind: "reply", status: 500, headers: { "Content-Length": "0" }, text: "" };
    }
    if (res.headersSent || res.destroyed) return;
    if (outcome.kind === "reset") {
      res.socket?.destroy();
      return;
    }
    if (outcome.kind === "hang") return; // never answered; the connection closes when the client gives up
    if (outcome.kind === "flood") {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write('{"response":"');
      const chunk = Buffer.alloc(1024 * 1024, "x");
      const more = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once("drain", more);
      };
      more();
      return;
    }
    res.writeHead(outcome.status, outcome.headers);
    res.end(outcome.text);
  }

  /**
   * One request, from admission to answer: the rate limits, routing, keys and scopes, the faults, the
   * pause gate and the request log. The server over node:http and the in-process fetch both use it.
   */
  async respond(req: SandboxRequest): Promise<SandboxOutcome> {
    const seq = ++this.#seq;
    const at = Date.now();
    const started = process.hrtime.bigint();
    const method = req.method;
    // Parsed as a path on this host: "//x:99999" or "//[" are paths here, not hosts.
    const url = new URL(`http://127.0.0.1${req.url.startsWith("/") ? "" : "/"}${req.url}`);
    const link = { href: `${this.url}${req.url}`, action: method };
    const key = this.#authenticate(req.authorization);
    let body: unknown = undefined;
    const log = (outcome: LoggedRequest["outcome"], fault: string | null): void => {
      if (this.#logRequests) {
        this.requests.push({
          seq,
          method,
          path: url.pathname,
          query: url.search,
          outcome,
          fault,
          body,
          at,
        });
      }
    };
    const send = (reply: Reply, fault: string | null = null): SandboxOutcome => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const headers: Record<string, string> = {
        "Server-Timing": `aspnetcore-request-time;dur=${ms.toFixed(0)}ms`,
        ...reply.headers,
      };
      let text = "";
      if (reply.body !== undefined) {
        text = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
        headers["Content-Type"] ??= "application/json; charset=utf-8";
      }
      headers["Content-Length"] = String(Buffer.byteLength(text));
      log(reply.status, fault);
      return { kind: "reply", status: reply.status, headers, text };
    };

    // The rate limiter runs before routing and authorization.
    const admission = this.#limiter.admit(key?.user.id ?? "anonymous", method);
    if (!admission.admitted) {
      const headers: Record<string, string> = {
        "Retry-After": String(admission.retryAfterSeconds),
        "X-RateLimit-Limit": String(admission.limit),
        "X-RateLimit-Remaining": "0",
      };
      if (admission.reset !== undefined) headers["X-RateLimit-Reset"] = String(admission.reset);
      req.body.catch(() => undefined);
      return send({ status: 429, headers }, admission.which);
    }
    if (req.onAdmitted === undefined) {
      try {
        return await this.#admitted(req, { seq, method, url, link, key, log, send }, (b) => (body = b));
      } finally {
        admission.release();
      }
    }
    req.onAdmitted(admission.release);
    return this.#admitted(req, { seq, method, url, link, key, log, send }, (b) => (body = b));
  }

  async #admitted(
    req: SandboxRequest,
    ctx: {
      seq: number;
      method: string;
      url: URL;
      link: { href: string; action: string };
      key: KeyRecord | null;
      log: (outcome: LoggedRequest["outcome"], fault: string | null) => void;
      send: (reply: Reply, fault?: string | null) => SandboxOutcome;
    },
    keepBody: (body: unknown) => void,
  ): Promise<SandboxOutcome> {
    const { seq, method, url, link, key, log, send } = ctx;
    let body: unknown;
    try {
      body = await req.body;
      keepBody(body);
    } catch {
      return send({ status: 400 });
    }
    const matched = matchRoute(method, url.pathname);
    if (matched === null) return send({ status: 404 });
    const scopes = requiredScopes(matched.name, method);
    if (scopes !== "anonymous") {
      if (key === null) return send({ status: 401 });
      if (scopes !== null && !scopes.some((sc) => key.claims.has(sc))) return send({ status: 403 });
    }

    const { fate, latencyMs } = this.faults.decide({ seq, method, path: url.pathname, query: url.search });
    if (latencyMs > 0) await sleep(latencyMs);
    if (this.#gate !== null) await this.#gate.promise;
    if (fate?.kind === "delay") await sleep(fate.ms);
    if (fate?.kind === "hang") {
      log("hang", "hang");
      return { kind: "hang" };
    }
    const faultBefore = fate !== null && fate.kind !== "delay" && !("after" in fate && fate.after);
    if (faultBefore) return this.#fault(fate, send, log);
    const reply = this.#route(matched, method, url.searchParams, body, key, link);
    if (fate !== null && fate.kind !== "delay") return this.#fault(fate, send, log);
    return send(reply);
  }

  #fault(
    fate: Fate,
    send: (reply: Reply, fault: string) => SandboxOutcome,
    log: (o: "reset" | 200, f: string) => void,
  ): SandboxOutcome {
    switch (fate.kind) {
      case "reset":
        log("reset", "reset");
        return { kind: "reset" };
      case "envelope-error":
        return send(
          {
            status: 200,
            body: errorBody(fate.statusCode ?? 500, "Internal server error", "System.Exception"),
          },
          "envelope-error",
        );
      case "status": {
        const headers: Record<string, string> =
          fate.retryAfter === undefined ? {} : { "Retry-After": fate.retryAfter };
        if (fate.status === 429) {
          return send(
            {
              status: 429,
              headers: { "X-RateLimit-Limit": "1500", "X-RateLimit-Remaining": "0", ...headers },
            },
            "status",
          );
        }
        if (fate.status === 500) {
          return send(
            { status: 500, headers, body: errorBody(500, "Internal server error", "System.Exception") },
            "status",
          );
        }
        // Gateways in front of DocSpace answer with a short HTML page, not the API's JSON.
        const text = `<html><body><h1>${fate.status}</h1></body></html>`;
        return send(
          { status: fate.status, headers: { "Content-Type": "text/html", ...headers }, body: text },
          "status",
        );
      }
      case "body":
        return send({ status: fate.status, body: fate.text }, "body");
      case "flood":
        log(200, "flood");
        return { kind: "flood" };
      default:
        return send({ status: 500 }, fate.kind);
    }
  }

  #route(
    matched: { name: RouteName; params: string[] },
    method: string,
    query: URLSearchParams,
    body: unknown,
    key: KeyRecord | null,
    link: { href: string; action: string },
  ): Reply {
    const model = this.model;
    const users = (id: string) => model.user(id);
    const role = key?.role ?? Role.Guest;
    const denied: Reply = {
      status: 403,
      body: errorBody(
        403,
        ACCESS_DENIED,
        AUTHORIZING_TYPE,
        "ASC.Core.Security.PermissionContext.DemandPermissionsAsync()",
      ),
    };
    const groupReply = (result: Lookup<GroupView>, includeMembers = true): Reply => {
      if (!result.found) {
        const message = result.which === "group" ? NOT_FOUND_GROUP : NOT_FOUND_USER;
        return {
          status: 404,
          body: errorBody(
            404,
            message,
            ITEM_NOT_FOUND_TYPE,
            "ASC.People.Api.GroupController.GetGroupInfoAsync(Guid id)",
          ),
        };
      }
      return { status: 200, body: success(groupDto(result.value, users, includeMembers), link) };
    };
    const [first = "", second = ""] = matched.params;

    switch (matched.name) {
      case "version":
        return { status: 200, body: success({ docSpace: model.version, documentServer: "9.0.3.1" }, link) };
      case "keys-self": {
        if (key === null) return { status: 401 };
        const dto: Record<string, unknown> = {
          id: key.id,
          name: `sandbox ${key.role} key`,
          key: `sk-***${key.key.slice(-4)}`,
          keyPostfix: key.key.slice(-4),
          permissions: key.permissions,
          createOn: "2026-01-01T00:00:00.0000000+00:00",
          createBy: employeeDto(key.user),
          isActive: true,
        };
        if (key.expiresAt !== null) dto.expiresAt = key.expiresAt;
        return { status: 200, body: success(dto, link) };
      }
      case "people-self":
        return key === null ? { status: 401 } : { status: 200, body: success(employeeDto(key.user), link) };
      case "people-get":
      case "people-email": {
        // A profile by id or by email (`?email=`); deleted and unknown people are not found.
        const email = query.get("email")?.toLowerCase();
        const user =
          matched.name === "people-get"
            ? model.user(first)
            : model.users.find((u) => email !== undefined && u.email.toLowerCase() === email);
        if (user === undefined)
          return {
            status: 404,
            body: errorBody(
              404,
              NOT_FOUND_USER,
              ITEM_NOT_FOUND_TYPE,
              "ASC.People.Api.UserController.GetById",
            ),
          };
        return { status: 200, body: success(employeeDto(user), link) };
      }
      case "people-filter": {
        if (role === Role.User || role === Role.Guest) return denied;
        const errors = queryErrors(query, {
          guid: ["groupId"],
          int: ["employeeStatus", "startIndex"],
          count: true,
        });
        if (errors !== null) return { status: 400, body: validationBody(errors, link) };
        const groupId = query.get("groupId") ?? undefined;
        const status = query.get("employeeStatus");
        const people = model.people({
          ...(groupId === undefined ? {} : { groupId }),
          ...(status === null ? {} : { employeeStatus: Number(status) }),
        });
        const start = Number(query.get("startIndex") ?? 0);
        const page = people.slice(start, start + Number(query.get("count") ?? 100));
        return { status: 200, body: success(page.map(employeeDto), link, people.length) };
      }
      case "group-by-user": {
        // GroupSummaryDto[]: no paging, and an unknown user gives [] rather than 404.
        if (!mayReadGroups(role)) return denied;
        const summaries = model
          .listGroups({ userId: first, count: Number.MAX_SAFE_INTEGER })
          .items.map((gr) => {
            const manager = gr.managerId === null ? undefined : model.user(gr.managerId);
            return {
              id: gr.id,
              name: gr.name,
              ...(manager === undefined ? {} : { manager: manager.email.split("@")[0] ?? "" }),
            };
          });
        return { status: 200, body: success(summaries, link) };
      }
      case "group-list": {
        if (!mayReadGroups(role)) return denied;
        const errors = queryErrors(query, { guid: ["userId"], int: ["startIndex"], count: true });
        if (errors !== null) return { status: 400, body: validationBody(errors, link) };
        const order = query.get("sortOrder")?.toLowerCase();
        const userId = query.get("userId");
        const { items, total } = model.listGroups({
          filterValue: query.get("filterValue") ?? "",
          startIndex: Number(query.get("startIndex") ?? 0),
          count: Number(query.get("count") ?? 100),
          sortBy: query.get("sortBy") ?? "title",
          descending: order === "1" || order === "descending",
          ...(userId === null ? {} : { userId }),
          manager: query.get("manager")?.toLowerCase() === "true",
        });
        return {
          status: 200,
          body: success(
            items.map((gr) => groupDto(gr, users, false)),
            link,
            total,
          ),
        };
      }
      case "group-get": {
        if (!mayReadGroups(role)) return denied;
        const group = model.group(first);
        const includeMembers = query.get("includeMembers")?.toLowerCase() !== "false";
        return groupReply(
          group === null ? { found: false, which: "group" } : { found: true, value: group },
          includeMembers,
        );
      }
      case "group-move":
        // Permission is demanded before either group is looked up.
        return mayWriteGroups(role) ? groupReply(model.move(first, second)) : denied;
      case "group-members": {
        if (!mayWriteGroups(role)) return denied;
        const members = memberList(body);
        if (members === null) {
          return {
            status: 400,
            body: validationBody(
              { members: ["The JSON value could not be converted to System.Guid[]."] },
              link,
            ),
          };
        }
        if (method === "PUT") return groupReply(model.addMembers(first, members));
        if (method === "DELETE") return groupReply(model.removeMembers(first, members));
        if (method === "POST") return groupReply(model.setMembers(first, members));
        return { status: 405 };
      }
      case "group-manager": {
        if (!mayWriteGroups(role)) return denied;
        const userId = (body as { userId?: unknown } | undefined)?.userId;
        if (typeof userId !== "string" || !GUID_RE.test(userId)) {
          return {
            status: 400,
            body: errorBody(
              400,
              "Value cannot be null. (Parameter 'userId')",
              "System.ArgumentNullException",
            ),
          };
        }
        return groupReply(model.setManager(first, userId));
      }
      case "group-create": {
        if (!mayWriteGroups(role)) return denied;
        const { groupName, groupManager } = (body ?? {}) as { groupName?: unknown; groupManager?: unknown };
        if (typeof groupName !== "string" || groupName.length === 0 || groupName.length > 128) {
          return {
            status: 400,
            body: validationBody({ GroupName: ["The GroupName field is required."] }, link),
          };
        }
        if (groupManager !== undefined && (typeof groupManager !== "string" || !GUID_RE.test(groupManager))) {
          return {
            status: 400,
            body: validationBody(
              { groupManager: ["The JSON value could not be converted to System.Guid."] },
              link,
            ),
          };
        }
        const created = model.createGroup(randomUUID(), groupName, groupManager ?? null);
        if (!created.found) {
          return {
            status: 400,
            body: errorBody(400, "The user could not be found", "System.ArgumentException"),
          };
        }
        return groupReply(created);
      }
      case "group-delete": {
        // §10.7: 204 and no body; a system group answers 204 and is kept.
        if (!mayWriteGroups(role)) return denied;
        if (model.group(first)?.isSystem === true) return { status: 204 };
        return model.removeGroup(first) ? { status: 204 } : groupReply({ found: false, which: "group" });
      }
      case "rooms-list": {
        // FolderContentDto: the rooms in `folders`; an admin sees every room, the sandbox's other keys none.
        const errors = queryErrors(query, { guid: [], int: ["startIndex"], count: true });
        if (errors !== null) return { status: 400, body: validationBody(errors, link) };
        const rooms = mayWriteGroups(role) ? model.rooms() : [];
        const start = Number(query.get("startIndex") ?? 0);
        const count = Number(query.get("count") ?? 100);
        const page = rooms.slice(start, start + count);
        return {
          status: 200,
          body: success(
            {
              files: [],
              folders: page.map((room) => roomDto(room.id, room.title)),
              current: { id: 1, title: "Rooms", rootFolderType: 14 },
              pathParts: [{ id: 1, title: "Rooms" }],
              startIndex: start,
              count: page.length,
              total: rooms.length,
            },
            link,
          ),
        };
      }
      case "room-share": {
        // §10.8: the people and groups a room is shared with; links are not modelled.
        const errors = queryErrors(query, { guid: [], int: ["startIndex", "filterType"], count: true });
        if (errors !== null) return { status: 400, body: validationBody(errors, link) };
        const shares = model.roomShares(Number(first));
        if (shares === null)
          return {
            status: 404,
            body: errorBody(
              404,
              "Item not found",
              ITEM_NOT_FOUND_TYPE,
              "ASC.Files.Core.Security.FileSecurity",
            ),
          };
        if (!mayWriteGroups(role)) return denied;
        const filter = Number(query.get("filterType") ?? 0);
        const rows = shares.filter(
          (share) =>
            filter === 0 ||
            (filter === 16 ? share.subject === "user" : filter === 32 && share.subject === "group"),
        );
        const start = Number(query.get("startIndex") ?? 0);
        const page = rows.slice(start, start + Number(query.get("count") ?? 100));
        return {
          status: 200,
          body: success(
            page.flatMap((share) => {
              const sharedTo = share.subject === "user" ? model.user(share.id) : model.group(share.id);
              if (sharedTo === undefined || sharedTo === null) return [];
              return [
                {
                  access: share.access,
                  sharedTo:
                    "email" in sharedTo
                      ? employeeDto(sharedTo)
                      : { id: sharedTo.id, name: sharedTo.name, isLDAP: false },
                  isLocked: share.owner === true,
                  isOwner: share.owner === true,
                  canEditAccess: false,
                  subjectType: share.subject === "user" ? 0 : 2,
                },
              ];
            }),
            link,
            rows.length,
          ),
        };
      }
      case "group-update": {
        if (!mayWriteGroups(role)) return denied;
        const change = updateOf(body);
        if (typeof change === "string")
          return {
            status: 400,
            body: validationBody({ [change]: [`The JSON value could not be converted.`] }, link),
          };
        return groupReply(model.updateGroup(first, change));
      }
    }
  }
}

/** A room as the rooms list shows it (`FolderDto` of a custom room), trimmed to what is read. */
const roomDto = (id: number, title: string): Record<string, unknown> => ({
  id,
  title,
  roomType: 5,
  rootFolderType: 14,
  parentId: 1,
  filesCount: 0,
  foldersCount: 0,
  isFolder: true,
});

function matchRoute(method: string, path: string): { name: RouteName; params: string[] } | null {
  for (const route of ROUTES) {
    const match = route.pattern.exec(path);
    if (match === null) continue;
    if (route.method !== null && route.method !== method) continue;
    if (route.method === null && !["PUT", "POST", "DELETE"].includes(method)) continue;
    return { name: route.name, params: match.slice(1).map((p) => p.toLowerCase()) };
  }
  return null;
}

/** `PUT /group/{id}`'s body, or the name of the first field of the wrong type (a 400, as ASP.NET's binder). */
function updateOf(
  body: unknown,
):
  | { groupName?: string; membersToAdd?: string[]; membersToRemove?: string[]; groupManager?: string }
  | string {
  if (body === undefined || body === null) return {};
  if (typeof body !== "object" || Array.isArray(body)) return "body";
  const b = body as Record<string, unknown>;
  const guids = (v: unknown): v is string[] =>
    Array.isArray(v) && v.every((x) => typeof x === "string" && GUID_RE.test(x));
  if (b.groupName !== undefined && b.groupName !== null && typeof b.groupName !== "string")
    return "groupName";
  if (b.membersToAdd !== undefined && b.membersToAdd !== null && !guids(b.membersToAdd))
    return "membersToAdd";
  if (b.membersToRemove !== undefined && b.membersToRemove !== null && !guids(b.membersToRemove))
    return "membersToRemove";
  if (
    b.groupManager !== undefined &&
    b.groupManager !== null &&
    (typeof b.groupManager !== "string" || !GUID_RE.test(b.groupManager))
  )
    return "groupManager";
  return {
    ...(typeof b.groupName === "string" ? { groupName: b.groupName } : {}),
    ...(guids(b.membersToAdd) ? { membersToAdd: b.membersToAdd } : {}),
    ...(guids(b.membersToRemove) ? { membersToRemove: b.membersToRemove } : {}),
    ...(typeof b.groupManager === "string" ? { groupManager: b.groupManager } : {}),
  };
}

/** `{members: [guid, …]}`; null when any entry is not a GUID (the whole request is refused). */
function memberList(body: unknown): string[] | null {
  const members = (body as { members?: unknown } | undefined)?.members;
  if (members === undefined || members === null) return [];
  if (!Array.isArray(members)) return null;
  return members.every((m): m is string => typeof m === "string" && GUID_RE.test(m)) ? members : null;
}

function queryErrors(
  query: URLSearchParams,
  rules: { guid: string[]; int: string[]; count: boolean },
): Record<string, string[]> | null {
  const errors: Record<string, string[]> = {};
  for (const name of rules.guid) {
    const value = query.get(name);
    if (value !== null && !GUID_RE.test(value)) errors[name] = [`The value '${value}' is not valid.`];
  }
  for (const name of [...rules.int, ...(rules.count ? ["count"] : [])]) {
    const value = query.get(name);
    if (value !== null && !/^-?\d+$/.test(value)) errors[name] = [`The value '${value}' is not valid.`];
  }
  const count = query.get("count");
  if (rules.count && count !== null && /^-?\d+$/.test(count) && (Number(count) < 1 || Number(count) > 100)) {
    errors.count = ["The field Count must be between 1 and 100."];
  }
  return Object.keys(errors).length === 0 ? null : errors;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error("body too large");
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    return undefined;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A sandbox that answers only in this process (`respond`, the in-process fetch): no socket. */
export function createSandbox(options: SandboxOptions): Sandbox {
  const sandbox = new HttpSandbox(options);
  sandbox.url = "http://127.0.0.1";
  return sandbox;
}

/** Starts a sandbox on 127.0.0.1 (port 0: a free one). */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const sandbox = new HttpSandbox(options);
  await sandbox.listen(options.port ?? 0);
  return sandbox;
}
