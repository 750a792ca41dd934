import type { ErrorObject, ValidateFunction } from "ajv";
import * as generated from "./schema-validators.js";
import type { PathSegment } from "./load.js";
import { quote } from "./redact.js";

/** A problem found by the schema stage, before positions are attached. */
export interface SchemaProblem {
  readonly rule: string;
  readonly path: readonly PathSegment[];
  readonly at: "key" | "value";
  readonly message: string;
}

/**
 * The schema's validators, generated at development time as plain functions (ajv standalone code,
 * `scripts/gen-validators.mjs`): nothing is compiled when the tool starts. `isValidShape` stops at the first
 * error and says quickly whether a manifest is valid, whatever its size. The verbose ones are only run on
 * a manifest that is invalid, in parts — the top level with its moves list unchecked, then each move — so
 * that error lists stay small: ajv gathers nested errors by concatenating lists, which is quadratic in the
 * number of errors when one call checks 50,000 invalid moves.
 */
const isValidShape = generated.isValidShape as ValidateFunction;
const isValidMove = generated.isValidMove as ValidateFunction;
const verbose = (): { top: ValidateFunction; move: ValidateFunction; moveIsValid: ValidateFunction } => {
  const { validateTopLevel, validateMove } = generated.verboseValidators() as {
    validateTopLevel: ValidateFunction;
    validateMove: ValidateFunction;
  };
  return { top: validateTopLevel, move: validateMove, moveIsValid: isValidMove };
};

/** Past this many schema errors, further invalid moves are only counted (each holds one problem at least). */
const DESCRIBED_ERRORS = 1000;

/**
 * The schema errors of a manifest known to be invalid, gathered move by move (linear in its size); once
 * plenty are in hand, the remaining moves are only checked for validity and the invalid ones counted.
 */
function schemaErrors(value: unknown): { errors: ErrorObject[]; invalidMovesUndescribed: number } {
  const errors: ErrorObject[] = [];
  let invalidMovesUndescribed = 0;
  const { top: validateTopLevel, move: validateMove, moveIsValid: isValidMove } = verbose();
  if (!validateTopLevel(value)) errors.push(...(validateTopLevel.errors ?? []));
  const moves = (value as { moves?: unknown } | null)?.moves;
  if (Array.isArray(moves)) {
    moves.forEach((move, i) => {
      if (errors.length >= DESCRIBED_ERRORS) {
        if (!isValidMove(move)) invalidMovesUndescribed++;
        return;
      }
      // The quick check first: the verbose one, which builds an error object at every turn, only on a
      // move that is invalid.
      if (isValidMove(move) || validateMove(move)) return;
      for (const e of validateMove.errors ?? [])
        errors.push({ ...e, instancePath: `/moves/${i}${e.instancePath}` });
    });
  }
  return { errors, invalidMovesUndescribed };
}

const UUID_EXAMPLE = "08e455dc-98c4-4390-b36f-54757080149c";
export const FORBIDDEN_SECRET_KEYS: ReadonlySet<string> = new Set([
  "apikey",
  "api_key",
  "api-key",
  "token",
  "apitoken",
  "secret",
]);

