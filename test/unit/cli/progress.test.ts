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

  it("counts the moves settled without an attempt apart: in neither the moves done nor the ETA's work, never 'done' over them", () => {
    let now = 0;
    const t = new ProgressTracker(() => now);
    t.begin(10);
    t.wrote();
    now = 2000;
    t.finished(result("succeeded", 2));
    t.finished(result("not-attempted")); // its dependency failed, say
    // 1 move in 2 s since the first write, 8 left to attempt: 16 s.
    expect(t.state().etaSeconds).toBe(16);
    expect(progressText(t.state())).toBe(
      "1/10 moves · 2 members moved · 0 failed · 1 not attempted · 0 retries · 0 rate-limit waits · ETA 16 s",
    );
    // A stop: the rest settled as not attempted.
    for (let i = 0; i < 8; i++) t.finished(result("not-attempted"));
    t.end();
    expect(progressText(t.state())).toBe(
      "1/10 moves · 2 members moved · 0 failed · 0 retries · 0 rate-limit waits · ended, 9 not attempted",
    );
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
