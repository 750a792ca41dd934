import { ApiError, parseRetryAfter, type FailureKind } from "../../../src/api/http-error.js";
import { classify, DEFAULT_RETRY_POLICY, isUnreachable } from "../../../src/api/retry-policy.js";

const error = (
  kind: FailureKind,
  httpStatus: number | null = null,
  retryAfterMs: number | null = null,
): ApiError =>
  new ApiError({
    kind,
    request: { method: "PUT", path: "/api/2.0/group/x/members/y" },
    httpStatus,
    retryAfterMs,
  });

describe("the retry decision", () => {
  it.each([
    ["network", null, "retry"],
    ["timeout", null, "retry"],
    ["http", 408, "retry"],
    ["http", 429, "retry"],
    ["http", 500, "retry"],
    ["http", 502, "retry"],
    ["http", 503, "retry"],
    ["http", 504, "retry"],
    ["http", 400, "fail"],
    ["http", 404, "fail"],
    ["http", 409, "fail"],
    ["http", 401, "abort"],
    ["http", 403, "abort"],
    ["envelope", 500, "retry"],
    ["envelope", 403, "abort"],
    ["envelope", 404, "fail"],
    ["envelope", null, "fail"],
    ["unparsable", 200, "fail"],
    ["read-only", null, "fail"],
  ] as const)("%s %s → %s", (kind, status, verdict) => {
    expect(classify(error(kind, status), DEFAULT_RETRY_POLICY)).toBe(verdict);
  });

  it("defers when Retry-After is longer than --max-wait, and retries when it is not", () => {
    const policy = { ...DEFAULT_RETRY_POLICY, maxWaitMs: 60_000 };
    expect(classify(error("http", 429, 60_001), policy)).toBe("defer");
    expect(classify(error("http", 429, 60_000), policy)).toBe("retry");
    expect(classify(error("http", 503, 3_600_000), policy)).toBe("defer");
  });

  it("is not fooled by other errors", () => {
    expect(classify(new Error("boom"), DEFAULT_RETRY_POLICY)).toBe("fail");
    expect(isUnreachable(error("network"))).toBe(true);
    expect(isUnreachable(error("http", 503))).toBe(false);
  });
});

describe("Retry-After", () => {
  const now = Date.UTC(2026, 10, 26, 2, 0, 0);
  it.each([
    ["120", 120_000],
    ["0", 0],
    ["1.5", 1500],
    ["Thu, 26 Nov 2026 02:00:30 GMT", 30_000],
    ["Thu, 26 Nov 2026 01:00:00 GMT", 0],
    ["soon", null],
  ])("%s → %s ms", (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });
  it("is null when absent", () => {
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});
