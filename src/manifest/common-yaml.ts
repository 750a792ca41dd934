/**
 * A reader for the YAML that manifests are made of, about three times as fast as js-yaml on the largest
 * ones: block mappings with plain keys, block lists, one-line flow collections, and scalars that are
 * plain, or quoted without escapes, with LF or CRLF line ends. It gives exactly the data js-yaml's core
 * schema gives (and, when asked, where each collection, key and value is), or `OUTSIDE` as soon as the
 * text uses anything else (anchors, tags, block scalars, multi-line scalars, escapes, tabs, a CR outside
 * CRLF, unusual characters, numbers other than small integers, duplicate keys, anything malformed): the
 * caller then reads the whole text with js-yaml, which is always right. Property tests hold the two
 * readers to the same data and the same places on generated manifests and on mutations of them.
 */
import { MANIFEST_SHAPE } from "./types.js";

export const OUTSIDE: unique symbol = Symbol("outside the common subset");

/** Nesting beyond this (blocks and flows together) is left to js-yaml and its depth checks. */
const MAX_NESTING = 32;

// Character codes.
const CR = 13;
const SPACE = 32;
const QUOTE = 34;
const HASH = 35;
const APOSTROPHE = 39;
const COMMA = 44;
const DASH = 45;
const COLON = 58;
const OPEN_LIST = 91;
const CLOSE_LIST = 93;
const OPEN_MAP = 123;
const CLOSE_MAP = 125;

class Outside extends Error {}
const outside = new Outside();

/** Where a collection starts, and where each of its items (and each key) does: offsets in the text. */
export interface Place {
  readonly offset: number;
  /** Per child: arrays by index; mappings by key, with the key's own offset. */
  readonly items: ReadonlyMap<string | number, { readonly key: number; readonly value: number }>;
}

/**
 * The data of `text`, or OUTSIDE when it is not in the common subset. Given `places`, each collection read
 * is recorded there with its place, as js-yaml's reading with a listener places it (a test holds them to
 * it; an empty value is placed at its key by both).
 */
export function readCommonYaml(text: string, places?: WeakMap<object, Place>): unknown {
  try {
    return new Reader(text, places).document();
  } catch (err) {
    if (err === outside) return OUTSIDE;
    throw err;
  }
}

type Items = Map<string | number, { key: number; value: number }>;

/**
 * Characters the subset does not allow: all but printable ones and line ends (LF, or CRLF as a file
 * written on Windows has). Tabs, a CR alone, controls, the C1 range, surrogates (lone or paired), the BOM,
 * the Unicode line separators and non-characters are js-yaml's to judge. (One native scan: a loop over up
 * to 5 MiB runs mostly before it is optimised.)
 */
const NOT_ALLOWED = /[^\n\r\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]|\r(?!\n)/;

/**
 * The manifest's own keys (those of its objects, and of a group reference and a members CSV) by length,
 * so that most keys are neither cut from the text nor looked up by content.
 */
const KNOWN_KEYS: readonly (readonly string[] | undefined)[] = (() => {
  const byLength: string[][] = [];
  const keys = new Set<string>([
    ...Object.values(MANIFEST_SHAPE).flatMap((shape) => shape.keys),
    ...["id", "name", "create", "csv", "column"],
  ]);
  for (const key of keys) (byLength[key.length] ??= []).push(key);
  return byLength;
})();

/** Starts a plain scalar in neither context: YAML's indicators (and `-`, `?`, `:` followed by anything). */
function indicator(c: number): boolean {
  switch (c) {
    case DASH:
    case 63: // ?
    case COLON:
    case COMMA:
    case OPEN_LIST:
    case CLOSE_LIST:
    case OPEN_MAP:
    case CLOSE_MAP:
    case HASH:
    case 38: // &
    case 42: // *
    case 33: // !
    case 124: // |
    case 62: // >
    case QUOTE:
    case APOSTROPHE:
    case 37: // %
    case 64: // @
    case 96: // `
    case SPACE:
      return true;
    default:
      return false;
  }
}

const keyStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const keyPart = (c: number): boolean => keyStart(c) || (c >= 48 && c <= 57) || c === DASH;

const SMALL_INTEGER = /^(?:0|[1-9][0-9]{0,14})$/;

