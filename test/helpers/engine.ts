import { pino } from "pino";
import { DocSpaceClient } from "../../src/api/client.js";
import { fakeClock } from "./clock.js";
import { HttpPortal } from "../../src/api/http-portal.js";
import { createTransport } from "../../src/api/transport.js";
import { execute, type ExecuteInput, type ExecuteResult } from "../../src/engine/execute.js";
import { checkManifest } from "../../src/manifest/check.js";
import type { MoveSpec } from "../../src/manifest/types.js";
import { preflight } from "../../src/plan/preflight.js";
import type { Preflight } from "../../src/plan/types.js";
import type { Seed } from "../../src/portal/types.js";
import { inProcessFetch } from "../../src/sandbox/in-process.js";
import { createSandbox, type Sandbox, type SandboxOptions } from "../../src/sandbox/server.js";
import { KEY } from "./run.js";

export const silent = pino({ level: "silent" });

/**
 * The HTTP portal over the sandbox answering in this process: the real client, transport, governor and
 * retry policy, the real routes, limits and faults, an injected clock, and no socket.
 */
export function engineRig(
  seed: Seed,
  options: Partial<SandboxOptions> & { maxWait?: number; retries?: number; concurrency?: number } = {},
): { sandbox: Sandbox; portal: HttpPortal; clock: ReturnType<typeof fakeClock>; stop: AbortController } {
  const clock = fakeClock(Date.parse("2026-11-27T00:00:00Z"));
  const sandbox = createSandbox({ seed, apiKey: KEY, now: clock.now, ...options });
  const stop = new AbortController();
  const client = new DocSpaceClient({
    baseUrl: sandbox.url,
    apiKey: KEY,
    timeoutMs: 5000,
    readOnly: false,
    userAgent: "test",
    now: clock.now,
    fetch: inProcessFetch(sandbox),
  });
  const portal = new HttpPortal(
    createTransport({
      client,
      stop: stop.signal,
      clock,
      rate: 100_000,
      concurrency: options.concurrency ?? 4,
      retries: options.retries ?? 5,
      maxWaitSeconds: options.maxWait ?? 300,
      baseBackoffMs: 1,
    }),
  );
  return { sandbox, portal, clock, stop };
}

/** The moves of a manifest text (flow-style moves, as in the run tests). */
export function movesOf(text: string): MoveSpec[] {
  const parsed = checkManifest({ file: "manifest.yaml", text, sha256: "", env: {} });
  if (parsed.manifest === null) throw new Error(JSON.stringify(parsed.issues));
  return [...parsed.manifest.moves];
}

/** Preflight, then execute, as `run` does. */
export async function preflightAndExecute(
  portal: HttpPortal,
  moves: readonly MoveSpec[],
  options: { stop?: AbortSignal; input?: Partial<ExecuteInput>; now?: () => number } = {},
): Promise<{ pre: Preflight; result: ExecuteResult }> {
  const pre = await preflight(portal, moves);
  const result = await execute(
    { moves, preflight: pre, selected: () => true, verify: true, concurrency: 4, ...options.input },
    {
      portal,
      logger: silent,
      now: options.now ?? Date.now,
      ...(options.stop === undefined ? {} : { stop: options.stop }),
    },
  );
  return { pre, result };
}
