// A dry run's report of `moves` planned moves of `perMove` people each (from "Team i" into one of 40
// divisions), built with the report's own builder (from dist/: `npm run build` first); `rename` may
// give people or groups other names. For the HTML report's tests, its benchmark and the screenshots.
import { buildReport } from "../../dist/report/build.js";

const id = (prefix, n) => `${prefix}-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;

export function bigReport(moves, perMove, rename = {}) {
  const people = {};
  const results = [];
  for (let i = 0; i < moves; i++) {
    const members = [];
    for (let k = 0; k < perMove; k++) {
      const n = i * perMove + k;
      const uid = id("11111111", n);
      members.push(uid);
      people[uid] = {
        displayName: rename.person?.(n) ?? `Person ${n}`,
        email: `person${n}@example.com`,
        type: "user",
        status: "active",
      };
    }
    results.push({
      id: `move-${i}`,
      note: null,
      from: { id: id("aaaaaaaa", i), name: rename.group?.(i) ?? `Team ${i}` },
      to: { id: id("bbbbbbbb", i % 40), name: `Division ${i % 40}` },
      status: "planned",
      reason: null,
      attempts: 0,
      durationMs: 0,
      httpStatus: null,
      error: null,
      before: { source: members, destination: [], sourceManager: members[0] ?? null },
      moved: members,
      alreadyInDestination: [],
      droppedGuests: [],
      guestsLeftInSource: [],
      managerRemoved: members[0] ?? null,
      managerSet: null,
      managerBefore: null,
      completion: null,
      verified: false,
      warnings: [],
      preview: {
        sourceBefore: perMove,
        sourceAfter: 0,
        destinationBefore: 0,
        destinationAfter: perMove,
        sourceMembersAfter: [],
        destinationMembersAfter: members,
        sourceManagerAfter: null,
        destinationManagerAfter: null,
        disabledLeftBehind: [],
        emptiesSource: true,
      },
    });
  }
  return buildReport({
    tool: { name: "docspace-migrate", version: "0.1.0" },
    runId: "00000000-0000-4000-8000-000000000000",
    mode: "dry-run",
    portal: "https://portal.example.com",
    portalVersion: "3.7.2",
    behaviour: "move",
    manifest: { path: "/srv/reorg/migrations.yaml", sha256: "0".repeat(64) },
    startedAt: "2026-11-28T09:00:00.000Z",
    finishedAt: "2026-11-28T09:00:41.000Z",
    settings: { concurrency: 4, rate: 1200, retries: 5, timeout: 30, maxWait: 300, verify: true },
    outcome: "succeeded",
    exitCode: 0,
    problems: [],
    warnings: [],
    moves: results,
    counters: { requests: moves * 2 + 3, retries: 0, rateLimited: 0 },
    ranBy: { osUser: "admin", host: "ops-01", keyUser: null },
    people,
  });
}
