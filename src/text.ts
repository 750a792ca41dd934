/**
 * Strings that leave the process: secrets removed from every one, and control characters escaped in the
 * ones meant for a terminal. Applied at the edges (the CLI's streams, the log, files written), so no
 * string from a portal or a manifest can show a key or drive a terminal, wherever it was built.
 */

/** An API key as DocSpace issues them (and any longer run of the same shape). */
const API_KEY = /sk-[0-9a-fA-F]{16,}/g;

/** Replaces anything that looks like an API key, so a key echoed by a portal or pasted into the wrong place is never shown. */
export const redactSecrets = (text: string): string => text.replace(API_KEY, "sk-***");

/**
 * C0 controls but tab and newline, DEL, C1 controls, and the bidirectional formatting characters
 * (U+202A–U+202E, U+2066–U+2069): what lets text set a terminal's title, plant links, clear the screen
 * or reorder what a reader sees.
 */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const hex = (code: number, width: number): string => code.toString(16).padStart(width, "0");

/** Control characters written out as `\x1b` or `\u202e`, so they show instead of acting. */
export const escapeControls = (text: string): string =>
  text.replace(CONTROLS, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`;
  });

/** A line for people: no secrets, no control characters. */
export const forTerminal = (text: string): string => escapeControls(redactSecrets(text));

/**
 * The same text, stored as one piece. V8 keeps a string built with `+` or a template literal as a tree of
 * its parts (about twice the memory) until a character of it is read; text kept to the end of a long run
 * (a result's warnings) is read once here, which stores it flat.
 */
export function flat(text: string): string {
  text.charCodeAt(0);
  return text;
}
