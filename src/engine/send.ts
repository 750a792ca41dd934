import pRetry, { AbortError } from "p-retry";
import type { ApiRequest, ApiResponse, DocSpaceClient } from "../api/client.js";
import { ApiError } from "../api/http-error.js";
import { Governor, WaitAborted, type Clock } from "./governor.js";
import { classify, DEFAULT_RETRY_POLICY, Verdict, type RetryPolicy } from "./retry-policy.js";

/** The run was asked to stop: no new attempt starts. */
export class InterruptedError extends Error {
  override readonly name = "InterruptedError";
}

export interface SendContext {
  readonly client: DocSpaceClient;
  readonly governor: Governor;
  readonly policy: RetryPolicy;
  /** Aborted on SIGINT/SIGTERM: waits between attempts end and no attempt starts. */
  readonly stop: AbortSignal;
  /** Called before each retry, for the log. */
  readonly onRetry?: (error: ApiError, attempt: number, retriesLeft: number) => void;
  /** Counts every retry of the run, for the report. */
  readonly counters: { retries: number };
}

export interface Sent<T> {
  readonly result: ApiResponse<T>;
  readonly attempts: number;
}

/** A failure after retries, with the number of attempts made. */
export class SendError extends Error {
  override readonly name = "SendError";
  readonly attempts: number;
  constructor(cause: unknown, attempts: number) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.attempts = attempts;
  }
}

/** One request through the governor, retried as the policy says (p-retry: exponential backoff, jitter). */
export async function send<T>(ctx: SendContext, request: ApiRequest): Promise<Sent<T>> {
  let attempts = 0;
  // p-retry rejects at once when its signal aborts, even mid-request. A stop must let the request in
  // flight finish, so p-retry's signal aborts only while it waits between attempts.
  const waits = new AbortController();
  const stopped = (): boolean => ctx.stop.aborted; // read afresh after each await
  let inFlight = false;
  const onStop = (): void => {
    if (!inFlight) waits.abort(new InterruptedError("interrupted while waiting to retry"));
  };
  ctx.stop.addEventListener("abort", onStop, { once: true });
  try {
    const result = await pRetry(
      async () => {
        if (stopped()) throw new AbortError(new InterruptedError("interrupted before the attempt"));
        inFlight = true;
        try {
          // Counted when sent: a stop while waiting for the governor leaves the attempt unmade.
          const response = await ctx.governor.run(() => {
            attempts++;
            return ctx.client.request<T>(request);
          }, ctx.stop);
          ctx.governor.succeeded();
          return response;
        } catch (err) {
          if (err instanceof WaitAborted)
            throw new AbortError(new InterruptedError("interrupted while waiting for the rate budget"));
          if (stopped()) waits.abort(new InterruptedError("interrupted after a failed attempt"));
          throw err;
        } finally {
          inFlight = false;
        }
      },
      {
        retries: ctx.policy.retries,
        factor: 2,
        minTimeout: ctx.policy.baseBackoffMs,
        maxTimeout: ctx.policy.maxBackoffMs,
        randomize: true,
        signal: waits.signal,
        onFailedAttempt: ({ error, retriesLeft }) => {
          if (!(error instanceof ApiError)) return;
          if (error.httpStatus === 429) ctx.governor.rateLimited(error.retryAfterMs);
          else if (error.retryAfterMs !== null) ctx.governor.hold(error.retryAfterMs);
          if (retriesLeft > 0 && classify(error, ctx.policy) === Verdict.Retry) {
            ctx.counters.retries++;
            ctx.onRetry?.(error, attempts, retriesLeft);
          }
        },
        shouldRetry: ({ error }) => !ctx.stop.aborted && classify(error, ctx.policy) === Verdict.Retry,
      },
    );
    return { result, attempts };
  } catch (err) {
    // Stopped with a retry still to come: the move was waiting to retry, so it is interrupted.
    const wouldRetry = !(err instanceof ApiError) || classify(err, ctx.policy) === Verdict.Retry;
    const cause =
      ctx.stop.aborted && wouldRetry ? new InterruptedError("interrupted while waiting to retry") : err;
    throw new SendError(cause, attempts);
  } finally {
    ctx.stop.removeEventListener("abort", onStop);
  }
}

/** The governor, policy and counters for a client: one rate budget and one retry policy for a command. */
export function createSendContext(options: {
  client: DocSpaceClient;
  stop: AbortSignal;
  clock: Clock;
  rate: number;
  concurrency: number;
  retries: number;
  maxWaitSeconds: number;
  baseBackoffMs?: number | undefined;
}): SendContext {
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
  return { client: options.client, governor, policy, stop: options.stop, counters: { retries: 0 } };
}
