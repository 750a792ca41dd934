import { connect } from "../api/connect.js";
import { proxyFromEnv } from "../api/proxy.js";
import type { AttemptLog } from "../api/transport.js";
import { loadApiKey } from "../api/credentials.js";
import type { Clock } from "../api/clock.js";
import type { HttpPortal } from "../api/http-portal.js";
import type { Env } from "../manifest/check.js";
import { normalizePortalUrl } from "../manifest/portal-url.js";
import type { RunSettings } from "../report/types.js";

/** The portal in DOCSPACE_URL (or the manifest's URL) with the key from the environment. */
export async function portalFromEnv(
  env: Env,
  options: {
    portalUrl?: string | null;
    apiKeyEnv?: string;
    readOnly: boolean;
    settings: Omit<RunSettings, "verify">;
    stop: AbortSignal;
    clock: Clock;
    onAttempt?: ((entry: AttemptLog) => void) | undefined;
  },
): Promise<{ ok: true; portal: HttpPortal; warnings: readonly string[] } | { ok: false; message: string }> {
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
    warnings: key.warnings,
    portal: connect({
      portal: url.url,
      apiKey: key.apiKey,
      readOnly: options.readOnly,
      settings: options.settings,
      stop: options.stop,
      clock: options.clock,
      proxy: proxyFromEnv(env),
      onAttempt: options.onAttempt,
    }),
  };
}
