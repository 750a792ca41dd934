/** Checks and normalises a portal URL. Pure: the environment is passed in. */
export type UrlResult = { ok: true; url: string } | { ok: false; rule: string; message: string };

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

export const isLoopbackHost = (hostname: string): boolean => LOOPBACK.test(hostname);

/** Replaces `${NAME}` with the variable's value; a missing or empty variable is named in the error. */
export function expandEnv(raw: string, env: Readonly<Record<string, string | undefined>>): UrlResult {
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
  return { ok: true, url: `${parsed.origin}${path}` };
}

/** `${VAR}` expansion, then the checks above. */
export const resolvePortalUrl = (
  raw: string,
  env: Readonly<Record<string, string | undefined>>,
): UrlResult => {
  const expanded = expandEnv(raw, env);
  return expanded.ok ? normalizePortalUrl(expanded.url) : expanded;
};