/** Stage one: the JSON Schema decides validity; this turns its verdict into sentences that say what to do. */
export function checkShape(value: unknown): { problems: SchemaProblem[]; uncounted: number } {
  // Every object in the schema allows only its own keys, none of them a secret's name (a test holds the
  // schema to that): a manifest of a valid shape has no key to look for.
  if (isValidShape(value)) return { problems: [], uncounted: 0 };
  const problems: SchemaProblem[] = [];
  const secretKeys = findSecretKeys(value);
  for (const path of secretKeys) {
    problems.push({
      rule: "api-key-in-manifest",
      path,
      at: "key",
      message:
        "an API key does not belong in the manifest; remove it and set DOCSPACE_API_KEY or DOCSPACE_API_KEY_FILE in the environment (portal.apiKeyEnv may name another variable)",
    });
  }

  const seen = new Set<string>();
  const groupRefsDone = new Set<string>();
  const { errors, invalidMovesUndescribed } = schemaErrors(value);
  let undescribed = invalidMovesUndescribed;
  for (const error of errors) {
    // Errors come in the order ajv met them, which is the file's: past plenty, they are only counted.
    if (problems.length >= DESCRIBED_ERRORS) {
      undescribed++;
      continue;
    }
    const path = pointerToPath(error.instancePath);
    const groupRef = groupRefPath(path);
    if (groupRef !== null) {
      const key = groupRef.join("/");
      if (!groupRefsDone.has(key)) {
        groupRefsDone.add(key);
        problems.push(...describeGroupRef(groupRef, valueAt(value, groupRef)));
      }
      continue;
    }
    const problem = describe(error, path);
    if (problem === null) continue;
    if (problem.rule === "unknown-key" && secretKeys.some((p) => p.join("/") === problem.path.join("/"))) {
      continue; // already reported with the clearer message above
    }
    const key = `${problem.rule}|${problem.path.join("/")}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return { problems, uncounted: undescribed };
}

function describe(error: ErrorObject, path: PathSegment[]): SchemaProblem | null {
  const parent = (error.parentSchema ?? {}) as {
    properties?: object;
    minimum?: number;
    maximum?: number;
    exclusiveMinimum?: number;
    maxLength?: number;
  };
  const where = path.length === 0 ? "the manifest" : undefined;
  switch (error.keyword) {
    case "additionalProperties": {
      const key = (error.params as { additionalProperty: string }).additionalProperty;
      const allowed = Object.keys(parent.properties ?? {}).join(", ");
      return {
        rule: "unknown-key",
        path: [...path, key],
        at: "key",
        message: `unknown key ${quote(key)}; the keys allowed here are: ${allowed}`,
      };
    }
    case "required": {
      const key = (error.params as { missingProperty: string }).missingProperty;
      const hint =
        key === "moves"
          ? "; list the moves under moves:"
          : key === "version"
            ? "; add version: 1"
            : key === "from" || key === "to"
              ? "; every move needs from and to"
              : "";
      return { rule: "missing-key", path, at: "value", message: `missing required key ${quote(key)}${hint}` };
    }
    case "type": {
      const type = (error.params as { type: string }).type;
      const message =
        where === undefined
          ? `must be ${article(type)}`
          : "the manifest must be a YAML mapping with version and moves (see migrations.example.yaml)";
      return { rule: "wrong-type", path, at: "value", message };
    }
    case "const":
      return {
        rule: "unsupported-version",
        path,
        at: "value",
        message: `version ${quote(error.data)} is not supported; this tool reads version: 1`,
      };
    case "minimum":
    case "maximum":
    case "exclusiveMinimum": {
      const { minimum, maximum, exclusiveMinimum } = parent;
      const low =
        minimum !== undefined
          ? `${minimum}`
          : exclusiveMinimum !== undefined
            ? `above ${exclusiveMinimum}`
            : null;
      const range =
        low !== null && maximum !== undefined
          ? minimum !== undefined
            ? `from ${minimum} to ${maximum}`
            : `${low} and at most ${maximum}`
          : low !== null
            ? `of at least ${low}`
            : `of at most ${String(maximum)}`;
      return {
        rule: "out-of-range",
        path,
        at: "value",
        message: `${quote(error.data)} is out of range; use a value ${range}`,
      };
    }
    case "pattern":
      if (path[path.length - 1] === "id") {
        return {
          rule: "bad-move-id",
          path,
          at: "value",
          message: `${quote(error.data)} is not a valid move id; use lowercase letters, digits, ".", "_" and "-", starting with a letter or digit`,
        };
      }
      if (path[path.length - 1] === "apiKeyEnv") {
        return {
          rule: "bad-env-name",
          path,
          at: "value",
          message: `${quote(error.data)} is not an environment variable name; use letters, digits and "_", e.g. DOCSPACE_API_KEY`,
        };
      }
      return { rule: "bad-value", path, at: "value", message: `${quote(error.data)} has the wrong form` };
    case "minItems":
      return {
        rule: "no-moves",
        path,
        at: "value",
        message: "the manifest lists no moves; add at least one",
      };
    case "minLength":
      return { rule: "empty-value", path, at: "value", message: "must not be empty" };
    case "maxLength":
      return {
        rule: "too-long",
        path,
        at: "value",
        message: `is too long; use at most ${String(parent.maxLength)} characters`,
      };
    default:
      return { rule: "schema", path, at: "value", message: error.message ?? "is not valid" };
  }
}

/** A group reference is `moves[i].from|to`; its errors come from a oneOf and read better as one sentence. */
function groupRefPath(path: PathSegment[]): PathSegment[] | null {
  if (path[0] === "moves" && typeof path[1] === "number" && (path[2] === "from" || path[2] === "to")) {
    return path.slice(0, 3);
  }
  return null;
}

function describeGroupRef(path: PathSegment[], value: unknown): SchemaProblem[] {
  const problem = (
    message: string,
    at: PathSegment[] = path,
    where: "key" | "value" = "value",
  ): SchemaProblem => ({
    rule: "bad-group-ref",
    path: at,
    at: where,
    message,
  });
  if (
    typeof value === "string" ||
    typeof value === "number" ||
    typeof value === "boolean" ||
    value === null
  ) {
    return [
      problem(
        `${quote(value)} is not a UUID or {name: ...}; write the group's id (like ${UUID_EXAMPLE}), {id: UUID} or {name: exact group name}`,
      ),
    ];
  }
  if (Array.isArray(value)) {
    return [
      problem("a list is not a group; write one group as a UUID, {id: UUID} or {name: exact group name}"),
    ];
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  if (keys.includes("id") && keys.includes("name")) {
    return [problem("give either id or name for a group, not both")];
  }
  const destination = path[2] === "to";
  if (keys.includes("create") && !destination) {
    return [
      problem(
        "create: true goes only with a destination (to); a source must exist",
        [...path, "create"],
        "key",
      ),
    ];
  }
  if (keys.includes("create") && typeof object.create !== "boolean") {
    return [problem("create is true or false", [...path, "create"])];
  }
  if (keys.includes("create") && !keys.includes("name")) {
    return [problem("create: true goes with {name: ...}: the group to create when no group has that name")];
  }
  const extra = keys.filter((k) => k !== "id" && k !== "name" && !(destination && k === "create"));
  if (extra.length > 0) {
    return extra.map((k) =>
      problem(
        `unknown key ${quote(k)} in a group reference; use {id: UUID} or {name: exact group name}`,
        [...path, k],
        "key",
      ),
    );
  }
  if ("id" in object) {
    return [
      problem(`${quote(object.id)} is not a UUID; a group id looks like ${UUID_EXAMPLE}`, [...path, "id"]),
    ];
  }
  if ("name" in object) {
    return [
      problem(
        "the group name must be a non-empty string of at most 128 characters, written exactly as in DocSpace",
        [...path, "name"],
      ),
    ];
  }
  return [problem("an empty mapping is not a group; write {id: UUID} or {name: exact group name}")];
}

