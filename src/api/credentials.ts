import { constants } from "node:fs";
import { open } from "node:fs/promises";

export type KeyResult =
  { ok: true; apiKey: string; warnings: readonly string[] } | { ok: false; message: string };

/** DocSpace's keys: `sk-` and hex (64 digits as issued; any length from 16 is taken). */
const KEY_FORM = /^sk-[0-9a-fA-F]{16,512}$/;
/** A key file holds one key: anything longer is not a key file. */
const MAX_KEY_FILE = 4096;

/**
 * The API key, from the variable the manifest names (default DOCSPACE_API_KEY) or from the file named
 * by DOCSPACE_API_KEY_FILE. Never from argv or the manifest. Messages never include the key.
 */
export async function loadApiKey(
  env: Readonly<Record<string, string | undefined>>,
  variable = "DOCSPACE_API_KEY",
): Promise<KeyResult> {
  const direct = env[variable]?.trim();
  if (direct !== undefined && direct !== "") return checked(direct, variable, []);
  const file = env.DOCSPACE_API_KEY_FILE?.trim();
  if (file !== undefined && file !== "") return fromFile(file);
  return {
    ok: false,
    message: `no API key: set ${variable}, or DOCSPACE_API_KEY_FILE to a file that holds it (never on the command line)`,
  };
}

/**
 * A key file: a regular file (a FIFO, a device or a directory is refused before anything is read, and
 * opening never waits for a writer), at most 4 KiB, readable by its owner alone (else a warning, as ssh).
 */
async function fromFile(file: string): Promise<KeyResult> {
  const where = "the file named by DOCSPACE_API_KEY_FILE";
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    return { ok: false, message: `cannot read ${where} (${code})` };
  }
  try {
    const info = await handle.stat();
    if (!info.isFile())
      return { ok: false, message: `${where} is not a regular file; put the key in a file of its own` };
    if (info.size > MAX_KEY_FILE)
      return { ok: false, message: `${where} is ${info.size} bytes; a key file holds only the key` };
    const buffer = Buffer.alloc(MAX_KEY_FILE + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > MAX_KEY_FILE)
      return { ok: false, message: `${where} is too large; a key file holds only the key` };
    const warnings =
      (info.mode & 0o077) !== 0
        ? [
            `${where} can be read by others (mode ${(info.mode & 0o777).toString(8).padStart(4, "0")}); restrict it: chmod 600 ${file}`,
          ]
        : [];
    return checked(buffer.subarray(0, bytesRead).toString("utf8").trim(), where, warnings);
  } finally {
    await handle.close();
  }
}

function checked(key: string, where: string, warnings: readonly string[]): KeyResult {
  if (/^[A-Za-z_][A-Za-z0-9_]*\s*=/.test(key))
    return {
      ok: false,
      message: `${where} holds an assignment (NAME=...), not a key; put only the key in it`,
    };
  if (!KEY_FORM.test(key))
    return {
      ok: false,
      message: `the API key in ${where} is not of DocSpace's form (sk- followed by hex digits); check that it was copied whole`,
    };
  return { ok: true, apiKey: key, warnings };
}
