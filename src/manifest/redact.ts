import { escapeControls, redactSecrets } from "../text.js";

export { redactSecrets } from "../text.js";

/** A value quoted for a message, shortened, with secrets removed and control characters escaped. */
export function quote(value: unknown): string {
  const text =
    typeof value === "string"
      ? JSON.stringify(value)
      : value === undefined
        ? "nothing"
        : JSON.stringify(value);
  const safe = escapeControls(redactSecrets(text));
  return safe.length > 80 ? `${safe.slice(0, 77)}...` : safe;
}