/** A plain scalar's value under the core schema, where the subset is sure of it. */
function resolvePlain(s: string): unknown {
  const c = s.charCodeAt(0);
  if (c >= 48 && c <= 57) {
    if (SMALL_INTEGER.test(s)) return Number(s);
    // A number has two signs at most (its own and its exponent's): with three dashes, as a UUID has,
    // it is a string.
    const first = s.indexOf("-");
    const second = first === -1 ? -1 : s.indexOf("-", first + 1);
    if (second !== -1 && s.indexOf("-", second + 1) !== -1) return s;
    throw outside;
  }
  // `+1`, `.5`, `.inf`, `~`: numbers and null spelled in ways js-yaml resolves.
  if (c === 43 || c === 46 || c === 126) throw outside;
  switch (s) {
    case "null":
    case "Null":
    case "NULL":
      return null;
    case "true":
    case "True":
    case "TRUE":
      return true;
    case "false":
    case "False":
    case "FALSE":
      return false;
    default:
      return s;
  }
}

class Reader {
  readonly #text: string;
  /** Per line: where it starts, where it ends (its LF, or its CRLF's CR), its indentation, whether blank. */
  readonly #starts: number[] = [];
  readonly #ends: number[] = [];
  readonly #indents: number[] = [];
  readonly #blank: boolean[] = [];
  /** The next line to read. */
  #line = 0;
  #nesting = 0;
  /** Where the last quoted scalar, flow value or flow collection read ended. */
  #after = 0;
  /** Where the last value read started (a nested block's first character, or an inline value's). */
  #valueAt = 0;
  /** Whether the last key read is a string in the document (not `null:` or `true:`). */
  #keyIsText = true;
  readonly #places: WeakMap<object, Place> | undefined;

  constructor(text: string, places?: WeakMap<object, Place>) {
    this.#text = text;
    this.#places = places;
    if (NOT_ALLOWED.test(text)) throw outside;
    for (let start = 0; start <= text.length;) {
      let next = text.indexOf("\n", start);
      if (next === -1) next = text.length;
      // A CRLF line ends before its CR (a CR is allowed only there).
      const end = next > start && text.charCodeAt(next - 1) === CR ? next - 1 : next;
      let at = start;
      while (at < end && text.charCodeAt(at) === SPACE) at++;
      this.#starts.push(start);
      this.#ends.push(end);
      this.#indents.push(at - start);
      this.#blank.push(at === end || text.charCodeAt(at) === HASH);
      start = next + 1;
    }
  }

