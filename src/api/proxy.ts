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
 * NO_PROXY honoured), loaded only when a proxy is set; it keeps connections as `keepingConnections` says.
 */
export async function proxyDispatcher(settings: ProxySettings): Promise<Dispatcher> {
  const { EnvHttpProxyAgent } = await import("undici");
  return new EnvHttpProxyAgent({
    // An unset variable must not fall back to the process's own environment.
    httpProxy: settings.httpProxy ?? "",
    httpsProxy: settings.httpsProxy ?? "",
    noProxy: settings.noProxy ?? "",
  }).compose(keepingConnections);
}

/**
 * A dispatcher for requests fetch's own would send on a connection of their own (a portal before v3.7.1,
 * whose moves are completed by `DELETE /group/{id}/members`): fetch's shared dispatcher, under the key
 * undici documents for it, composed to keep the connection, so that those requests share its pool and its
 * warmed code; where the process shows none (another module context), undici's Agent, loaded then.
 */
export async function keepingDispatcher(): Promise<Dispatcher> {
  const shared = (globalThis as Record<symbol, unknown>)[Symbol.for("undici.globalDispatcher.1")];
  if (isDispatcher(shared)) return shared.compose(keepingConnections);
  const { Agent } = await import("undici");
  return new Agent().compose(keepingConnections);
}

function isDispatcher(value: unknown): value is Dispatcher {
  return typeof (value as Dispatcher | undefined)?.compose === "function";
}

/**
 * undici closes the connection after any request with a body whose method does not expect one (a
 * DELETE with its list of members), lest a server that ignores such a body read it as the next request:
 * on a live portal, a new TCP and TLS handshake for every move a pre-3.7.1 portal completes. DocSpace
 * reads that body (its API takes the members there, and its SDKs send them so), and fetch frames it by
 * its Content-Length, as HTTP/1.1 frames a body whatever the method, so the connection is kept.
 */
const keepingConnections: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (options, handler) =>
  dispatch({ ...options, reset: false }, handler);