function findSecretKeys(root: unknown): PathSegment[][] {
  // One shared path, copied only for a find: no array per node on a manifest of 100,000 moves.
  const found: PathSegment[][] = [];
  const path: PathSegment[] = [];
  const walk = (value: unknown): void => {
    if (value === null || typeof value !== "object") return;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        walk(value[i]);
        path.pop();
      }
      return;
    }
    for (const key in value) {
      path.push(key);
      if (FORBIDDEN_SECRET_KEYS.has(key.toLowerCase())) found.push([...path]);
      else walk((value as Record<string, unknown>)[key]);
      path.pop();
    }
  };
  walk(root);
  return found;
}

const pointerToPath = (pointer: string): PathSegment[] =>
  pointer === ""
    ? []
    : pointer
        .slice(1)
        .split("/")
        .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
        .map((s) => (/^\d+$/.test(s) ? Number(s) : s));

function valueAt(value: unknown, path: readonly PathSegment[]): unknown {
  let current = value;
  for (const segment of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

const article = (type: string): string =>
  ({
    object: "a mapping",
    array: "a list",
    string: "a string",
    integer: "a whole number",
    number: "a number",
  })[type] ?? `of type ${type}`;

/** `moves[2].to` from `["moves", 2, "to"]`. */
export const formatPath = (path: readonly PathSegment[]): string =>
  path.reduce<string>(
    (out, segment) =>
      typeof segment === "number" ? `${out}[${segment}]` : out === "" ? segment : `${out}.${segment}`,
    "",
  );
