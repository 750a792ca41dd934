import {
  parseYaml,
  readManifestFile,
  type ParsedYaml,
  type ParseProblem,
  type PathSegment,
  type Position,
} from "./load.js";
import { escapeControls, redactSecrets } from "../text.js";
import { KEY_VARIABLES, resolvePortalUrl } from "./portal-url.js";
import { RULES } from "./rules.js";
import {
  personRef,
  Severity,
  type GroupRef,
  type Issue,
  type Manifest,
  type ManifestSettings,
  type MoveSpec,
  type RawGroupRef,
  type RawManifest,
} from "./types.js";
import { checkShape, formatPath } from "./validate.js";

export const DEFAULT_API_KEY_ENV = "DOCSPACE_API_KEY";

export interface CheckResult {
  /** The normalised manifest, or null when any error was found. */
  readonly manifest: Manifest | null;
  /** Every error and warning, in file order. */
  readonly issues: readonly Issue[];
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Reads and checks a manifest file: every problem at once, nothing sent anywhere. */
export async function loadManifest(file: string, env: Env): Promise<CheckResult> {
  const read = await readManifestFile(file);
  if (!read.ok) return { manifest: null, issues: [toIssue(file, read.problem, Severity.Error)] };
  const { parsed, problems } = parseYaml(read.text, read.sha256);
  if (parsed === null)
    return { manifest: null, issues: problems.map((p) => toIssue(file, p, Severity.Error)) };
  // `moves: {csv: …}`: every move from a CSV beside the manifest, checked as if written in it.
  const movesCsv = csvMovesOf(parsed.value);
  let source = parsed;
  if (movesCsv !== null) {
    const { readMovesCsv } = await import("./csv-moves.js");
    const read = await readMovesCsv(file, movesCsv);
    if (!read.ok) return { manifest: null, issues: read.issues };
    source = {
      ...parsed,
      value: { ...(parsed.value as object), moves: read.rows },
      locate: (path, at) =>
        path[0] === "moves" && typeof path[1] === "number" ? read.locate(path) : parsed.locate(path, at),
    };
  }
  const checked = checkParsed(file, source, env);
  if (checked.manifest === null || !checked.manifest.moves.some((m) => m.membersFrom !== undefined))
    return checked;
  // `members: {csv, column}`: the files beside the manifest, read now, their problems at file.csv:line.
  const { readMembersCsv } = await import("./csv-members.js");
  const issues = [...checked.issues];
  const moves: MoveSpec[] = [];
  for (const move of checked.manifest.moves) {
    if (move.membersFrom === undefined) {
      moves.push(move);
      continue;
    }
    const members = await readMembersCsv(file, move.membersFrom, `moves[${move.index}].members`);
    issues.push(...members.issues);
    moves.push({ ...move, members: members.people });
  }
  if (issues.some((i) => i.severity === Severity.Error)) return { manifest: null, issues };
  return { manifest: { ...checked.manifest, moves }, issues };
}

/** The CSV a manifest reads its moves from (`moves: {csv: file}`), or null. */
function csvMovesOf(value: unknown): string | null {
  const moves = (value as { moves?: unknown } | null)?.moves;
  if (moves === null || typeof moves !== "object" || Array.isArray(moves)) return null;
  const csv = (moves as { csv?: unknown }).csv;
  return typeof csv === "string" && Object.keys(moves).length === 1 ? csv : null;
}

/** The pure part: YAML, then the JSON Schema, then the semantic rules. */
export function checkManifest(input: { file: string; text: string; sha256: string; env: Env }): CheckResult {
  const { file } = input;
  const { parsed, problems } = parseYaml(input.text, input.sha256);
  if (parsed === null) {
    return { manifest: null, issues: problems.map((p) => toIssue(file, p, Severity.Error)) };
  }
  return checkParsed(file, parsed, input.env);
}

/** The JSON Schema and the semantic rules over parsed YAML (its moves perhaps read from a CSV). */
function checkParsed(file: string, parsed: ParsedYaml, env: Env): CheckResult {
  const input = { env };
  const issue = (
    severity: Severity,
    rule: string,
    path: readonly PathSegment[],
    message: string,
    at?: "key",
  ): Issue => {
    const at_ = parsed.locate(path, at);
    return toIssue(at_.file ?? file, { ...at_, rule, path: formatPath(path), message }, severity);
  };

  const { problems: shape, uncounted } = checkShape(parsed.value);
  if (shape.length > 0) {
    const { first, more } = firstInFileOrder(shape, parsed.value, uncounted);
    parsed.expect?.(first.map((p) => p.path));
    return {
      manifest: null,
      issues: [
        ...sortIssues(
          first.map((p) =>
            issue(Severity.Error, p.rule, p.path, p.message, p.at === "key" ? "key" : undefined),
          ),
        ),
        ...moreIssues(file, more),
      ],
    };
  }

  const raw = parsed.value as RawManifest;
  if (!Array.isArray(raw.moves)) {
    // `moves: {csv}` is read by loadManifest, which has the file; text alone cannot say what it holds.
    return {
      manifest: null,
      issues: [
        issue(
          Severity.Error,
          "moves-csv",
          ["moves"],
          "moves: {csv: …} is read when the manifest is loaded from its file",
        ),
      ],
    };
  }
  const issues: Issue[] = [];
  let portalUrl: string | null = null;
  if (raw.portal !== undefined) {
    const keyVariables = [...KEY_VARIABLES, raw.portal.apiKeyEnv ?? DEFAULT_API_KEY_ENV];
    const url = resolvePortalUrl(raw.portal.url, input.env, keyVariables);
    if (url.ok) portalUrl = url.url;
    else issues.push(issue(Severity.Error, url.rule, ["portal", "url"], url.message));
  }
  // A whole move is made as one object (no spread of an empty one for each key it lacks): a manifest of
  // 100,000 moves makes no garbage here.
  const moves: MoveSpec[] = raw.moves.map((m, index) => {
    const move = {
      id: m.id ?? `move-${index + 1}`,
      index,
      from: normalizeRef(m.from),
      to: normalizeRef(m.to),
      note: m.note ?? null,
    };
    if (m.manager === undefined && m.members === undefined) return move;
    return {
      ...move,
      ...(m.manager === undefined ? {} : { manager: personRef(m.manager) }),
      ...(m.members === undefined
        ? {}
        : Array.isArray(m.members)
          ? { members: m.members.map(personRef) }
          : { membersFrom: { csv: m.members.csv, column: m.members.column } }),
    };
  });
  const explicitIds = new Set<number>();
  raw.moves.forEach((m, i) => {
    if (m.id !== undefined) explicitIds.add(i);
  });
  const found = RULES.flatMap((rule) => rule({ moves, explicitIds }));
  const { first, more } = firstInFileOrder(found, parsed.value);
  parsed.expect?.([...first.map((p) => p.path), ...(issues.length > 0 ? [["portal", "url"]] : [])]);
  for (const p of first) issues.push(issue(p.severity, p.rule, p.path, p.message));
  const moreErrors =
    found.filter((p) => p.severity === Severity.Error).length -
    first.filter((p) => p.severity === Severity.Error).length;
  const sorted = [
    ...sortIssues(issues),
    ...moreIssues(file, more, moreErrors > 0 ? Severity.Error : Severity.Warning),
  ];
  if (sorted.some((i) => i.severity === Severity.Error)) return { manifest: null, issues: sorted };
  const settings: ManifestSettings = { ...raw.settings };
  return {
    manifest: {
      path: file,
      sha256: parsed.sha256,
      version: 1,
      portalUrl,
      apiKeyEnv: raw.portal?.apiKeyEnv ?? DEFAULT_API_KEY_ENV,
      settings,
      moves,
      locate: placing(parsed.locate),
    },
    issues: sorted,
  };
}

/**
 * The manifest's way back to lines and columns: made outside `checkParsed`, whose closures hold the whole
 * parse in their scope; this one holds only the parse's `locate`, which lets the data go once the moves
 * are made from it (see `parseYaml`).
 */
const placing =
  (locate: ParsedYaml["locate"]): NonNullable<Manifest["locate"]> =>
  (path) =>
    locate(path);

/** Problems reported with their positions; past this many, the rest are counted (finding positions costs). */
export const MAX_REPORTED = 100;

/**
 * The first MAX_REPORTED problems in file order, and how many more there are. File order is path order:
 * list indexes by number, mapping keys by their place in the mapping (looked up in the mapping's keys,
 * or in a map of them kept for a large mapping, so ordering is linear in the number of problems). The
 * first are kept in order as the problems come, each later one compared with the last kept: problems
 * mostly come in file order, and 100,000 of them are not all sorted to report 100.
 */
export function firstInFileOrder<T extends { readonly path: readonly PathSegment[] }>(
  problems: readonly T[],
  root: unknown,
  uncounted = 0,
): { first: T[]; more: number } {
  if (problems.length <= MAX_REPORTED) return { first: [...problems], more: uncounted };
  const places = new WeakMap<object, Map<string, number>>();
  const place = (node: object, key: string): number => {
    let map = places.get(node);
    if (map === undefined) {
      const keys = Object.keys(node);
      if (keys.length <= 16) {
        const i = keys.indexOf(key);
        return i === -1 ? Number.MAX_SAFE_INTEGER : i;
      }
      // Listed once: a mapping of 40,000 keys is not listed again for each of its problems.
      map = new Map(keys.map((k, i) => [k, i]));
      places.set(node, map);
    }
    return map.get(key) ?? Number.MAX_SAFE_INTEGER;
  };
  const rank = (path: readonly PathSegment[]): number[] => {
    const out: number[] = [];
    let node: unknown = root;
    for (const segment of path) {
      if (typeof segment === "number" || node === null || typeof node !== "object") {
        out.push(typeof segment === "number" ? segment : Number.MAX_SAFE_INTEGER);
      } else {
        out.push(place(node, segment));
      }
      node =
        node !== null && typeof node === "object"
          ? (node as Record<string, unknown>)[String(segment)]
          : undefined;
    }
    return out;
  };
  const compare = (a: readonly number[], b: readonly number[]): number => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const d = (a[i] ?? 0) - (b[i] ?? 0);
      if (d !== 0) return d;
    }
    return a.length - b.length;
  };
  // The first so far, in order; an equal one goes after those already kept, as a stable sort puts it.
  const kept: { p: T; r: number[] }[] = [];
  for (const p of problems) {
    const r = rank(p.path);
    const last = kept.at(-1);
    if (kept.length === MAX_REPORTED && last !== undefined && compare(r, last.r) >= 0) continue;
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compare(r, (kept[mid] as { r: number[] }).r) < 0) hi = mid;
      else lo = mid + 1;
    }
    kept.splice(lo, 0, { p, r });
    if (kept.length > MAX_REPORTED) kept.pop();
  }
  return { first: kept.map((x) => x.p), more: problems.length - MAX_REPORTED + uncounted };
}

