import type { Logger } from "pino";
import type { MemberInfo, Portal } from "../portal/port.js";
import { MemoryPortal } from "../portal/memory.js";
import { MODEL_VERSION, MoveBehaviour } from "../portal/version.js";
import type { MoveSpec } from "../manifest/types.js";
import { ProblemReason } from "../plan/types.js";
import { notRun } from "../report/build.js";
import { MoveStatus, Reason, type MoveResult } from "../report/types.js";
import { execute, type ExecuteInput, type ExecuteResult } from "./execute.js";

export interface Preview extends ExecuteResult {
  /** Everyone the preview knows, for names. */
  readonly people: ReadonlyMap<string, MemberInfo>;
  /** The portal model after the whole plan, as far as the groups involved go. */
  readonly portal: MemoryPortal;
}

/**
 * The dry run: the engine itself, run against the in-memory portal seeded from the preflight's reads,
 * each source's disabled members (read here, GET only) and the portal's move semantics. What it reports
 * is what it did there, so the plan is the run by construction. Results come back `planned`.
 */
export async function preview(
  input: Omit<ExecuteInput, "ignoreKey" | "verify">,
  deps: { readonly portal: Portal; readonly logger: Logger; readonly stop?: AbortSignal },
): Promise<Preview> {
  const { preflight } = input;
  const sources = [...new Set(preflight.moves.flatMap((m) => (m === null ? [] : [m.from.id])))];
  const disabled = new Map<string, MemberInfo[]>();
  await Promise.all(
    sources.map(async (id) => {
      disabled.set(id, await deps.portal.disabledMembers(id));
    }),
  );
  const behaviour = preflight.behaviour ?? MoveBehaviour.Move;
  const memory = MemoryPortal.fromSnapshots(preflight.groups.values(), disabled, MODEL_VERSION[behaviour]);
  const people = new Map<string, MemberInfo>();
  for (const group of preflight.groups.values()) for (const m of group.members) people.set(m.id, m);
  for (const list of disabled.values()) for (const m of list) people.set(m.id, m);

  // Moves with a blocking problem are shown as such; the others are still previewed.
  const problems = new Map(preflight.problems.map((p) => [p.moveId, p]));
  const result = await execute(
    {
      ...input,
      preflight: { ...preflight, problems: [] },
      selected: (id) => input.selected(id) && !problems.has(id),
      verify: true,
      ignoreKey: true,
    },
    {
      portal: memory,
      // What the engine logs here did not happen: the preview reports it instead.
      logger: deps.logger.child({ preview: true }, { level: "silent" }),
      now: () => 0,
      ...(deps.stop === undefined ? {} : { stop: deps.stop }),
    },
  );
  const moves = result.moves.map((m, i): MoveResult => {
    const problem = problems.get(m.id);
    if (problem !== undefined) {
      const reason = problem.reason === ProblemReason.GroupNotFound ? Reason.GroupNotFound : Reason.Preflight;
      const spec = input.moves[i] as MoveSpec;
      return notRun(spec, preflight.moves[i] ?? null, MoveStatus.NotAttempted, reason, problem.message);
    }
    return m.status === MoveStatus.Succeeded
      ? { ...m, status: MoveStatus.Planned, attempts: 0, durationMs: 0, httpStatus: null, verified: false }
      : m;
  });
  return { ...result, moves, people, portal: memory };
}