  document(): unknown {
    const line = this.#skipBlank();
    if (line === this.#starts.length) throw outside;
    const value = this.#block(this.#at(line));
    if (this.#skipBlank() !== this.#starts.length) throw outside;
    return value;
  }

  /** The first line from the current one that is not blank or a comment (or the line count). */
  #skipBlank(): number {
    let line = this.#line;
    while (line < this.#starts.length && this.#blank[line] === true) line++;
    this.#line = line;
    return line;
  }

  #at(line: number): number {
    return (this.#starts[line] as number) + (this.#indents[line] as number);
  }

  /** `-` followed by a space or the line's end. */
  #item(at: number, end: number): boolean {
    return this.#text.charCodeAt(at) === DASH && (at + 1 === end || this.#text.charCodeAt(at + 1) === SPACE);
  }

  /** A block collection starting at offset `at` of the current line. */
  #block(at: number): unknown {
    if (++this.#nesting > MAX_NESTING) throw outside;
    const line = this.#line;
    const column = at - (this.#starts[line] as number);
    const value = this.#item(at, this.#ends[line] as number)
      ? this.#sequence(column)
      : this.#mapping(column, at);
    this.#nesting--;
    return value;
  }

  #sequence(column: number): unknown[] {
    const items: unknown[] = [];
    const places: Items | null = this.#places === undefined ? null : new Map();
    const offset = this.#at(this.#line);
    for (;;) {
      const line = this.#skipBlank();
      if (line === this.#starts.length) break;
      const indent = this.#indents[line] as number;
      if (indent > column) throw outside;
      if (indent < column || !this.#item(this.#at(line), this.#ends[line] as number)) break;
      items.push(this.#entry(line, column));
      places?.set(items.length - 1, { key: this.#valueAt, value: this.#valueAt });
    }
    if (places !== null) this.#places?.set(items, { offset, items: places });
    return items;
  }

  /** One `-` entry of a block list whose dashes are at `column`. */
  #entry(line: number, column: number): unknown {
    const end = this.#ends[line] as number;
    let at = this.#at(line) + 1;
    while (at < end && this.#text.charCodeAt(at) === SPACE) at++;
    if (at === end || this.#text.charCodeAt(at) === HASH) {
      this.#line = line + 1;
      const value = this.#nested(column, false);
      // An empty entry: js-yaml takes the next `-` as this list's at any lesser indentation. Its call.
      if (value === null) throw outside;
      return value;
    }
    if (this.#item(at, end)) throw outside;
    if (this.#keyEnd(at, end) !== -1) {
      const value = this.#mapping(at - (this.#starts[line] as number), at);
      this.#valueAt = at;
      return value;
    }
    const value = this.#inline(at, end);
    this.#valueAt = at;
    this.#line = line + 1;
    return value;
  }

  /**
   * The value of an entry with nothing after it on its line: what is below, more indented than `column`
   * (or a list at `column` itself, for a mapping's value), or null.
   */
  #nested(column: number, listAtColumn: boolean): unknown {
    const line = this.#skipBlank();
    if (line === this.#starts.length) return null;
    const indent = this.#indents[line] as number;
    const at = this.#at(line);
    const end = this.#ends[line] as number;
    let value: unknown;
    if (
      (listAtColumn && indent === column && this.#item(at, end)) ||
      (indent > column && (this.#item(at, end) || this.#keyEnd(at, end) !== -1))
    )
      value = this.#block(at);
    else if (indent <= column) return null;
    else {
      // A scalar or flow collection on a line of its own; a line below it more indented than `column`
      // would continue it, and the caller steps aside at such a line.
      value = this.#inline(at, end);
      this.#line = line + 1;
    }
    this.#valueAt = at;
    return value;
  }

  /** Where a plain key starting at `at` ends (at its `:`, followed by a space or the end), or -1. */
  #keyEnd(at: number, end: number): number {
    const text = this.#text;
    if (!keyStart(text.charCodeAt(at))) return -1;
    let i = at + 1;
    while (i < end && keyPart(text.charCodeAt(i))) i++;
    if (i === end || text.charCodeAt(i) !== COLON) return -1;
    return i + 1 === end || text.charCodeAt(i + 1) === SPACE ? i : -1;
  }

  /** A plain key's name: resolved as any scalar is (`NULL:` is the key "null"), then made a string. */
  #key(at: number, end: number): string {
    this.#keyIsText = true;
    for (const known of KNOWN_KEYS[end - at] ?? []) if (this.#text.startsWith(known, at)) return known;
    const resolved = resolvePlain(this.#text.slice(at, end));
    // Such a key (`true:`) is no string in the document: a position asked for under it is its mapping's.
    this.#keyIsText = typeof resolved === "string";
    const key = String(resolved);
    if (key === "__proto__") throw outside;
    return key;
  }

  /** A block mapping whose keys are at `column`, the first of them at offset `at` of the current line. */
  #mapping(column: number, first: number): Record<string, unknown> {
    const record: Record<string, unknown> = {};
    const places: Items | null = this.#places === undefined ? null : new Map();
    let line = this.#line;
    let at = first;
    for (;;) {
      const end = this.#ends[line] as number;
      const keyEnd = this.#keyEnd(at, end);
      if (keyEnd === -1) throw outside;
      const key = this.#key(at, keyEnd);
      const keyIsText = this.#keyIsText;
      if (Object.hasOwn(record, key)) throw outside;
      let value = keyEnd + 1;
      while (value < end && this.#text.charCodeAt(value) === SPACE) value++;
      if (value === end || this.#text.charCodeAt(value) === HASH) {
        this.#line = line + 1;
        const nested = this.#nested(column, true);
        record[key] = nested;
        // An empty value has no node of its own: it is found at its key.
        if (keyIsText) places?.set(key, { key: at, value: nested === null ? at : this.#valueAt });
      } else {
        record[key] = this.#inline(value, end);
        if (keyIsText) places?.set(key, { key: at, value });
        this.#line = line + 1;
      }
      line = this.#skipBlank();
      if (line === this.#starts.length) break;
      const indent = this.#indents[line] as number;
      if (indent < column) break;
      if (indent > column) throw outside;
      at = this.#at(line);
      // A list item at the keys' column ends the mapping (it is the item of a list that holds it), if
      // anything does; the list checks its own column.
      if (this.#item(at, this.#ends[line] as number)) break;
    }
    if (places !== null) this.#places?.set(record, { offset: first, items: places });
    return record;
  }

  /** A value written on its line after `key: ` or `- `, up to the line's end or comment. */
  #inline(at: number, end: number): unknown {
    const text = this.#text;
    const c = text.charCodeAt(at);
    let value: unknown;
    if (c === OPEN_MAP || c === OPEN_LIST) {
      value = this.#flow(at, end, 1);
    } else if (c === QUOTE || c === APOSTROPHE) {
      value = this.#quoted(at, end);
    } else {
      if (indicator(c)) throw outside;
      let i = at;
      let last = at; // one past the last character that is not a space
      for (; i < end; i++) {
        const d = text.charCodeAt(i);
        if (d === SPACE) {
          if (text.charCodeAt(i + 1) === HASH) break;
          continue;
        }
        // `: ` would make a mapping; brackets inside a plain scalar are valid but rare: js-yaml's.
        if (d === COLON && (i + 1 === end || text.charCodeAt(i + 1) === SPACE)) throw outside;
        if (d === OPEN_LIST || d === CLOSE_LIST || d === OPEN_MAP || d === CLOSE_MAP) throw outside;
        last = i + 1;
      }
      return resolvePlain(text.slice(at, last));
    }
    const after = this.#after;
    let i = after;
    while (i < end && text.charCodeAt(i) === SPACE) i++;
    if (i < end && !(i > after && text.charCodeAt(i) === HASH)) throw outside;
    return value;
  }

  /** A quoted scalar closed on its line, without escapes: its text (the offset after it in `#after`). */
  #quoted(at: number, end: number): string {
    const text = this.#text;
    const quote = text.charCodeAt(at);
    const close = text.indexOf(quote === QUOTE ? '"' : "'", at + 1);
    if (close === -1 || close >= end) throw outside;
    const value = text.slice(at + 1, close);
    if (quote === QUOTE ? value.includes("\\") : text.charCodeAt(close + 1) === APOSTROPHE) throw outside;
    this.#after = close + 1;
    return value;
  }

  /** A flow collection closed on its line: its data (the offset after it in `#after`). */
  #flow(at: number, end: number, depth: number): unknown {
    if (this.#nesting + depth > MAX_NESTING) throw outside;
    return this.#text.charCodeAt(at) === OPEN_MAP
      ? this.#flowMapping(at, end, depth)
      : this.#flowList(at, end, depth);
  }

  #flowMapping(at: number, end: number, depth: number): Record<string, unknown> {
    const text = this.#text;
    const record: Record<string, unknown> = {};
    const places: Items | null = this.#places === undefined ? null : new Map();
    let i = this.#space(at + 1, end);
    if (text.charCodeAt(i) !== CLOSE_MAP)
      for (;;) {
        const keyEnd = this.#keyEnd(i, end);
        if (keyEnd === -1) throw outside;
        const key = this.#key(i, keyEnd);
        if (Object.hasOwn(record, key)) throw outside;
        const keyIsText = this.#keyIsText;
        const value = this.#space(keyEnd + 1, end);
        record[key] = this.#flowValue(value, end, depth);
        if (keyIsText) places?.set(key, { key: i, value });
        i = this.#space(this.#after, end);
        if (i >= end) throw outside;
        const c = text.charCodeAt(i);
        if (c === CLOSE_MAP) break;
        if (c !== COMMA) throw outside;
        i = this.#space(i + 1, end);
      }
    this.#after = i + 1;
    if (places !== null) this.#places?.set(record, { offset: at, items: places });
    return record;
  }

  #flowList(at: number, end: number, depth: number): unknown[] {
    const text = this.#text;
    const list: unknown[] = [];
    const places: Items | null = this.#places === undefined ? null : new Map();
    let i = this.#space(at + 1, end);
    if (text.charCodeAt(i) !== CLOSE_LIST)
      for (;;) {
        places?.set(list.length, { key: i, value: i });
        list.push(this.#flowValue(i, end, depth));
        i = this.#space(this.#after, end);
        if (i >= end) throw outside;
        const c = text.charCodeAt(i);
        if (c === CLOSE_LIST) break;
        if (c !== COMMA) throw outside;
        i = this.#space(i + 1, end);
      }
    this.#after = i + 1;
    if (places !== null) this.#places?.set(list, { offset: at, items: places });
    return list;
  }

  /** One value in a flow collection (the offset after it in `#after`). */
  #flowValue(at: number, end: number, depth: number): unknown {
    const text = this.#text;
    if (at >= end) throw outside;
    const c = text.charCodeAt(at);
    if (c === OPEN_MAP || c === OPEN_LIST) return this.#flow(at, end, depth + 1);
    if (c === QUOTE || c === APOSTROPHE) return this.#quoted(at, end);
    if (indicator(c)) throw outside;
    let i = at;
    let last = at;
    for (; i < end; i++) {
      const d = text.charCodeAt(i);
      if (d === COMMA || d === CLOSE_MAP || d === CLOSE_LIST) break;
      if (d === COLON || d === HASH || d === OPEN_MAP || d === OPEN_LIST) throw outside;
      if (d !== SPACE) last = i + 1;
    }
    this.#after = i;
    return resolvePlain(text.slice(at, last));
  }

  #space(at: number, end: number): number {
    let i = at;
    while (i < end && this.#text.charCodeAt(i) === SPACE) i++;
    return i;
  }
}