const moreIssues = (file: string, more: number, severity: Severity = Severity.Error): Issue[] =>
  more === 0
    ? []
    : [
        {
          severity,
          rule: "more-problems",
          file,
          line: 1,
          column: 1,
          path: "",
          message: `and ${more} more problem${more === 1 ? "" : "s"} (at least) past the first ${MAX_REPORTED}; fix these and validate again`,
        },
      ];

function normalizeRef(ref: RawGroupRef): GroupRef {
  if (typeof ref === "string") return { kind: "id", id: ref.toLowerCase() };
  if ("id" in ref) return { kind: "id", id: ref.id.toLowerCase() };
  return ref.create === true
    ? { kind: "name", name: ref.name, create: true }
    : { kind: "name", name: ref.name };
}

function toIssue(
  file: string,
  p: ParseProblem | (Position & { rule: string; path: string; message: string }),
  severity: Severity,
): Issue {
  return { severity, rule: p.rule, file, line: p.line, column: p.column, path: p.path, message: p.message };
}

const sortIssues = (issues: Issue[]): Issue[] =>
  issues.sort((a, b) => a.line - b.line || a.column - b.column);

/** `migrations.yaml:14:11 moves[2].to: "sales" is not a UUID or {name: ...}`. */
export function formatIssue(issue: Issue): string {
  const where = `${issue.file}:${issue.line}:${issue.column}`;
  const path = issue.path === "" ? "" : ` ${issue.path}`;
  const kind = issue.severity === Severity.Warning ? "warning: " : "";
  // Keys and values from the file are shown, never obeyed: control characters escaped, keys removed.
  return escapeControls(redactSecrets(`${where}${path}: ${kind}${issue.message}`));
}
