import { redactSecrets } from "../text.js";

/** Checks and normalises a portal URL. Pure: the environment is passed in. */
export type UrlResult = { ok: true; url: string } | { ok: false; rule: string; message: string };

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

export const isLoopbackHost = (hostname: string): boolean => LOOPBACK.test(hostname);

/** The variables that hold the key: never part of a URL, which is shown, logged and sent in every request line. */
export const KEY_VARIABLES = ["DOCSPACE_API_KEY", "DOCSPACE_API_KEY_FILE"];

/**
 * Replaces `${NAME}` with the variable's value; a missing or empty variable is named in the error, and a
 * variable that holds the key (`secretNames`) is refused.
 */
export function expandEnv(
  raw: string,
  env: Readonly<Record<string, string | undefined>>,
  secretNames: readonly string[] = KEY_VARIABLES,
): UrlResult {
  const secret = [...raw.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)]
    .map((m) => m[1] ?? "")
    .filter((name) => secretNames.includes(name));
  if (secret.length > 0) {
    return {
      ok: false,
      rule: "key-in-url",
      message: `\${${secret[0] ?? ""}} holds the API key, which must never be part of the URL (it would show in the report, the log and every request); write the portal's address here`,
    };
  }
  const missing: string[] = [];
  const url = raw.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_match, name: string) => {
    const value = env[name];
    if (value === undefined || value === "") missing.push(name);
    return value ?? "";
  });
  if (missing.length > 0) {
    return {
      ok: false,
      rule: "missing-env",
      message: `environment variable ${missing.join(", ")} is not set; set it or write the portal URL here`,
    };
  }
  return { ok: true, url };
}

export function normalizePortalUrl(raw: string): UrlResult {
  let parsed: URL;
  try {
    parsed = new URL(raw.trim());
  } catch {
    // The text is not echoed: it may hold credentials.
    return {
      ok: false,
      rule: "bad-url",
      message: "not a valid URL; write it as https://your-portal.example.com",
    };
  }
  if (parsed.username !== "" || parsed.password !== "") {
    return {
      ok: false,
      rule: "url-credentials",
      message:
        "the URL contains credentials; remove them (user:password@) and give the API key in DOCSPACE_API_KEY or DOCSPACE_API_KEY_FILE",
    };
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    return { ok: false, rule: "bad-url", message: `${parsed.protocol} URLs are not supported; use https://` };
  }
  if (parsed.protocol === "http:" && !isLoopbackHost(parsed.hostname)) {
    return {
      ok: false,
      rule: "insecure-url",
      message: `http:// to ${parsed.hostname} would send the API key in clear text; use https:// (plain http is only allowed for loopback hosts)`,
    };
  }
  if (parsed.search !== "" || parsed.hash !== "") {
    return {
      ok: false,
      rule: "bad-url",
      message: "the portal URL must not have a query (?...) or fragment (#...)",
    };
  }
  const path = parsed.pathname.replace(/\/+$/, "");
  if (redactSecrets(path) !== path) {
    return {
      ok: false,
      rule: "key-in-url",
      message:
        "the URL holds what looks like an API key; write only the portal's address, and give the key in DOCSPACE_API_KEY",
    };
  }
  return { ok: true, url: `${parsed.origin}${path}` };
}

/** `${VAR}` expansion, then the checks above. */
export const resolvePortalUrl = (
  raw: string,
  env: Readonly<Record<string, string | undefined>>,
  secretNames: readonly string[] = KEY_VARIABLES,
): UrlResult => {
  const expanded = expandEnv(raw, env, secretNames);
  return expanded.ok ? normalizePortalUrl(expanded.url) : expanded;
};
