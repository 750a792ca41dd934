import { escapeControls, redactSecrets } from "../text.js";

export { redactSecrets } from "../text.js";

/** A value quoted for a message, shortened, with secrets removed and control characters escaped. */
export function quote(value: unknown): string {
  // JSON.stringify gives undefined for what JSON cannot hold (a symbol, a function).
  const json: unknown = value === undefined ? undefined : JSON.stringify(value);
  const text = value === undefined ? "nothing" : typeof json === "string" ? json : typeof value;
  const safe = escapeControls(redactSecrets(text));
  return safe.length > 80 ? `${safe.slice(0, 77)}...` : safe;
}
