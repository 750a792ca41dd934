import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import type { LoadOptions, YAMLException } from "js-yaml";
import { createRequire } from "node:module";
import { isDeepStrictEqual } from "node:util";
import type { Document, Node } from "yaml";
import { OUTSIDE, readCommonYaml, type Place } from "./common-yaml.js";

/**
 * The `yaml` package, loaded the first time the thorough path needs it: most manifests never do, and
 * loading it is a fifth of a small `validate`'s start-up.
 */
let yamlModule: typeof import("yaml") | null = null;
const yaml = (): typeof import("yaml") =>
  (yamlModule ??= createRequire(import.meta.url)("yaml") as typeof import("yaml"));

/**
 * js-yaml (YAML 1.2 core schema, duplicate keys refused), loaded the first time it is needed: for text the
 * subset reader leaves to it, and for positions over a whole file. A manifest in the usual shapes, placed
 * by the subset reader, never loads it.
 */
let jsYamlModule: typeof import("js-yaml") | null = null;
const jsYaml = (): typeof import("js-yaml") =>
  (jsYamlModule ??= createRequire(import.meta.url)("js-yaml") as typeof import("js-yaml"));
const loadFast = (text: string, options: Omit<LoadOptions, "schema"> = {}): unknown =>
  jsYaml().load(text, { ...options, schema: jsYaml().CORE_SCHEMA });

/** Larger files are refused before they are parsed. */
export const MAX_MANIFEST_BYTES = 5 * 1024 * 1024;
/** Expansions of YAML aliases allowed when the document is turned into data (the yaml default). */
export const MAX_ALIAS_COUNT = 100;

export type PathSegment = string | number;

/** Deeper nesting is refused: a manifest needs five levels; a million would exhaust the parser. */
export const MAX_DEPTH = 64;

