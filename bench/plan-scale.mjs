// `run --plan`'s checks of a saved plan as the plan grows (5,700 and 57,000 moves, the largest manifest
// by id under the size cap): the plan read against the manifest, and every move's groups against their
// pinned member hashes. In process, on the built modules; prints figures, asserts nothing. Issue 12:
// once each move was checked against the whole plan (12 s at 57,000); linear now.
import { buildPlan, checkPlan, staleGroups } from "../dist/plan/saved-plan.js";

const id = (prefix, n) => `${prefix}-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;

function fixtures(moves) {
  const groups = new Map();
  const resolved = [];
  for (let i = 0; i < moves; i++) {
    const from = {
      id: id("aaaaaaaa", i),
      name: `S${i}`,
      managerId: null,
      isSystem: false,
      members: [{ id: id("11111111", i), displayName: "x", status: 1, isVisitor: false }],
    };
    const to = { id: id("bbbbbbbb", i), name: `D${i}`, managerId: null, isSystem: false, members: [] };
    groups.set(from.id, from);
    groups.set(to.id, to);
    resolved.push({
      spec: { id: `m${i}` },
      from: { id: from.id, name: from.name },
      to: { id: to.id, name: to.name },
    });
  }
  const plan = buildPlan({
    tool: { name: "docspace-migrate", version: "bench" },
    createdAt: new Date(0).toISOString(),
    portal: "https://portal.example.com",
    manifest: { path: "/bench/m.yaml", sha256: "0".repeat(64) },
    preflight: { portalVersion: "3.7.2", moves: resolved, groups },
  });
  return { plan: JSON.parse(JSON.stringify(plan)), groups, ids: resolved.map((m) => m.spec.id) };
}

function time(moves) {
  const { plan, groups, ids } = fixtures(moves);
  const start = performance.now();
  const checked = checkPlan(plan, {
    portal: "https://portal.example.com",
    manifestSha256: "0".repeat(64),
    moveIds: ids,
  });
  if (!checked.ok) throw new Error(checked.message);
  const planned = new Set(checked.plan.moves.map((m) => m.id));
  let selected = 0;
  for (const moveId of ids) if (planned.has(moveId)) selected++;
  const stale = staleGroups(checked.plan, groups);
  const ms = performance.now() - start;
  if (selected !== moves || stale.size !== 0) throw new Error("the plan did not check out");
  return ms;
}

export function benchPlanScale() {
  time(1000); // warm up
  const small = Math.min(time(5_700), time(5_700));
  const large = Math.min(time(57_000), time(57_000));
  return [
    { case: "run --plan checks, 5,700 moves", ms: small.toFixed(0), msPerMove: (small / 5_700).toFixed(4) },
    { case: "run --plan checks, 57,000 moves", ms: large.toFixed(0), msPerMove: (large / 57_000).toFixed(4) },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log("plan-scale: a saved plan checked against the manifest and the groups just read (in process)");
  console.table(benchPlanScale());
}
