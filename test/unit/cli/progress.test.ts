import { ProgressTracker, progressText } from "../../../src/engine/progress.js";
import type { MoveResult } from "../../../src/report/types.js";

const result = (status: MoveResult["status"], moved = 0): MoveResult =>
  ({ status, moved: Array.from({ length: moved }, (_, i) => `u${i}`) }) as unknown as MoveResult;

describe("progress", () => {
  it("shows the preflight's reads, then the moves; the ETA counts from the first write, not from the start", () => {
    let now = 0;
    const t = new ProgressTracker(() => now);
    let requests = 0;
    t.watch(() => ({ requests, retries: 1, rateLimited: 2 }));
    requests = 7;
    expect(progressText(t.state())).toBe("reading the portal: 7 requests so far (version, key, groups)");
    // 100 s of reads (a slow portal), then the moves begin.
    now = 100_000;
    t.begin(10);
    t.finished(result("skipped")); // already done: before any write, not part of the pace
    expect(progressText(t.state())).toMatch(/ETA after the first move$/);
    t.wrote();
    now = 104_000;
    t.finished(result("succeeded", 3));
    t.finished(result("failed"));
    // 2 moves in 4 s since the first write, 7 left: 14 s (from the start it would be 36 s).
    expect(t.state().etaSeconds).toBe(14);
    expect(progressText(t.state())).toBe(
      "3/10 moves · 3 members moved · 1 failed · 1 retry · 2 rate-limit waits · ETA 14 s",
    );
    expect(progressText(t.state(), "undo")).toMatch(/^3\/10 steps · 3 members put back/);
  });

  it("tells its listeners once when the operations end", () => {
    const t = new ProgressTracker(() => 0);
    let ended = 0;
    t.onEnd(() => ended++);
    t.begin(1);
    t.end();
    t.end();
    expect(ended).toBe(1);
    expect(progressText(t.state())).toMatch(/· done$/);
  });

  it("a dry run's last frame says it only read", () => {
    const t = new ProgressTracker(() => 0);
    t.watch(() => ({ requests: 12, retries: 0, rateLimited: 0 }));
    t.end();
    expect(progressText(t.state())).toBe("read the portal: 12 requests, nothing written");
  });
});
