import { parseYaml, readManifestFile, type ParseProblem, type PathSegment, type Position } from "./load.js";
import { KEY_VARIABLES, resolvePortalUrl } from "./portal-url.js";
import { RULES } from "./rules.js";
import {
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
  return checkManifest({ file, text: read.text, sha256: read.sha256, env });
}

/** The pure part: YAML, then the JSON Schema, then the semantic rules. */
export function checkManifest(input: { file: string; text: string; sha256: string; env: Env }): CheckResult {
  const { file } = input;
  const { parsed, problems } = parseYaml(input.text, input.sha256);
  if (parsed === null) {
    return { manifest: null, issues: problems.map((p) => toIssue(file, p, Severity.Error)) };
  }
  const issue = (
    severity: Severity,
    rule: string,
    path: readonly PathSegment[],
    message: string,
    at?: "key",
  ): Issue => toIssue(file, { ...parsed.locate(path, at), rule, path: formatPath(path), message }, severity);

  const shape = checkShape(parsed.value);
  if (shape.length > 0) {
    return {
      manifest: null,
      issues: sortIssues(
        shape.map((p) =>
          issue(Severity.Error, p.rule, p.path, p.message, p.at === "key" ? "key" : undefined),
        ),
      ),
    };
  }

  const raw = parsed.value as RawManifest;
  const issues: Issue[] = [];
  let portalUrl: string | null = null;
  if (raw.portal !== undefined) {
    const keyVariables = [...KEY_VARIABLES, raw.portal.apiKeyEnv ?? DEFAULT_API_KEY_ENV];
    const url = resolvePortalUrl(raw.portal.url, input.env, keyVariables);
    if (url.ok) portalUrl = url.url;
    else issues.push(issue(Severity.Error, url.rule, ["portal", "url"], url.message));
  }
  const moves: MoveSpec[] = raw.moves.map((m, index) => ({
    id: m.id ?? `move-${index + 1}`,
    index,
    from: normalizeRef(m.from),
    to: normalizeRef(m.to),
    note: m.note ?? null,
  }));
  const explicitIds = new Set(raw.moves.flatMap((m, i) => (m.id === undefined ? [] : [i])));
  for (const rule of RULES) {
    for (const p of rule({ moves, explicitIds })) issues.push(issue(p.severity, p.rule, p.path, p.message));
  }
  const sorted = sortIssues(issues);
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
    },
    issues: sorted,
  };
}

function normalizeRef(ref: RawGroupRef): GroupRef {
  if (typeof ref === "string") return { kind: "id", id: ref.toLowerCase() };
  if ("id" in ref) return { kind: "id", id: ref.id.toLowerCase() };
  return { kind: "name", name: ref.name };
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
  return `${where}${path}: ${kind}${issue.message}`;
}
