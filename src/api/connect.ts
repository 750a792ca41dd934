import { TOOL } from "../version.js";
import { DocSpaceClient } from "./client.js";
import type { Clock } from "./clock.js";
import { HttpPortal } from "./http-portal.js";
import type { ProxySettings } from "./proxy.js";
import { createTransport, type AttemptLog } from "./transport.js";

/** The run settings the transport needs (timeout in seconds, --max-wait in seconds). */
export interface ConnectSettings {
  readonly concurrency: number;
  readonly rate: number;
  readonly retries: number;
  readonly timeout: number;
  readonly maxWait: number;
}

/** The portal over HTTP for a command: one client, one rate budget, one retry policy. */
export function connect(options: {
  portal: string;
  apiKey: string;
  readOnly: boolean;
  settings: ConnectSettings;
  stop: AbortSignal;
  clock: Clock;
  baseBackoffMs?: number | undefined;
  /** The environment's proxy variables, when it names a proxy. */
  proxy?: ProxySettings | null;
  /** Each attempt as it ends, for `--log-level debug`. */
  onAttempt?: ((entry: AttemptLog) => void) | undefined;
}): HttpPortal {
  const { settings } = options;
  const client = new DocSpaceClient({
    baseUrl: options.portal,
    apiKey: options.apiKey,
    timeoutMs: settings.timeout * 1000,
    readOnly: options.readOnly,
    userAgent: `${TOOL.name}/${TOOL.version}`,
    proxy: options.proxy ?? null,
  });
  return new HttpPortal(
    createTransport({
      client,
      stop: options.stop,
      clock: options.clock,
      rate: settings.rate,
      concurrency: settings.concurrency,
      retries: settings.retries,
      maxWaitSeconds: settings.maxWait,
      baseBackoffMs: options.baseBackoffMs,
      onAttempt: options.onAttempt,
    }),
  );
}
