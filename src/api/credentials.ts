import { readFile } from "node:fs/promises";

export type KeyResult = { ok: true; apiKey: string } | { ok: false; message: string };

/**
 * The API key, from the variable the manifest names (default DOCSPACE_API_KEY) or from the file named
 * by DOCSPACE_API_KEY_FILE. Never from argv or the manifest. Messages never include the key.
 */
export async function loadApiKey(
  env: Readonly<Record<string, string | undefined>>,
  variable = "DOCSPACE_API_KEY",
): Promise<KeyResult> {
  const direct = env[variable]?.trim();
  if (direct !== undefined && direct !== "") return checked(direct, variable);
  const file = env.DOCSPACE_API_KEY_FILE?.trim();
  if (file !== undefined && file !== "") {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "error";
      return { ok: false, message: `cannot read the key file named by DOCSPACE_API_KEY_FILE (${code})` };
    }
    return checked(text.trim(), "the file named by DOCSPACE_API_KEY_FILE");
  }
  return {
    ok: false,
    message: `no API key: set ${variable}, or DOCSPACE_API_KEY_FILE to a file that holds it (never on the command line)`,
  };
}

function checked(key: string, where: string): KeyResult {
  if (key === "" || /\s/.test(key))
    return { ok: false, message: `the API key in ${where} is empty or has spaces in it` };
  return { ok: true, apiKey: key };
}
