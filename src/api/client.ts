import { setFlagsFromString } from "node:v8";
import type { Dispatcher } from "undici";
import { ApiError, FailureKind, parseRetryAfter, type RequestSummary } from "./http-error.js";
import { keepingDispatcher, proxyDispatcher, type ProxySettings } from "./proxy.js";

export type Method = "GET" | "PUT" | "POST" | "DELETE";

export interface ApiRequest {
  readonly method: Method;
  /** Path under the portal, starting `/api/2.0/`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly body?: unknown;
  readonly signal?: AbortSignal;
}

export interface ApiResponse<T> {
  readonly response: T;
  readonly httpStatus: number;
  /** Items on this page, for lists. */
  readonly count: number | null;
  /** All matches, for paged lists. */
  readonly total: number | null;
}

/** What the transport needs of a client: one request, no retries. */
export interface RequestClient {
  /** Normalised portal URL, no trailing slash. */
  readonly baseUrl: string;
  request<T>(req: ApiRequest): Promise<ApiResponse<T>>;
}

export interface ClientOptions {
  /** Normalised portal URL, no trailing slash. */
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly timeoutMs: number;
  /** Dry runs: any method but GET is refused before anything is sent. */
  readonly readOnly: boolean;
  readonly userAgent: string;
  readonly now?: () => number;
  /** The fetch to send with; tests pass the sandbox's in-process one. */
  readonly fetch?: typeof fetch;
  /** Answers larger than this are refused unread (default 64 MiB). */
  readonly maxBodyBytes?: number;
  /** HTTP(S)_PROXY / NO_PROXY, when the environment names a proxy. */
  readonly proxy?: ProxySettings | null;
}

/**
 * One DocSpace request over `fetch`: Bearer key, per-request timeout, the envelope unwrapped, and every
 * failure classified as an ApiError. No retries here: the engine decides those.
 */
