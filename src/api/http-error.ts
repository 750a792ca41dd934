/** How a request failed; the retry policy and the engine decide on this, never on message text. */
export const FailureKind = {
  Network: "network",
  Timeout: "timeout",
  Http: "http",
  Envelope: "envelope",
  Unparsable: "unparsable",
  /** JSON DocSpace could send, but not of the shape the tool relies on; or an answer too large to read. */
  BadAnswer: "bad-answer",
  /** A 3xx: never followed. */
  Redirect: "redirect",
  ReadOnly: "read-only",
  Aborted: "aborted",
} as const;
export type FailureKind = (typeof FailureKind)[keyof typeof FailureKind];

/** The request as it may be shown: method and path, never headers (the key lives there). */
export interface RequestSummary {
  readonly method: string;
  readonly path: string;
}

/** A failed DocSpace request. Carries what the engine needs; its message never holds a secret. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly kind: FailureKind;
  /** HTTP status, or the envelope's `statusCode` for a 2xx with `"status": 1`; null without an answer. */
  readonly httpStatus: number | null;
  readonly request: RequestSummary;
  /** From `Retry-After`, in milliseconds; null when absent or unreadable. */
  readonly retryAfterMs: number | null;
  /** The server's own error message, when its body had one. */
  readonly serverMessage: string | null;

  constructor(init: {
    kind: FailureKind;
    request: RequestSummary;
    httpStatus?: number | null;
    retryAfterMs?: number | null;
    serverMessage?: string | null;
    /** Our own words for what went wrong, in place of the generic ones. */
    detail?: string;
    cause?: unknown;
  }) {
    const status = init.httpStatus ?? null;
    const detail = init.serverMessage ?? null;
    super(
      `${init.request.method} ${init.request.path}: ${init.detail ?? describeFailure(init.kind, status)}${detail === null ? "" : ` (${detail})`}`,
      init.cause === undefined ? undefined : { cause: init.cause },
    );
    this.kind = init.kind;
    this.httpStatus = status;
    this.request = init.request;
    this.retryAfterMs = init.retryAfterMs ?? null;
    this.serverMessage = detail;
  }
}

function describeFailure(kind: FailureKind, status: number | null): string {
  switch (kind) {
    case FailureKind.Network:
      return "the portal could not be reached";
    case FailureKind.Timeout:
      return "no answer before the timeout";
    case FailureKind.Http:
      return `HTTP ${status ?? "?"}${status === 401 ? " (the API key was not accepted)" : status === 403 ? " (access denied)" : status === 429 ? " (rate limited)" : ""}`;
    case FailureKind.Envelope:
      return `the portal answered with an error (statusCode ${status ?? "?"})`;
    case FailureKind.Unparsable:
      return "the answer was not the JSON DocSpace sends";
    case FailureKind.BadAnswer:
      return "the answer was not of the shape DocSpace sends";
    case FailureKind.Redirect:
      return `the portal redirects (HTTP ${status ?? "?"}); the tool does not follow redirects`;
    case FailureKind.ReadOnly:
      return "refused: this client is read-only (dry run), and only GET requests may be sent";
    case FailureKind.Aborted:
      return "cancelled";
  }
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from `now`; null when unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
