import pRetry, { AbortError } from "p-retry";
import { PortalError, PortalErrorKind, type CallOptions } from "../portal/port.js";
import type { ApiRequest, ApiResponse, RequestClient } from "./client.js";
import type { Clock } from "./clock.js";
import { Governor, WaitAborted } from "./governor.js";
import { ApiError, FailureKind } from "./http-error.js";
import { classify, DEFAULT_RETRY_POLICY, isUnreachable, Verdict, type RetryPolicy } from "./retry-policy.js";

/** The command was asked to stop: no new attempt starts. */
export class InterruptedError extends Error {
  override readonly name = "InterruptedError";
}

/**
 * The stop signal, listened to once: requests waiting to retry register here for as long as they wait,
 * so a run of any size keeps one listener on the signal (no MaxListenersExceededWarning, no quadratic
 * cost of adding and removing listeners on a shared signal).
 */
export class StopWatch {
  readonly signal: AbortSignal | undefined;
  readonly #waiting = new Set<() => void>();

  constructor(signal?: AbortSignal) {
    this.signal = signal;
    signal?.addEventListener(
      "abort",
      () => {
        for (const wake of [...this.#waiting]) wake();
        this.#waiting.clear();
      },
      { once: true },
    );
  }

  get aborted(): boolean {
    return this.signal?.aborted === true;
  }

  /** Calls `wake` on a stop (at once if stopped already); the returned function stops listening. */
  when(wake: () => void): () => void {
    if (this.aborted) {
      wake();
      return () => undefined;
    }
    this.#waiting.add(wake);
    return () => this.#waiting.delete(wake);
  }
}

const NEVER = new StopWatch();

/** One rate budget, one retry policy and one stop for every request of a command. */
export interface Transport {
  readonly client: RequestClient;
  readonly governor: Governor;
  readonly policy: RetryPolicy;
  readonly stop: StopWatch;
  /** Every retry of the command, for the report. */
  readonly counters: { retries: number };
  /** Each attempt as it ends (`--log-level debug`). */
  readonly onAttempt?: ((entry: AttemptLog) => void) | undefined;
}

/** One attempt, for the debug log: never the key (it is only in a header). */
export interface AttemptLog {
  readonly method: string;
  readonly path: string;
  readonly status: number | null;
  readonly attempt: number;
  readonly ms: number;
  /** How it failed, when it did. */
  readonly failure?: string;
}

/**
 * One request through the governor, retried as the policy says (p-retry: exponential backoff, jitter).
 * Fails with a PortalError whose kind says how the command should react.
 */
export async function send<T>(
  t: Transport,
  request: ApiRequest,
  call: CallOptions = {},
): Promise<ApiResponse<T>> {
  const finishing = call.finishing === true;
  const stop = finishing ? NEVER : t.stop;
  let attempts = 0;
  // p-retry rejects at once when its signal aborts, even mid-request. A stop must let the request in
  // flight finish, so p-retry's signal aborts only while it waits between attempts.
  const waits = new AbortController();
  let unlisten = (): void => undefined;
  try {
    return await pRetry(
      async () => {
        unlisten();
        if (stop.aborted) throw new AbortError(new InterruptedError("interrupted before the attempt"));
        try {
          // Counted when sent: a stop while waiting for the governor leaves the attempt unmade.
          const response = await t.governor.run(() => {
            attempts++;
            if (call.tally !== undefined) call.tally.attempts++;
            return t.onAttempt === undefined ? t.client.request<T>(request) : logged<T>(t, request, attempts);
          }, stop.signal);
          t.governor.succeeded();
          return response;
        } catch (err) {
          if (err instanceof WaitAborted)
            throw new AbortError(new InterruptedError("interrupted while waiting for the rate budget"));
          throw err;
        }
      },
      {
        retries: finishing && t.stop.aborted ? 0 : t.policy.retries,
        factor: 2,
        minTimeout: t.policy.baseBackoffMs,
        maxTimeout: t.policy.maxBackoffMs,
        randomize: true,
        signal: waits.signal,
        onFailedAttempt: ({ error, retriesLeft }) => {
          if (!(error instanceof ApiError)) return;
          const verdict = classify(error, t.policy);
          // A wait longer than --max-wait is never slept through: the command defers instead.
          const wait = verdict === Verdict.Defer ? null : error.retryAfterMs;
          if (error.httpStatus === 429) t.governor.rateLimited(wait, verdict !== Verdict.Defer);
          else if (wait !== null) t.governor.hold(wait);
          if (retriesLeft > 0 && verdict === Verdict.Retry && !stop.aborted) {
            t.counters.retries++;
            call.onRetry?.({
              attempt: attempts,
              retriesLeft,
              httpStatus: error.httpStatus,
              kind: error.kind,
              message: error.message,
            });
            unlisten = stop.when(() => {
              waits.abort(new InterruptedError("interrupted while waiting to retry"));
            });
          }
        },
        shouldRetry: ({ error }) => !stop.aborted && classify(error, t.policy) === Verdict.Retry,
      },
    );
  } catch (err) {
    throw portalErrorOf(err, attempts, t.policy, stop.aborted);
  } finally {
    unlisten();
  }
}

/** The request, and a debug line for it when it ends. */
async function logged<T>(t: Transport, request: ApiRequest, attempt: number): Promise<ApiResponse<T>> {
  const started = performance.now();
  const entry = {
    method: request.method,
    path: request.path,
    attempt,
  };
  try {
    const response = await t.client.request<T>(request);
    t.onAttempt?.({ ...entry, status: response.httpStatus, ms: Math.round(performance.now() - started) });
    return response;
  } catch (err) {
    t.onAttempt?.({
      ...entry,
      status: err instanceof ApiError ? err.httpStatus : null,
      ms: Math.round(performance.now() - started),
      failure: err instanceof ApiError ? err.kind : "error",
    });
    throw err;
  }
}

/** A failed request as the command should see it. Anything but a request failure is a bug: rethrown. */
function portalErrorOf(err: unknown, attempts: number, policy: RetryPolicy, stopped: boolean): PortalError {
  const init = { attempts, cause: err };
  if (err instanceof InterruptedError) return new PortalError(PortalErrorKind.Interrupted, err.message, init);
  if (!(err instanceof ApiError)) throw err;
  const more = { ...init, httpStatus: err.httpStatus, retryAfterMs: err.retryAfterMs, failure: err.kind };
  const verdict = classify(err, policy);
  // Stopped with a retry still to come: the request was waiting to retry, so it is interrupted.
  if (stopped && verdict === Verdict.Retry)
    return new PortalError(PortalErrorKind.Interrupted, "interrupted while waiting to retry", more);
  if (verdict === Verdict.Abort) return new PortalError(PortalErrorKind.Aborted, err.message, more);
  if (isUnreachable(err)) return new PortalError(PortalErrorKind.Unreachable, err.message, more);
  if (verdict === Verdict.Defer) {
    const seconds = Math.round((err.retryAfterMs ?? 0) / 1000);
    return new PortalError(
      PortalErrorKind.Deferred,
      `${err.request.method} ${err.request.path}: the portal asks to wait ${seconds} s, longer than --max-wait`,
      more,
    );
  }
  if (err.kind === FailureKind.Unparsable || err.kind === FailureKind.BadAnswer)
    return new PortalError(PortalErrorKind.BadAnswer, err.message, more);
  return new PortalError(PortalErrorKind.Failed, err.message, more);
}

/** The transport for a client: one governor, one retry policy, one stop. */
export function createTransport(options: {
  client: RequestClient;
  stop: AbortSignal;
  clock: Clock;
  rate: number;
  concurrency: number;
  retries: number;
  maxWaitSeconds: number;
  baseBackoffMs?: number | undefined;
  onAttempt?: ((entry: AttemptLog) => void) | undefined;
}): Transport {
  const policy: RetryPolicy = {
    ...DEFAULT_RETRY_POLICY,
    retries: options.retries,
    maxWaitMs: options.maxWaitSeconds * 1000,
    ...(options.baseBackoffMs === undefined
      ? {}
      : { baseBackoffMs: options.baseBackoffMs, maxBackoffMs: options.baseBackoffMs * 8 }),
  };
  const governor = new Governor({
    ratePerMinute: options.rate,
    concurrency: options.concurrency,
    clock: options.clock,
  });
  return {
    client: options.client,
    governor,
    policy,
    stop: new StopWatch(options.stop),
    counters: { retries: 0 },
    onAttempt: options.onAttempt,
  };
}