export interface Position {
  readonly line: number;
  readonly column: number;
  /** Another file than the manifest (a CSV the manifest reads its moves from). */
  readonly file?: string;
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
  /**
   * Says which paths will be located, before the first `locate`: when they all lie in the first moves,
   * positions are recorded only that far into the file.
   */
  readonly expect?: (paths: readonly (readonly PathSegment[])[]) => void;
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
 * too slow for the largest manifests. So text in the shapes manifests are written in is read by the subset
 * reader (`common-yaml.ts`), other text without anchors or aliases with js-yaml (YAML 1.2 core schema,
 * duplicate keys refused, the same data), and the document is only built when a position is asked for,
 * i.e. when there is something to report. Anything js-yaml refuses goes the thorough way for its message,
 * unless it is larger than THOROUGH_MAX_CHARS: then js-yaml's reason and place are the message.
 */
export function parseYaml(
  text: string,
  sha: string,
): { parsed: ParsedYaml | null; problems: ParseProblem[] } {
  // The usual manifest is read by the subset reader, which needs no depth or alias checks: it reads
  // neither deep nesting nor aliases.
  let value = readCommonYaml(text);
  let ok = value !== OUTSIDE;
  if (!ok && !MAY_HAVE_ALIASES.test(text)) {
    if (flowDepth(text) > MAX_DEPTH) return { parsed: null, problems: [tooDeep()] };
    try {
      // The document API reads an empty file as null.
      value = loadFast(text) ?? null;
      ok = true;
    } catch (err) {
      if (err instanceof RangeError) return { parsed: null, problems: [tooDeep()] };
      // A large text js-yaml refuses is reported as js-yaml places it: the document API, which would
      // give its own message, reads about a megabyte a second (ten seconds for a manifest near the cap).
      if (text.length > THOROUGH_MAX_CHARS && err instanceof jsYaml().YAMLException)
        return { parsed: null, problems: [refusedByJsYaml(text, err)] };
    }
  }
  if (ok) {
    // The data, for placing a problem, held weakly: a run lets go of it once its moves are made from it
    // (it is a second copy of them, about 250 bytes a move), and a position asked for after that
    // parses the text again, the same way, to the same data. Checking holds it, so validate does not.
    const data = dataHeldWeakly(value, () => readData(text));
    // Positions are recorded only when something is to be reported: a second fast parse that keeps them.
    let recorded: { positions: PositionRecorder; value: unknown } | null = null;
    let lastMove: number | null = null;
    // Every problem in one move, or under one top-level key: only those lines are read again.
    let only: { readonly move: number } | { readonly key: string } | null = null;
    let slice: { positions: PositionRecorder; value: unknown } | null | undefined;
    const locate: ParsedYaml["locate"] = (path, where) => {
      const inSlice =
        only === null
          ? null
          : "move" in only
            ? path[0] === "moves" && path[1] === only.move
              ? [0, ...path.slice(2)]
              : null
            : path[0] === only.key
              ? path
              : null;
      if (only !== null && inSlice !== null && slice !== null) {
        slice ??= "move" in only ? oneMove(text, data(), only.move) : oneKey(text, data(), only.key);
        if (slice !== null) return slice.positions.locate(slice.value, inSlice, where);
      }
      if (recorded === null) {
        const positions = new PositionRecorder(text, lastMove);
        let again: unknown;
        try {
          again = loadFast(text, { listener: positions.listener }) ?? null;
        } catch (err) {
          // Every position asked for is recorded: the rest of the file is not read again.
          if (!(err instanceof FarEnough)) throw err;
          again = positions.stopped();
        }
        recorded = { positions, value: again };
      }
      return recorded.positions.locate(recorded.value, path, where);
    };
    const expect: NonNullable<ParsedYaml["expect"]> = (paths) => {
      const underMoves = paths.every((p) => p[0] === "moves" && typeof p[1] === "number");
      lastMove = underMoves && paths.length > 0 ? Math.max(...paths.map((p) => p[1] as number)) : null;
      const first = paths[0]?.[0];
      only =
        underMoves && lastMove !== null && paths.every((p) => p[1] === lastMove)
          ? { move: lastMove }
          : typeof first === "string" &&
              first !== "moves" &&
              paths.every((p) => p.length > 0 && p[0] === first)
            ? { key: first }
            : null;
      slice = undefined;
    };
    // Without anchors, aliases or tags beyond the core schema, both readers make plain data only.
    return { parsed: { value, sha256: sha, locate, expect }, problems: [] };
  }
  return parseThoroughly(text, sha);
}

/**
 * Larger texts that js-yaml refuses are not read again by the document API for its message: SPEC §3 asks
 * for a verdict on any file in about a second per 5 MiB.
 */
export const THOROUGH_MAX_CHARS = 512 * 1024;

/** js-yaml's reason for refusing a text, at its place; a duplicate key named as the document API names it. */
function refusedByJsYaml(text: string, err: YAMLException): ParseProblem {
  const at = { line: err.mark.line + 1, column: err.mark.column + 1 };
  if (err.reason === "duplicated mapping key") {
    // The mark is at the second key: a plain or quoted key up to its colon.
    const key = /^("(?:[^"\\\n]|\\.)*"|'(?:[^'\n]|'')*'|[^\s:#][^:#\n]*?)\s*:/.exec(
      text.slice(err.mark.position),
    );
    const raw = key?.[1];
    return duplicateKey(at, raw === undefined ? null : /^["']/.test(raw) ? raw.slice(1, -1) : raw);
  }
  return { ...at, rule: "yaml-syntax", path: "", message: `invalid YAML: ${err.reason}` };
}

/** The data of text without aliases: by the subset reader if it can, else by js-yaml. */
function readData(text: string): unknown {
  const common = readCommonYaml(text);
  return common === OUTSIDE ? (loadFast(text) ?? null) : common;
}

/**
 * The data as parsed, while anything else holds it; after that, `again()` (made once). A scalar (an empty
 * or scalar file) is simply kept.
 */
export function dataHeldWeakly(value: unknown, again: () => unknown): () => unknown {
  return value === null || typeof value !== "object" ? kept(value) : weakly(new WeakRef(value), again);
}

// (Two helpers, so the closure that holds the data weakly cannot hold it in its scope as well.)
const kept =
  (value: unknown): (() => unknown) =>
  () =>
    value;

function weakly(weak: WeakRef<object>, again: () => unknown): () => unknown {
  let remade: { readonly value: unknown } | null = null;
  return () => {
    const held = weak.deref();
    if (held !== undefined) return held;
    remade ??= { value: again() };
    return remade.value;
  };
}

/**
 * Positions for one item of the root mapping's block list `moves`, from that item's lines alone: the
 * item is found by its `-` at the list's indentation, read again with positions recorded (the lines
 * before it kept as empty lines, so lines and columns are the file's), and used only when it reads as
 * exactly the item the whole parse made. Null: not found that way (a flow list, a miscount); the
 * caller then records positions over the file.
 */
function oneMove(
  text: string,
  value: unknown,
  index: number,
): { positions: PositionRecorder; value: unknown } | null {
  const moves = isObject(value) ? (value as Record<string, unknown>).moves : undefined;
  if (!Array.isArray(moves) || index >= moves.length) return null;
  const key = /^moves:[ \t]*(?:#.*)?\r?$/m.exec(text);
  if (key === null) return null;
  let indent = -1;
  let count = -1;
  let start = -1;
  let end = text.length;
  for (let at = text.indexOf("\n", key.index) + 1; at > 0 && at < text.length;) {
    const next = text.indexOf("\n", at);
    const lineEnd = next === -1 ? text.length : next;
    let i = at;
    while (i < lineEnd && text[i] === " ") i++;
    const c = text[i];
    const blank = i >= lineEnd || c === "#" || c === "\r";
    if (!blank) {
      if (indent === -1) indent = i - at;
      const column = i - at;
      const item =
        column === indent && c === "-" && (i + 1 >= lineEnd || text[i + 1] === " " || text[i + 1] === "\r");
      if (column < indent || (column === indent && !item)) {
        end = at;
        break;
      }
      if (item) {
        count++;
        if (count === index) start = at;
        else if (count === index + 1) {
          end = at;
          break;
        }
      }
    }
    if (next === -1) break;
    at = next + 1;
  }
  if (start === -1) return null;
  return reread(
    text,
    start,
    end,
    (again) => Array.isArray(again) && again.length === 1 && isDeepStrictEqual(again[0], moves[index]),
  );
}

/**
 * The lines from `start` to `end` read again with positions recorded, the lines before them kept as empty
 * lines so that lines and columns are the file's; null when they do not read as `expected` says.
 */
function reread(
  text: string,
  start: number,
  end: number,
  expected: (again: unknown) => boolean,
): { positions: PositionRecorder; value: unknown } | null {
  const lines = text.slice(0, start).split("\n").length - 1;
  const slice = "\n".repeat(lines) + text.slice(start, end);
  // The subset reader places what it reads as the listener does; js-yaml for anything else.
  const places = new WeakMap<object, Place>();
  const common = readCommonYaml(slice, places);
  if (common !== OUTSIDE)
    return expected(common) ? { positions: new PositionRecorder(slice, null, places), value: common } : null;
  const positions = new PositionRecorder(slice);
  let again: unknown;
  try {
    again = loadFast(slice, { listener: positions.listener });
  } catch {
    return null;
  }
  return expected(again) ? { positions, value: again } : null;
}

/**
 * Positions for one key of the root mapping, from its lines alone: the key found at the start of a line,
 * its block running to the next line that starts at column 1, read again with positions recorded (the
 * lines before it kept as empty lines), and used only when it reads as exactly that key and its value
 * in the whole parse. Null otherwise; the caller then records positions over the file.
 */
function oneKey(
  text: string,
  value: unknown,
  key: string,
): { positions: PositionRecorder; value: unknown } | null {
  if (!isObject(value) || !Object.hasOwn(value, key) || !/^[A-Za-z_][\w-]*$/.test(key)) return null;
  const found = new RegExp(`^${key}[ \t]*:`, "m").exec(text);
  if (found === null) return null;
  const start = found.index;
  // The key's block ends at the next line that starts with anything but a space, a comment or a break.
  const next = /\n(?=[^ \t\r\n#])/g;
  next.lastIndex = start;
  const after = next.exec(text);
  const end = after === null ? text.length : after.index + 1;
  const whole = (value as Record<string, unknown>)[key];
  return reread(
    text,
    start,
    end,
    (again) =>
      isObject(again) &&
      Object.keys(again).length === 1 &&
      isDeepStrictEqual((again as Record<string, unknown>)[key], whole),
  );
}

/** The `yaml` document API: positions, the alias limit, and the exact message for anything malformed. */
export function parseThoroughly(
  text: string,
  sha: string,
): { parsed: ParsedYaml | null; problems: ParseProblem[] } {
  if (flowDepth(text) > MAX_DEPTH) return { parsed: null, problems: [tooDeep()] };
  // More alias references than expansions allowed: refused before the (slow) document is built.
  const aliases = text.matchAll(ALIAS_REFERENCE);
  let first: number | null = null;
  let count = 0;
  for (const m of aliases) {
    first ??= m.index + m[0].indexOf("*");
    if (++count > MAX_ALIAS_COUNT) return { parsed: null, problems: [aliasBomb(positionIn(text, first))] };
  }
  const lineCounter = new (yaml().LineCounter)();
  // yaml's own duplicate-key check compares each key with every earlier one (quadratic in a mapping's
  // size); duplicates are found below in one pass instead.
  const doc = yaml().parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const at = (offset: number | undefined): Position => {
    const { line, col } = lineCounter.linePos(offset ?? 0);
    return { line, column: col };
  };
  const problems: ParseProblem[] = doc.errors.map((err) => ({
    ...at(err.pos[0]),
    rule: "yaml-syntax",
    path: "",
    message: `invalid YAML: ${firstLine(err.message)}`,
  }));
  if (problems.length === 0) {
    const duplicate = firstDuplicateKey(doc);
    if (duplicate !== null) problems.push(duplicateKey(at(duplicate.offset), duplicate.key));
  }
  if (problems.length > 0) return { parsed: null, problems };

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    if (err instanceof ReferenceError && /unresolved alias/i.test(err.message)) {
      return {
        parsed: null,
        problems: [
          {
            ...at(firstAliasOffset(doc)),
            rule: "yaml-alias",
            path: "",
            message: `an alias names no anchor before it (${firstLine(err.message)}); define the anchor (&name) first, or write the value out`,
          },
        ],
      };
    }
    if (err instanceof ReferenceError && /alias/i.test(err.message)) {
      return { parsed: null, problems: [aliasBomb(at(firstAliasOffset(doc)))] };
    }
    return {
      parsed: null,
      problems: [
        { ...at(0), rule: "yaml-syntax", path: "", message: `invalid YAML: ${firstLine(String(err))}` },
      ],
    };
  }

  const odd = notPlainData(value);
  if (odd !== null) return { parsed: null, problems: [{ ...at(firstAliasOffset(doc)), ...odd }] };

  const locate = (path: readonly PathSegment[], where: "key" | "value" = "value"): Position => {
    let node: unknown = doc.contents;
    let best: Position = at(rangeStart(node));
    for (const [i, segment] of path.entries()) {
      if (yaml().isAlias(node)) node = node.resolve(doc);
      if (!yaml().isMap(node) && !(node !== null && typeof node === "object" && "items" in node)) break;
      const collection = node as { items: unknown[] };
      let next: unknown;
      let keyNode: unknown;
      if (typeof segment === "number") {
        next = collection.items[segment];
      } else {
        const pair = (collection.items as { key: unknown; value: unknown }[]).find(
          (p) => (yaml().isScalar(p.key) ? p.key.value : p.key) === segment,
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

/** The first key repeated within one mapping, in one pass over the document. */
function firstDuplicateKey(doc: Document): { key: string; offset: number } | null {
  let found: { key: string; offset: number } | null = null;
  yaml().visit(doc, {
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = yaml().isScalar(pair.key) ? pair.key.value : pair.key;
        if (seen.has(key)) {
          found = {
            key: String(key),
            offset: (yaml().isScalar(pair.key) ? pair.key.range?.[0] : undefined) ?? 0,
          };
          return yaml().visit.BREAK;
        }
        seen.add(key);
      }
      return undefined;
    },
  });
  return found;
}

function firstAliasOffset(doc: Document): number {
  let offset = 0;
  yaml().visit(doc, {
    Alias(_key, alias) {
      offset = alias.range?.[0] ?? 0;
      return yaml().visit.BREAK;
    },
  });
  return offset;
}

const NONE: Frame[] = [];

/** Thrown from the node listener to end a position-recording parse early. */
class FarEnough extends Error {}

interface Frame {
  readonly offset: number;
  result: unknown;
  children: Frame[];
}

/**
 * Positions recorded during the fast parse (js-yaml's node events), so that finding where a problem is
 * costs a walk down its path, never a second parse: linear in the size of the manifest whatever the
 * number of problems. Each collection the parse builds is kept with its own offset and its children's.
 */
class PositionRecorder {
  readonly #text: string;
  readonly #stack: Frame[] = [{ offset: 0, result: undefined, children: [] }];
  readonly #places: WeakMap<object, Place>;
  readonly #lineStarts: number[];
  /** The last item of the top-level `moves` list whose positions are needed, or null for all. */
  readonly #lastMove: number | null;

  /** `places`: given already, by the subset reader (no listener is called then). */
  constructor(text: string, lastMove: number | null = null, places = new WeakMap<object, Place>()) {
    this.#text = text;
    this.#places = places;
    this.#lastMove = lastMove;
    const starts = [0];
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
    this.#lineStarts = starts;
  }

  readonly listener = (event: "open" | "close", state: { position: number; result: unknown }): void => {
    if (event === "open") {
      this.#stack.push({ offset: this.#skipSpace(state.position), result: undefined, children: NONE });
      return;
    }
    const frame = this.#stack.pop();
    if (frame === undefined) return;
    frame.result = state.result;
    // A node composed twice (a block sequence entry around its collection): one frame, the outer offset.
    const only = frame.children[0];
    if (
      frame.children.length === 1 &&
      only !== undefined &&
      only.result === frame.result &&
      isObject(frame.result)
    )
      frame.children = only.children;
    if (isObject(frame.result)) this.#keep(frame);
    const parent = this.#stack.at(-1);
    if (parent !== undefined) {
      // Most nodes are scalars, which have no children: their frames share one empty list until they do.
      if (parent.children === NONE) parent.children = [];
      parent.children.push(frame);
      // The item after the last one needed has closed, in the root mapping's `moves` list: stop reading.
      if (
        this.#lastMove !== null &&
        this.#stack.length === 3 &&
        parent.children.length > this.#lastMove + 1 &&
        this.#stack[1]?.children.at(-1)?.result === "moves"
      )
        throw new FarEnough();
    }
  };

  /**
   * After a stop in the `moves` list: the root mapping as far as it was read, with the list's items read
   * so far, each collection kept with its positions as if the parse had ended there.
   */
  stopped(): unknown {
    const [, root, moves] = this.#stack;
    if (root === undefined || moves === undefined) return null;
    moves.result = moves.children.map((c) => c.result);
    this.#keep(moves);
    const record: Record<string, unknown> = {};
    const children = [...root.children, moves];
    for (let i = 0; i + 1 < children.length; i += 2) {
      const key = children[i] as Frame;
      if (typeof key.result === "string") record[key.result] = (children[i + 1] as Frame).result;
    }
    root.children = children;
    root.result = record;
    this.#keep(root);
    this.#stack[0]?.children.push(root);
    return record;
  }

  /** Where a value (or its key) is: the node at `path`, or its deepest ancestor that exists. */
  locate(root: unknown, path: readonly PathSegment[], where: "key" | "value" = "value"): Position {
    let node = root;
    let best = isObject(root) ? (this.#places.get(root)?.offset ?? 0) : this.#rootOffset();
    for (const [i, segment] of path.entries()) {
      if (!isObject(node)) break;
      const place = this.#places.get(node);
      const item = place?.items.get(segment);
      if (item === undefined) break;
      best = i === path.length - 1 && where === "key" ? item.key : item.value;
      node = (node as Record<string, unknown>)[String(segment)];
    }
    return this.#position(best);
  }

  #keep(frame: Frame): void {
    const result = frame.result as object;
    const items = new Map<PathSegment, { key: number; value: number }>();
    if (Array.isArray(result)) {
      frame.children.forEach((child, i) => items.set(i, { key: child.offset, value: child.offset }));
    } else {
      const record = result as Record<string, unknown>;
      const children = frame.children;
      for (let i = 0; i < children.length; i++) {
        const key = children[i] as Frame;
        if (typeof key.result !== "string" || !(key.result in record)) continue;
        const value = children[i + 1];
        const hasValue = value !== undefined && value.result === record[key.result];
        // An empty value has no node of its own: it is found at its key. (js-yaml's null node for it starts
        // at the next thing written, on a later line.)
        const lineEnd = this.#text.indexOf("\n", key.offset);
        const empty = hasValue && value.result === null && lineEnd !== -1 && lineEnd < value.offset;
        items.set(key.result, { key: key.offset, value: hasValue && !empty ? value.offset : key.offset });
        if (hasValue) i++;
      }
    }
    this.#places.set(result, { offset: frame.offset, items });
  }

  #rootOffset(): number {
    return this.#stack[0]?.children[0]?.offset ?? 0;
  }

  /** Node events start before the spaces, line breaks and comments in front of a node. */
  #skipSpace(offset: number): number {
    const text = this.#text;
    let i = offset;
    for (;;) {
      const c = text[i];
      if (c === " " || c === "\t" || c === "\n" || c === "\r") i++;
      else if (c === "#") while (i < text.length && text[i] !== "\n") i++;
      else return i;
    }
  }

  #position(offset: number): Position {
    let lo = 0;
    let hi = this.#lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.#lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (this.#lineStarts[lo] ?? 0) + 1 };
  }
}

const isObject = (value: unknown): value is object => value !== null && typeof value === "object";

/** A key written twice in one mapping (named when it could be read), in the same words on every path. */
const duplicateKey = (at: Position, key: string | null): ParseProblem => ({
  ...at,
  rule: "duplicate-key",
  path: "",
  message: `duplicate key${key === null ? "" : ` ${JSON.stringify(key)}`}: a key may appear only once in a mapping; keep one of them`,
});

const tooDeep = (): ParseProblem => ({
  rule: "too-deep",
  path: "",
  line: 1,
  column: 1,
  message: `the YAML is nested more than ${MAX_DEPTH} levels deep; a manifest needs a few: write its moves as a plain list`,
});

/**
 * The deepest nesting of flow collections ([ and {), outside quotes and comments, in one pass. Block
 * nesting needs indentation, which the size cap bounds; flow nesting costs two bytes a level.
 */
function flowDepth(text: string): number {
  // Character codes, not one-character strings: this reads every character of up to 5 MiB.
  const [QUOTE, APOSTROPHE, BACKSLASH, HASH, NEWLINE] = [34, 39, 92, 35, 10];
  const [OPEN_LIST, OPEN_MAP, CLOSE_LIST, CLOSE_MAP] = [91, 123, 93, 125];
  let depth = 0;
  let deepest = 0;
  let quote = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote !== 0) {
      if (c === BACKSLASH && quote === QUOTE) i++;
      else if (c === quote) quote = 0;
      continue;
    }
    if (c === QUOTE || c === APOSTROPHE) quote = c;
    else if (c === HASH && (i === 0 || /\s/.test(text[i - 1] ?? ""))) {
      while (i < text.length && text.charCodeAt(i) !== NEWLINE) i++;
    } else if (c === OPEN_LIST || c === OPEN_MAP) deepest = Math.max(deepest, ++depth);
    else if ((c === CLOSE_LIST || c === CLOSE_MAP) && depth > 0) depth--;
  }
  return deepest;
}

/**
 * What YAML can express beyond JSON data, refused with a clear sentence: an alias inside its own anchor
 * (a cycle), a tag that makes something other than data (`!!merge` on a value), nesting past MAX_DEPTH.
 * Iterative, so no input can exhaust the stack.
 */
function notPlainData(root: unknown): { rule: string; path: string; message: string } | null {
  const problem = (rule: string, message: string) => ({ rule, path: "", message });
  // Depth first with explicit exits: `onPath` holds the collections from the root to the current one.
  const onPath = new Set<object>();
  const stack: { value: unknown; depth: number; exit: boolean }[] = [{ value: root, depth: 0, exit: false }];
  while (stack.length > 0) {
    const { value, depth, exit } = stack.pop() as (typeof stack)[number];
    if (exit) {
      onPath.delete(value as object);
      continue;
    }
    if (
      value === null ||
      typeof value === "string" ||
      typeof value === "number" ||
      typeof value === "boolean"
    )
      continue;
    if (typeof value !== "object")
      return problem(
        "yaml-unsupported",
        "a value is not data (a tag such as !!merge where a value belongs?); write plain values",
      );
    if (onPath.has(value))
      return problem(
        "yaml-cycle",
        "an alias refers to the collection that holds it (a cycle); write the values out instead of *aliases",
      );
    if (depth >= MAX_DEPTH) return tooDeep();
    const proto = Object.getPrototypeOf(value) as unknown;
    if (!Array.isArray(value) && proto !== Object.prototype && proto !== null)
      return problem("yaml-unsupported", "a value is not plain data; write plain values");
    onPath.add(value);
    stack.push({ value, depth, exit: true });
    for (const child of Object.values(value)) stack.push({ value: child, depth: depth + 1, exit: false });
  }
  return null;
}

/** `*name` after a separator: an alias reference (a false positive only sends text down this path). */
const ALIAS_REFERENCE = /(?:^|[\s[{,:])\*[^\s,[\]{}]+/gm;

const aliasBomb = (at: Position): ParseProblem => ({
  ...at,
  rule: "alias-bomb",
  path: "",
  message: `YAML aliases expand too much (over ${MAX_ALIAS_COUNT} expansions), as in an alias bomb; write the manifest without anchors and aliases`,
});

function positionIn(text: string, offset: number): Position {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - before.lastIndexOf("\n") };
}