export class DocSpaceClient implements RequestClient {
  readonly baseUrl: string;
  readonly readOnly: boolean;
  readonly #apiKey: string;
  readonly #timeoutMs: number;
  readonly #userAgent: string;
  readonly #now: () => number;
  readonly #fetch: typeof fetch;
  readonly #maxBodyBytes: number;
  readonly #proxy: ProxySettings | null;
  #dispatcher: Promise<Dispatcher> | null = null;
  #keeping: Promise<Dispatcher> | null = null;

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl;
    this.readOnly = options.readOnly;
    this.#apiKey = options.apiKey;
    this.#timeoutMs = options.timeoutMs;
    this.#userAgent = options.userAgent;
    this.#now = options.now ?? Date.now;
    this.#fetch = options.fetch ?? fetch;
    // fetch parses HTTP with llhttp compiled to WebAssembly. Once the parser is hot, V8 compiles it again
    // with its optimising compiler on a background thread, whose 30 MB of working memory (heaptrack) then
    // stays with the process, in that thread's malloc arena: a long run's last 7–14 MB. Its first tier
    // parses answers of a few hundred bytes fast enough. Set before fetch is loaded, which compiles the
    // parser (`--no-wasm-tier-up` does not stop the tiering that V8 does by need); here rather than at
    // start-up, so that the commands that send nothing (validate) do not load node:v8 for it.
    setFlagsFromString("--liftoff-only");
    // Node loads its fetch (undici, ~40 ms of CPU) on first use: here, as the client is made, with the
    // rest of start-up and before a run's clock starts, rather than inside its first request.
    if (options.fetch === undefined) new Headers();
    this.#maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
    this.#proxy = options.proxy ?? null;
  }

  async request<T>(req: ApiRequest): Promise<ApiResponse<T>> {
    const summary = { method: req.method, path: withQuery(req.path, req.query) };
    if (this.readOnly && req.method !== "GET") {
      throw new ApiError({ kind: FailureKind.ReadOnly, request: summary });
    }
    const headers: Record<string, string> = {
      Accept: "application/json",
      Authorization: `Bearer ${this.#apiKey}`,
      "User-Agent": this.#userAgent,
    };
    if (req.body !== undefined) headers["Content-Type"] = "application/json";
    // One controller per request, ended by its own timer or by the caller's signal (listened to only
    // while this request is out). AbortSignal.timeout and AbortSignal.any cost more than the request's
    // own handling here, and any() keeps its sources tied together.
    const controller = new AbortController();
    const ended = { byTimer: false };
    const timer = setTimeout(() => {
      ended.byTimer = true;
      controller.abort(new DOMException("The request timed out", "TimeoutError"));
    }, this.#timeoutMs);
    timer.unref();
    const stop = req.signal;
    const onStop = (): void => {
      controller.abort(stop?.reason);
    };
    if (stop?.aborted === true) onStop();
    else stop?.addEventListener("abort", onStop, { once: true });
    const signal = controller.signal;

    let res: Response;
    let text: string;
    try {
      // Through the proxy the environment names (Node's fetch takes undici's dispatcher); a DELETE with a
      // body through fetch's own dispatcher composed to keep its connection (see keepingDispatcher).
      const dispatcher =
        this.#proxy !== null
          ? await (this.#dispatcher ??= proxyDispatcher(this.#proxy))
          : req.method === "DELETE" && req.body !== undefined
            ? await (this.#keeping ??= keepingDispatcher())
            : undefined;
      res = await this.#fetch(`${this.baseUrl}${summary.path}`, {
        method: req.method,
        headers,
        ...(req.body === undefined ? {} : { body: JSON.stringify(req.body) }),
        signal,
        // Never followed. A request with a body asks fetch to fail on a redirect rather than hand it over:
        // under "manual" fetch copies every request, teeing its body, for a redirect it will not follow
        // (1–6 % of the CPU of a run that completes 1,000 moves with DELETEs). Such a request is a
        // write, after the reads have reached the same portal, so its status and place are hardly missed.
        redirect: req.body === undefined ? "manual" : "error",
        ...(dispatcher === undefined ? {} : ({ dispatcher } as unknown as RequestInit)),
      });
      const read = await readCapped(res, this.#maxBodyBytes);
      if (read === null) {
        throw new ApiError({
          kind: FailureKind.BadAnswer,
          request: summary,
          httpStatus: res.status,
          detail: `the answer is larger than ${Math.round(this.#maxBodyBytes / 1024 / 1024)} MiB, more than any DocSpace answer; it was not read`,
        });
      }
      text = read;
    } catch (err) {
      if (err instanceof ApiError) throw err;
      if (isRefusedRedirect(err)) throw redirected(summary, null, null);
      const kind = ended.byTimer
        ? FailureKind.Timeout
        : req.signal?.aborted === true
          ? FailureKind.Aborted
          : FailureKind.Network;
      const cause = stripCause(err);
      const code = codeOf(err);
      throw new ApiError({
        kind,
        request: summary,
        cause,
        ...(kind === FailureKind.Network && code !== null ? { detail: networkAdvice(code) } : {}),
      });
    } finally {
      clearTimeout(timer);
      stop?.removeEventListener("abort", onStop);
    }

    const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"), this.#now());
    // Never followed: the key would go wherever the portal points.
    if (res.status >= 300 && res.status < 400)
      throw redirected(summary, res.status, res.headers.get("location"));
    // 204 No Content (DELETE /group/{id}): a success with nothing to say.
    if (res.status === 204) return { response: null as T, httpStatus: 204, count: null, total: null };
    const body = parseJson(text);
    if (res.status < 200 || res.status >= 300) {
      throw new ApiError({
        kind: FailureKind.Http,
        request: summary,
        httpStatus: res.status,
        retryAfterMs,
        serverMessage: errorMessageOf(body),
      });
    }
    if (
      body === undefined ||
      body === null ||
      typeof body !== "object" ||
      !("status" in body || "response" in body)
    ) {
      throw new ApiError({ kind: FailureKind.Unparsable, request: summary, httpStatus: res.status });
    }
    const envelope = body as {
      status?: unknown;
      statusCode?: unknown;
      response?: unknown;
      count?: unknown;
      total?: unknown;
    };
    // DocSpace always writes "status"; an answer without it but with a response is read as a success.
    if (envelope.status !== 0 && envelope.status !== undefined) {
      // A 2xx whose envelope says "status": 1 is a failure; its statusCode decides how.
      throw new ApiError({
        kind: FailureKind.Envelope,
        request: summary,
        httpStatus: typeof envelope.statusCode === "number" ? envelope.statusCode : null,
        retryAfterMs,
        serverMessage: errorMessageOf(body),
      });
    }
    return {
      response: envelope.response as T,
      httpStatus: res.status,
      count: typeof envelope.count === "number" ? envelope.count : null,
      total: typeof envelope.total === "number" ? envelope.total : null,
    };
  }
}

/** A redirect, not followed: the status and the place it points to, when fetch handed them over. */
function redirected(request: RequestSummary, status: number | null, location: string | null): ApiError {
  const how = status === null ? "" : ` (HTTP ${status})`;
  const where = location === null ? "" : ` to ${location.slice(0, 200)}`;
  return new ApiError({
    kind: FailureKind.Redirect,
    request,
    httpStatus: status,
    detail: `the portal redirects${how}${where}; the tool does not follow redirects, so that the key goes only where you pointed it: use the address it redirects to as the portal URL`,
  });
}

/** fetch's failure for a redirect under `redirect: "error"`: "fetch failed", caused by "unexpected redirect". */
function isRefusedRedirect(err: unknown): boolean {
  const cause = (err as { cause?: unknown } | null)?.cause;
  return err instanceof TypeError && cause instanceof Error && cause.message === "unexpected redirect";
}

/** No DocSpace answer the tool reads comes near this; an endless body must not fill the memory. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** The body as text, or null when it is larger than `max` bytes (reading stops there). */
async function readCapped(res: Response, max: number): Promise<string | null> {
  const declared = Number(res.headers.get("content-length") ?? "NaN");
  if (declared > max) {
    await res.body?.cancel();
    return null;
  }
  if (res.body === null) return "";
  const reader: ReadableStreamDefaultReader<Uint8Array> = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function withQuery(path: string, query: ApiRequest["query"]): string {
  if (query === undefined) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
  const text = params.toString();
  return text === "" ? path : `${path}?${text}`;
}

function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorMessageOf(body: unknown): string | null {
  const error = (body as { error?: { message?: unknown } } | undefined)?.error;
  return typeof error?.message === "string" ? error.message.slice(0, 300) : null;
}

/** The system's or TLS's error code under fetch's "fetch failed" (ECONNREFUSED, CERT_HAS_EXPIRED, …). */
function codeOf(err: unknown): string | null {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current !== null && typeof current === "object"; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && code !== "UND_ERR_SOCKET") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

/** What a network failure means, named by its cause, and what to do about it. */
export function networkAdvice(code: string): string {
  const advice: Record<string, string> = {
    ECONNREFUSED: "nothing listens at that address and port; check the portal URL (and that the portal runs)",
    ENOTFOUND: "the host name does not resolve; check the portal URL, or the DNS and proxy settings",
    EAI_AGAIN: "the host name could not be resolved just now; check the DNS, then try again",
    ECONNRESET: "the connection was dropped; a proxy or firewall may be in the way",
    ETIMEDOUT: "the connection timed out; a firewall may drop it, or set HTTPS_PROXY if one is needed",
    EHOSTUNREACH: "the host cannot be reached from here; check the network or the proxy settings",
    CERT_HAS_EXPIRED: "the portal's TLS certificate has expired; the portal's administrator must renew it",
    DEPTH_ZERO_SELF_SIGNED_CERT:
      "the portal's certificate is self-signed; add its CA with NODE_EXTRA_CA_CERTS=/path/to/ca.pem",
    SELF_SIGNED_CERT_IN_CHAIN:
      "the certificate chain ends in a private CA; add it with NODE_EXTRA_CA_CERTS=/path/to/ca.pem",
    UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      "the certificate's issuer is unknown here; add the CA with NODE_EXTRA_CA_CERTS=/path/to/ca.pem",
    ERR_TLS_CERT_ALTNAME_INVALID: "the certificate is for another host name; check the portal URL",
  };
  return `the portal could not be reached (${code}): ${advice[code] ?? "check the portal URL and the network"}`;
}

/** undici's errors can carry the request (and so the Authorization header) deep inside; keep only text. */
function stripCause(err: unknown): Error {
  const error = err instanceof Error ? err : new Error(String(err));
  const inner = (error as { cause?: unknown }).cause;
  const code = (inner as { code?: unknown } | undefined)?.code;
  return new Error(`${error.name}: ${error.message}${typeof code === "string" ? ` (${code})` : ""}`);
}
