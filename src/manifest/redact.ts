/** An API key as DocSpace issues them. */
const API_KEY = /sk-[0-9a-fA-F]{16,}/g;

/** Replaces anything that looks like an API key, so a key pasted into the wrong place is never echoed. */
export const redactSecrets = (text: string): string => text.replace(API_KEY, "sk-***");

/** A value quoted for a message, shortened and with secrets removed. */
export function quote(value: unknown): string {
  const text =
    typeof value === "string"
      ? JSON.stringify(value)
      : value === undefined
        ? "nothing"
        : JSON.stringify(value);
  const safe = redactSecrets(text);
  return safe.length > 80 ? `${safe.slice(0, 77)}...` : safe;
}
