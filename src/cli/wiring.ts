import { DocSpaceClient } from "../api/client.js";
import { loadApiKey } from "../api/credentials.js";
import type { Env } from "../manifest/check.js";
import { normalizePortalUrl } from "../manifest/portal-url.js";
import { TOOL } from "../version.js";

/** A client for the portal in DOCSPACE_URL (or the manifest's URL) with the key from the environment. */
export async function clientFromEnv(
  env: Env,
  options: { portalUrl?: string | null; apiKeyEnv?: string; readOnly: boolean; timeoutMs: number },
): Promise<{ ok: true; client: DocSpaceClient } | { ok: false; message: string }> {
  const raw = options.portalUrl ?? env.DOCSPACE_URL;
  if (raw === undefined || raw.trim() === "") {
    return { ok: false, message: "no portal URL: set DOCSPACE_URL (or portal.url in the manifest)" };
  }
  const url = normalizePortalUrl(raw);
  if (!url.ok) return { ok: false, message: `DOCSPACE_URL: ${url.message}` };
  const key = await loadApiKey(env, options.apiKeyEnv);
  if (!key.ok) return { ok: false, message: key.message };
  return {
    ok: true,
    client: new DocSpaceClient({
      baseUrl: url.url,
      apiKey: key.apiKey,
      timeoutMs: options.timeoutMs,
      readOnly: options.readOnly,
      userAgent: `${TOOL.name}/${TOOL.version}`,
    }),
  };
}
