/** What happens to one request besides its normal handling. `after`: the operation is applied first. */
export type Fate =
  | {
      readonly kind: "status";
      readonly status: number;
      readonly after?: boolean;
      readonly retryAfter?: string;
    }
  | { readonly kind: "reset"; readonly after?: boolean }
  | { readonly kind: "hang" }
  | { readonly kind: "envelope-error"; readonly statusCode?: number; readonly after?: boolean }
  | { readonly kind: "delay"; readonly ms: number }
  /** A 200 whose body never ends (a hostile or broken portal): the client must stop reading. */
  | { readonly kind: "flood" }
  /** An answer of the tests' choosing (a hostile portal): status and raw body text. */
  | { readonly kind: "body"; readonly status: number; readonly text: string; readonly after?: boolean };

export interface FaultSettings {
  /** Added to every answer, milliseconds. */
  readonly latencyMs: number;
  /** Up to this much more, drawn per request. */
  readonly jitterMs: number;
  /** Shares of requests, 0–1. */
  readonly failRate: number;
  readonly resetRate: number;
  readonly hangRate: number;
  readonly envelopeErrorRate: number;
  readonly seed: number;
}

export const NO_FAULTS: FaultSettings = {
  latencyMs: 0,
  jitterMs: 0,
  failRate: 0,
  resetRate: 0,
  hangRate: 0,
  envelopeErrorRate: 0,
  seed: 1,
};

export interface RequestInfo {
  readonly seq: number;
  readonly method: string;
  readonly path: string;
  /** The query string, with its `?` (empty when none). */
  readonly query?: string;
}

/** mulberry32: small, fast and deterministic for a seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FAIL_STATUSES = [500, 502, 503, 504] as const;

/**
 * Decides each request's fate: a scripted one when a script answers for it, else drawn from the
 * rates in arrival order, so the same seed and the same requests give the same faults.
 */
export class Faults {
  settings: FaultSettings;
  #random: () => number;
  #scripts: ((request: RequestInfo) => Fate | undefined)[] = [];

  constructor(settings: FaultSettings) {
    this.settings = settings;
    this.#random = seededRandom(settings.seed);
  }

  /** Adds a script; the first script that returns a fate decides. */
  script(decide: (request: RequestInfo) => Fate | undefined): void {
    this.#scripts.push(decide);
  }

  clearScripts(): void {
    this.#scripts = [];
  }

  decide(request: RequestInfo): { fate: Fate | null; latencyMs: number } {
    const s = this.settings;
    const latencyMs = s.latencyMs + (s.jitterMs > 0 ? Math.floor(this.#random() * s.jitterMs) : 0);
    // Every script sees every request (so "the n-th matching" counts right); the first answer wins.
    const scripted = this.#scripts.map((script) => script(request)).find((fate) => fate !== undefined);
    if (scripted !== undefined) return { fate: scripted, latencyMs };
    if (s.hangRate + s.resetRate + s.failRate + s.envelopeErrorRate === 0) return { fate: null, latencyMs };
    let roll = this.#random();
    if ((roll -= s.hangRate) < 0) return { fate: { kind: "hang" }, latencyMs };
    if ((roll -= s.resetRate) < 0) return { fate: { kind: "reset" }, latencyMs };
    if ((roll -= s.failRate) < 0) {
      const status = FAIL_STATUSES[Math.floor(this.#random() * FAIL_STATUSES.length)] ?? 503;
      return { fate: { kind: "status", status }, latencyMs };
    }
    if ((roll -= s.envelopeErrorRate) < 0) return { fate: { kind: "envelope-error" }, latencyMs };
    return { fate: null, latencyMs };
  }
}

/** The n-th request (1-based) gets this fate. */
export const nth =
  (n: number, fate: Fate) =>
  (request: RequestInfo): Fate | undefined =>
    request.seq === n ? fate : undefined;

/** The n-th request (1-based) matching method and path pattern gets this fate. */
export function nthMatching(
  method: string,
  path: RegExp,
  n: number,
  fate: Fate,
): (request: RequestInfo) => Fate | undefined {
  let seen = 0;
  return (request) => {
    if (request.method !== method || !path.test(request.path)) return undefined;
    seen++;
    return seen === n ? fate : undefined;
  };
}
