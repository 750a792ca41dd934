import { ApiError, FailureKind } from "./http-error.js";

/** What to do with a failed request: data plus one predicate. */
export interface RetryPolicy {
  /** Retries per request after the first attempt. */
  readonly retries: number;
  /** First backoff; each retry doubles it, up to maxBackoffMs, randomised ×1–2 (p-retry's jitter). */
  readonly baseBackoffMs: number;
  readonly maxBackoffMs: number;
  /** The longest Retry-After worth sleeping through; a longer one defers the run. */
  readonly maxWaitMs: number;
  readonly retryStatuses: ReadonlySet<number>;
  /** Never retried, whatever else applies. */
  readonly neverStatuses: ReadonlySet<number>;
  /** Statuses that stop the whole run: the key or its user may not do this. */
  readonly fatalStatuses: ReadonlySet<number>;
}

export const DEFAULT_RETRY_POLICY = {
  retries: 5,
  baseBackoffMs: 500,
  maxBackoffMs: 30_000,
  maxWaitMs: 300_000,
  retryStatuses: new Set([408, 429, 500, 502, 503, 504]),
  neverStatuses: new Set([400, 401, 403, 404]),
  fatalStatuses: new Set([401, 403]),
} as const satisfies RetryPolicy;

export const Verdict = {
  /** Transient: try again after a backoff (or the server's Retry-After). */
  Retry: "retry",
  /** This request failed for good; the move fails. */
  Fail: "fail",
  /** Authentication or permission refused: stop scheduling, exit 3. */
  Abort: "abort",
  /** The server asks to wait longer than --max-wait: leave the rest for the next run, exit 4. */
  Defer: "defer",
} as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

/** The retry decision, apart from the mechanism: a pure function of the error and the policy. */
export function classify(error: unknown, policy: RetryPolicy): Verdict {
  if (!(error instanceof ApiError)) return Verdict.Fail;
  switch (error.kind) {
    case FailureKind.Network:
    case FailureKind.Timeout:
      return Verdict.Retry;
    case FailureKind.ReadOnly:
    case FailureKind.Aborted:
    case FailureKind.Unparsable:
    case FailureKind.BadAnswer:
      return Verdict.Fail;
    case FailureKind.Redirect:
      // Every request would go the same way: nothing can be done on this URL.
      return Verdict.Abort;
    case FailureKind.Http:
    case FailureKind.Envelope: {
      const status = error.httpStatus;
      if (status === null) return Verdict.Fail;
      if (policy.fatalStatuses.has(status)) return Verdict.Abort;
      if (policy.neverStatuses.has(status)) return Verdict.Fail;
      if (!policy.retryStatuses.has(status)) return Verdict.Fail;
      if (error.retryAfterMs !== null && error.retryAfterMs > policy.maxWaitMs) return Verdict.Defer;
      return Verdict.Retry;
    }
  }
}

/** Failures that mean the portal cannot be reached at all; after the retries they stop the run. */
export const isUnreachable = (error: unknown): boolean =>
  error instanceof ApiError && (error.kind === FailureKind.Network || error.kind === FailureKind.Timeout);
