import type { PersonRef } from "../portal/port.js";

/** The manifest as written in YAML, in the shape `schema/manifest.schema.json` accepts. */
export type RawGroupRef = string | { id: string } | { name: string; create?: boolean };

export interface RawMove {
  id?: string;
  from: RawGroupRef;
  to: RawGroupRef;
  note?: string;
  manager?: string;
  members?: string[] | { csv: string; column: string };
}

export interface RawPortal {
  url: string;
  apiKeyEnv?: string;
}

export interface RawSettings {
  concurrency?: number;
  rate?: number;
  retries?: number;
  timeout?: number;
  maxWait?: number;
  maxChanges?: number;
}

export interface RawManifest {
  version: 1;
  portal?: RawPortal;
  settings?: RawSettings;
  moves: RawMove[] | { csv: string };
}

/**
 * The keys of each object in the schema, as the TypeScript types declare them. The `satisfies`
 * clauses fail to compile when a type gains or loses a key that is not listed here, and
 * `test/unit/manifest/schema-drift.test.ts` fails when the JSON Schema disagrees with these lists.
 */
type Exhaustive<T, K extends readonly (keyof T)[]> = Exclude<keyof T, K[number]> extends never ? K : never;
type RequiredKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? never : K }[keyof T];

const manifestKeys = ["version", "portal", "settings", "moves"] as const;
const portalKeys = ["url", "apiKeyEnv"] as const;
const settingsKeys = ["concurrency", "rate", "retries", "timeout", "maxWait", "maxChanges"] as const;
const moveKeys = ["id", "from", "to", "note", "manager", "members"] as const;

export const MANIFEST_SHAPE = {
  manifest: {
    keys: manifestKeys satisfies Exhaustive<RawManifest, typeof manifestKeys>,
    required: ["version", "moves"] as const satisfies readonly RequiredKeys<RawManifest>[],
  },
  portal: {
    keys: portalKeys satisfies Exhaustive<RawPortal, typeof portalKeys>,
    required: ["url"] as const satisfies readonly RequiredKeys<RawPortal>[],
  },
  settings: {
    keys: settingsKeys satisfies Exhaustive<RawSettings, typeof settingsKeys>,
    required: [] as const satisfies readonly RequiredKeys<RawSettings>[],
  },
  move: {
    keys: moveKeys satisfies Exhaustive<RawMove, typeof moveKeys>,
    required: ["from", "to"] as const satisfies readonly RequiredKeys<RawMove>[],
  },
} as const;

/** A group reference after normalisation: ids are lower-case, names are exact. */
export type GroupRef =
  | { readonly kind: "id"; readonly id: string }
  /** `create`: the destination is created when no group has that exact name. */
  | { readonly kind: "name"; readonly name: string; readonly create?: true };

export interface MoveSpec {
  /** Explicit id, or `move-<n>` (1-based). */
  readonly id: string;
  /** 0-based position in the manifest; moves that share a group run in this order. */
  readonly index: number;
  readonly from: GroupRef;
  readonly to: GroupRef;
  readonly note: string | null;
  /** `manager:` the person to make the destination's manager after the move, by id or email. */
  readonly manager?: PersonRef;
  /** `members:` a partial move: only these people (each by id or email). */
  readonly members?: readonly PersonRef[];
  /** `members: {csv, column}` before the file is read (`loadManifest` reads it into `members`). */
  readonly membersFrom?: { readonly csv: string; readonly column: string };
}

export type { PersonRef };

/** A UUID, as DocSpace writes group and user ids (either case). */
export const isUuid = (text: string): boolean =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text);

/** A person as a manifest or a CSV cell may name them: a user id or an email address (the schema's `person`). */
export const isPerson = (text: string): boolean => isUuid(text) || /^[^@\s]+@[^@\s]+$/.test(text);

/** A user id (lower-cased) or an email address, from its text. */
export const personRef = (text: string): PersonRef =>
  isUuid(text) ? { kind: "id", id: text.toLowerCase() } : { kind: "email", email: text };

export const describePerson = (ref: PersonRef): string => (ref.kind === "id" ? ref.id : ref.email);

export type SettingName = (typeof settingsKeys)[number];
export type ManifestSettings = Partial<Record<SettingName, number>>;

export interface Manifest {
  /** The path as the user gave it; used in messages and the report. */
  readonly path: string;
  readonly sha256: string;
  readonly version: 1;
  /** Normalised portal URL (no trailing slash), or null when the manifest names none. */
  readonly portalUrl: string | null;
  readonly apiKeyEnv: string;
  readonly settings: ManifestSettings;
  readonly moves: readonly MoveSpec[];
  /** Line and column of a path in the file (found only when asked: it costs a second parse). */
  readonly locate?: (path: readonly (string | number)[]) => { line: number; column: number; file?: string };
}

export const Severity = { Error: "error", Warning: "warning" } as const;
export type Severity = (typeof Severity)[keyof typeof Severity];

/** One problem found in a manifest: where it is, and a sentence that says what to do. */
export interface Issue {
  readonly severity: Severity;
  readonly rule: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** Path in the manifest, e.g. `moves[2].to`; empty for the document itself. */
  readonly path: string;
  readonly message: string;
}

export const refKey = (ref: GroupRef): string => (ref.kind === "id" ? ref.id : `name:${ref.name}`);
export const describeRef = (ref: GroupRef): string => (ref.kind === "id" ? ref.id : JSON.stringify(ref.name));

/** The run settings when neither a flag nor the manifest's `settings` gives one. */
export const DEFAULT_SETTINGS = {
  concurrency: 4,
  rate: 1200,
  retries: 5,
  timeout: 30,
  maxWait: 300,
} as const;
