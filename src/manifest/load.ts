import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { CORE_SCHEMA, load as loadFast } from "js-yaml";
import { isAlias, isMap, isScalar, LineCounter, parseDocument, visit, type Document, type Node } from "yaml";

/** Larger files are refused before they are parsed. */
export const MAX_MANIFEST_BYTES = 5 * 1024 * 1024;
/** Expansions of YAML aliases allowed when the document is turned into data (the yaml default). */
export const MAX_ALIAS_COUNT = 100;

export type PathSegment = string | number;

export interface Position {
  readonly line: number;
  readonly column: number;
}

/** Where a problem was found while reading, before any schema check. */
export interface ParseProblem extends Position {
  readonly rule: string;
  readonly path: string;
  readonly message: string;
}

export interface ParsedYaml {
  readonly value: unknown;
  readonly sha256: string;
  /** Position of the node at `path`, or of its deepest existing ancestor. */
  readonly locate: (path: readonly PathSegment[], at?: "key" | "value") => Position;
}

export type ReadResult = { ok: true; text: string; sha256: string } | { ok: false; problem: ParseProblem };

/** Reads a manifest file, refusing oversized ones without reading them whole. */
export async function readManifestFile(path: string): Promise<ReadResult> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : code;
    return {
      ok: false,
      problem: fileProblem("unreadable", `cannot read the manifest (${why}); check the path`),
    };
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      return {
        ok: false,
        problem: fileProblem("unreadable", "not a regular file; give the path of a YAML manifest"),
      };
    }
    if (stat.size > MAX_MANIFEST_BYTES) {
      return { ok: false, problem: tooLarge(stat.size) };
    }
    // Read at most one byte past the cap: a file that grows after stat() is still refused.
    const buffer = Buffer.alloc(MAX_MANIFEST_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > MAX_MANIFEST_BYTES) return { ok: false, problem: tooLarge(bytesRead) };
    const bytes = buffer.subarray(0, bytesRead);
    return { ok: true, text: bytes.toString("utf8"), sha256: sha256(bytes) };
  } finally {
    await handle.close();
  }
}

export const sha256 = (data: string | Uint8Array): string => createHash("sha256").update(data).digest("hex");

function tooLarge(size: number): ParseProblem {
  const mib = (size / 1024 / 1024).toFixed(1);
  return fileProblem(
    "file-too-large",
    `the file is ${mib} MiB; manifests are limited to 5 MiB. Split the moves across several manifests`,
  );
}

const fileProblem = (rule: string, message: string): ParseProblem => ({
  rule,
  path: "",
  message,
  line: 1,
  column: 1,
});

/**
 * Anchors or aliases anywhere (`&a`, `*a` after a separator). False positives (e.g. `note: a *b`) only
 * send the text down the slower path, which handles everything.
 */
const MAY_HAVE_ALIASES = /(?:^|[\s[{,])[&*][^\s,[\]{}]/m;

/**
 * Parses YAML text into data, keeping a way back from any path to its line and column.
 *
 * The `yaml` document API gives exact positions and guards against alias bombs, but parses about 1 MB/s:
 * too slow for the largest manifests. So text without anchors or aliases is read with js-yaml (YAML 1.2
 * core schema, duplicate keys refused), and the document is only built when a position is asked for,
 * i.e. when there is something to report. Anything js-yaml refuses goes the thorough way for its message.
 */
export function parseYaml(
  text: string,
  sha: string,
): { parsed: ParsedYaml | null; problems: ParseProblem[] } {
  if (!MAY_HAVE_ALIASES.test(text)) {
    let value: unknown;
    let ok = true;
    try {
      value = loadFast(text, { schema: CORE_SCHEMA }) ?? null; // the document API reads an empty file as null
    } catch {
      ok = false;
    }
    if (ok) {
      let located: ParsedYaml["locate"] | null = null;
      const locate: ParsedYaml["locate"] = (path, where) => {
        located ??= parseThoroughly(text, sha).parsed?.locate ?? (() => ({ line: 1, column: 1 }));
        return located(path, where);
      };
      return { parsed: { value, sha256: sha, locate }, problems: [] };
    }
  }
  return parseThoroughly(text, sha);
}

/** The `yaml` document API: positions, the alias limit, and the exact message for anything malformed. */
export function parseThoroughly(
  text: string,
  sha: string,
): { parsed: ParsedYaml | null; problems: ParseProblem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const at = (offset: number | undefined): Position => {
    const { line, col } = lineCounter.linePos(offset ?? 0);
    return { line, column: col };
  };
  const problems: ParseProblem[] = doc.errors.map((err) => {
    const position = at(err.pos[0]);
    if (err.code === "DUPLICATE_KEY") {
      const key = duplicateKeyAt(doc, err.pos[0]);
      return {
        ...position,
        rule: "duplicate-key",
        path: "",
        message: `duplicate key${key === null ? "" : ` "${key}"`}: a key may appear only once in a mapping; keep one of them`,
      };
    }
    return { ...position, rule: "yaml-syntax", path: "", message: `invalid YAML: ${firstLine(err.message)}` };
  });
  if (problems.length > 0) return { parsed: null, problems };

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    if (err instanceof ReferenceError && /alias/i.test(err.message)) {
      return {
        parsed: null,
        problems: [
          {
            ...at(firstAliasOffset(doc)),
            rule: "alias-bomb",
            path: "",
            message: `YAML aliases expand too much (over ${MAX_ALIAS_COUNT} expansions), as in an alias bomb; write the manifest without anchors and aliases`,
          },
        ],
      };
    }
    return {
      parsed: null,
      problems: [
        { ...at(0), rule: "yaml-syntax", path: "", message: `invalid YAML: ${firstLine(String(err))}` },
      ],
    };
  }

  const locate = (path: readonly PathSegment[], where: "key" | "value" = "value"): Position => {
    let node: unknown = doc.contents;
    let best: Position = at(rangeStart(node));
    for (const [i, segment] of path.entries()) {
      if (isAlias(node)) node = node.resolve(doc);
      if (!isMap(node) && !(node !== null && typeof node === "object" && "items" in node)) break;
      const collection = node as { items: unknown[] };
      let next: unknown;
      let keyNode: unknown;
      if (typeof segment === "number") {
        next = collection.items[segment];
      } else {
        const pair = (collection.items as { key: unknown; value: unknown }[]).find(
          (p) => (isScalar(p.key) ? p.key.value : p.key) === segment,
        );
        next = pair?.value;
        keyNode = pair?.key;
      }
      if (next === undefined && keyNode === undefined) break;
      const isLast = i === path.length - 1;
      best = at(rangeStart(isLast && where === "key" && keyNode !== undefined ? keyNode : (next ?? keyNode)));
      node = next;
    }
    return best;
  };
  return { parsed: { value, sha256: sha, locate }, problems: [] };
}

const rangeStart = (node: unknown): number | undefined =>
  node !== null && typeof node === "object" && "range" in node ? (node as Node).range?.[0] : undefined;

const firstLine = (message: string): string => message.split("\n")[0] ?? message;

function duplicateKeyAt(doc: Document, offset: number): string | null {
  let found: string | null = null;
  visit(doc, {
    Pair(_key, pair) {
      if (isScalar(pair.key) && pair.key.range?.[0] === offset) {
        found = String(pair.key.value);
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

function firstAliasOffset(doc: Document): number {
  let offset = 0;
  visit(doc, {
    Alias(_key, alias) {
      offset = alias.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
}
