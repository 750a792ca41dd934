import { DocSpaceClient } from "../api/client.js";
import type { Clock } from "../engine/governor.js";
import { createSendContext, type SendContext } from "../engine/send.js";
import type { RunSettings } from "../report/types.js";
import { TOOL } from "../version.js";

/** A client for the portal and its request context (one rate budget, one retry policy) for a command. */
export function connect(options: {
  portal: string;
  apiKey: string;
  readOnly: boolean;
  settings: Omit<RunSettings, "verify">;
  stop: AbortSignal;
  clock: Clock;
  baseBackoffMs?: number | undefined;
}): SendContext {
  const { settings } = options;
  const client = new DocSpaceClient({
    baseUrl: options.portal,
    apiKey: options.apiKey,
    timeoutMs: settings.timeout * 1000,
    readOnly: options.readOnly,
    userAgent: `${TOOL.name}/${TOOL.version}`,
  });
  return createSendContext({
    client,
    stop: options.stop,
    clock: options.clock,
    rate: settings.rate,
    concurrency: settings.concurrency,
    retries: settings.retries,
    maxWaitSeconds: settings.maxWait,
    baseBackoffMs: options.baseBackoffMs,
  });
}
