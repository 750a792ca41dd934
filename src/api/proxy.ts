import type { Dispatcher } from "undici";

/** The proxy variables, as curl and most tools read them: lower case first, then upper case. */
export interface ProxySettings {
  readonly httpProxy?: string;
  readonly httpsProxy?: string;
  readonly noProxy?: string;
}

/** The proxy settings in an environment, or null when it names no proxy (requests go direct). */
export function proxyFromEnv(env: Readonly<Record<string, string | undefined>>): ProxySettings | null {
  const pick = (name: string): string | undefined => {
    const value = env[name.toLowerCase()] ?? env[name.toUpperCase()];
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  };
  const httpProxy = pick("http_proxy");
  const httpsProxy = pick("https_proxy");
  const noProxy = pick("no_proxy");
  if (httpProxy === undefined && httpsProxy === undefined) return null;
  return {
    ...(httpProxy === undefined ? {} : { httpProxy }),
    ...(httpsProxy === undefined ? {} : { httpsProxy }),
    ...(noProxy === undefined ? {} : { noProxy }),
  };
}

/**
 * undici's EnvHttpProxyAgent for these settings (HTTP_PROXY for http://, HTTPS_PROXY for https://,
 * NO_PROXY honoured), loaded only when a proxy is set.
 */
export async function proxyDispatcher(settings: ProxySettings): Promise<Dispatcher> {
  const { EnvHttpProxyAgent } = await import("undici");
  return new EnvHttpProxyAgent({
    // An unset variable must not fall back to the process's own environment.
    httpProxy: settings.httpProxy ?? "",
    httpsProxy: settings.httpsProxy ?? "",
    noProxy: settings.noProxy ?? "",
  });
}
