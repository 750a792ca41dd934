import { MoveBehaviour } from "../portal/version.js";
import { padColumns, stringWidth } from "./columns.js";
import { MoveStatus, Outcome, type MoveResult, type Report } from "./types.js";

/**
 * How much of a large run or preview is printed: table rows, moves described person by person, items per
 * list. The report holds everything.
 */
const TABLE_ROWS = 100;
const DETAILED_MOVES = 20;
const GROUP_ITEMS = 50;

const MARK: Record<MoveResult["status"], string> = {
  succeeded: "ok  ",
  failed: "FAIL",
  skipped: "skip",
  planned: "plan",
  "not-attempted": "----",
};

const plural = (n: number, word: string, many = `${word}s`): string => `${n} ${n === 1 ? word : many}`;

/** Why a move did not run or failed, in plain words (the report keeps the stable codes). */
const REASON_WORDS: Record<string, string> = {
  "already-done": "already done by an earlier run",
  "already-undone": "already put back",
  excluded: "left out by --only/--exclude",
  preflight: "cannot run: see the blocking problems",
  "group-not-found": "cannot run: a group was not found",
  "stale-plan": "refused: its groups changed since the plan was saved",
  "dependency-failed": "not run: an earlier move on the same group failed",
  aborted: "not run: the run stopped (key refused or portal unreachable)",
  deferred: "left for the next run (the portal asked to wait)",
  interrupted: "not run: interrupted",
  "http-error": "failed: the portal refused it",
  unverified: "failed: the read-back did not show it done",
  "bad-answer": "failed: the portal's answer could not be relied on",
};

export const reasonWords = (move: Pick<MoveResult, "status" | "reason">): string =>
  move.reason === null
    ? move.status === MoveStatus.Planned
      ? "will run"
      : move.status
    : (REASON_WORDS[move.reason] ?? move.reason);

function detail(move: MoveResult, undo: boolean): string {
  if (move.status === MoveStatus.Succeeded) {
    const parts = [`${move.moved.length} ${undo ? "put back" : "moved"}`];
    if (move.alreadyInDestination.length > 0) parts.push(`${move.alreadyInDestination.length} already there`);
    if (move.droppedGuests.length > 0) parts.push(`${plural(move.droppedGuests.length, "guest")} dropped`);
    if (move.managerRemoved !== null) parts.push("source manager removed");
    if (move.completion !== null) parts.push("completed by removing from source");
    return parts.join(", ");
  }
  return `${reasonWords(move)}${move.error === null ? "" : `: ${move.error.message}`}`;
}

/** The human summary of a run for stdout: one line per move, warnings, counts, the report path. */
export function renderRunSummary(
  report: Report,
  reportPath: string,
  /** An undo (or its dry run): arrows point the way members go back, counts say "put back". */
  undo = report.mode === "undo",
): string[] {
  const lines: string[] = [];
  const behaviour =
    report.behaviour === "copy"
      ? "its move only copies; moves are completed by removing members from the source"
      : report.behaviour === "move"
        ? "its move empties the source"
        : "behaviour unknown; every move is read back";
  lines.push(
    `${report.mode} on ${report.portal} (DocSpace ${report.portalVersion ?? "version unknown"}: ${behaviour})`,
  );
  // A long run stays readable: the first rows, then every move that did not go well, up to a cap each.
  // (Read one at a time: a long run's results may be on disk.)
  const listed = report.moves.slice(0, TABLE_ROWS);
  for (let i = TABLE_ROWS, troubled = 0; i < report.moves.length && troubled < TABLE_ROWS; i++) {
    const m = report.moves[i] as MoveResult;
    if (m.status !== MoveStatus.Failed && m.status !== MoveStatus.NotAttempted) continue;
    listed.push(m);
    troubled++;
  }
  const width = Math.min(40, Math.max(...listed.map((m) => stringWidth(m.id)), 4));
  for (const move of listed) {
    const from = move.from.name ?? move.from.id ?? "?";
    const to = move.to.name ?? move.to.id ?? "?";
    // An undo puts members back: its arrow points the way they go.
    const route = undo ? `${to} → ${from}` : `${from} → ${to}`;
    lines.push(`  ${MARK[move.status]} ${padColumns(move.id, width)}  ${route}: ${detail(move, undo)}`);
  }
  if (report.moves.length > listed.length)
    lines.push(`  … and ${report.moves.length - listed.length} more moves (every one is in the report)`);
  // The run's warnings, then each move's: the first GROUP_ITEMS written out, the rest only counted (a
  // long run has a warning a move or more).
  const shown = [...report.warnings.slice(0, GROUP_ITEMS)];
  let count = report.warnings.length;
  for (const m of report.moves) {
    for (const w of m.warnings) if (shown.length < GROUP_ITEMS) shown.push(`${m.id}: ${w}`);
    count += m.warnings.length;
  }
  if (count > 0) {
    lines.push("Warnings:");
    for (const w of shown) lines.push(`  - ${w}`);
    if (count > GROUP_ITEMS) lines.push(`  … and ${count - GROUP_ITEMS} more (see the report)`);
  }
  if (report.problems.length > 0) {
    lines.push(report.outcome === "failed" ? "Blocking problems (nothing was changed):" : "Stopped:");
    for (const p of report.problems) lines.push(`  - ${p}`);
  }
  const s = report.summary;
  lines.push(
    // A dry run (an undo's) changed nothing: its result is said as the run's preview says it.
    report.mode === "dry-run"
      ? previewResult(report, s.membersMoved, undo ? "would be put back" : "would move")
      : `Result: ${report.outcome} (exit ${report.exitCode}): ${s.succeeded} succeeded, ${s.failed} failed, ${s.skipped} skipped, ${s.notAttempted} not attempted; ${plural(s.membersMoved, "member")} ${undo ? "put back" : "moved"}; ${plural(s.requests, "request")}, ${plural(s.retries, "retry").replace("retrys", "retries")}, ${s.rateLimited} rate-limited`,
  );
  lines.push(`Report: ${reportPath}`);
  return lines;
}

/** Whether a dry run was cut short (interrupted, its key refused, deferred) rather than judged. */
export const cutShort = (outcome: Outcome | undefined): boolean =>
  outcome !== undefined && outcome !== Outcome.Succeeded && outcome !== Outcome.Failed;

/**
 * A dry run's last line: ready, blocking problems, or how it was stopped; what it planned, the members it
 * would change, its reads.
 */
function previewResult(report: Report, members: number, change: string): string {
  const s = report.summary;
  const short = cutShort(report.outcome);
  const verdict = short ? report.outcome : report.problems.length > 0 ? "blocking problems" : "ready";
  return `Result: ${verdict} (exit ${report.exitCode}): ${s.planned} planned, ${s.skipped} skipped, ${s.notAttempted} ${short ? "not run" : "not possible"}; ${plural(members, "member")} ${change}; ${plural(s.requests, "request")}, all GET`;
}

/**
 * The dry run for people: which behaviour applies, a row per move, then the warnings grouped by
 * kind, then the blocking problems. `name` turns a user id into a name.
 */
export function renderPreview(
  report: Report,
  reportPath: string,
  behaviour: string,
  name: (id: string) => string,
  planPath?: string,
  /** The manifest as the user named it, for the plan's command line. */
  manifestArg = "<manifest>",
): string[] {
  const lines: string[] = [`dry run on ${report.portal}: nothing will be changed`, behaviour, ""];
  lines.push(...previewBody(report, name));
  const members = report.moves.reduce((n, m) => n + (m.preview === undefined ? 0 : m.moved.length), 0);
  lines.push("", previewResult(report, members, "would move"), `Report: ${reportPath}`);
  if (planPath !== undefined)
    lines.push(`Plan: ${planPath} (run it with: docspace-migrate run ${manifestArg} --plan ${planPath})`);
  return lines;
}

/**
 * The preview's table, who moves, the surprises grouped by kind and the blocking problems: what the dry
 * run prints, and what a live run shows before it asks for confirmation.
 */
export function previewBody(
  report: Pick<Report, "moves" | "warnings" | "problems"> & {
    readonly rooms?: Report["rooms"] | undefined;
    /** A dry run's, once it ended: what stopped it is not a problem of the plan's. */
    readonly outcome?: Outcome;
  },
  name: (id: string) => string,
): string[] {
  const lines: string[] = [];
  // A large plan stays readable: the first rows of each part, then a count; the report has everything.
  const shown = report.moves.slice(0, TABLE_ROWS);
  const rows = shown.map((m) => {
    const route = `${m.from.name ?? m.from.id ?? "?"} → ${m.to.name ?? m.to.id ?? "?"}`;
    const p = m.preview;
    if (p === undefined) return [m.id, route, "", "", reasonWords(m)];
    const moving = `${m.moved.length}${m.alreadyInDestination.length > 0 ? ` (+${m.alreadyInDestination.length} already there)` : ""}`;
    return [
      m.id,
      route,
      `${p.sourceBefore} → ${p.sourceAfter}`,
      `${p.destinationBefore} → ${p.destinationAfter}`,
      moving,
    ];
  });
  const header = ["move", "from → to", "source", "destination", "moving"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => stringWidth(r[i] ?? ""))));
  const line = (cells: string[]): string =>
    `  ${cells.map((c, i) => padColumns(c, widths[i] ?? 0)).join("  ")}`.trimEnd();
  lines.push(line(header), ...rows.map(line));
  if (report.moves.length > shown.length)
    lines.push(`  … and ${report.moves.length - shown.length} more moves (every one is in the report)`);

  // Per move, who: the groups with their ids, who moves, who is there already.
  const NAMES_SHOWN = 50;
  const people = (ids: readonly string[]): string => {
    const shown = ids.slice(0, NAMES_SHOWN).map(name).join(", ");
    return ids.length > NAMES_SHOWN
      ? `${shown}, … and ${ids.length - NAMES_SHOWN} more (see the report)`
      : shown;
  };
  // One pass over the planned moves (a large plan's results may be on disk): the first few in detail,
  // and for each kind of surprise its first items and how many there are.
  const kinds: readonly { readonly title: string; readonly of: (m: MoveResult) => string[] }[] = [
    {
      title: "Guests DocSpace will remove from the source and add to no group:",
      of: (m) => m.droppedGuests.map((id) => `${m.id}: ${name(id)} (leaves "${m.from.name ?? ""}")`),
    },
    {
      title: "Guests who stay in the source (this portal copies, and guests cannot join groups):",
      of: (m) => m.guestsLeftInSource.map((id) => `${m.id}: ${name(id)} (stays in "${m.from.name ?? ""}")`),
    },
    {
      title: "Managers who lose the manager role (they become plain members of the destination):",
      of: (m) =>
        m.managerRemoved === null
          ? []
          : [`${m.id}: ${name(m.managerRemoved)} (manager of "${m.from.name ?? ""}")`],
    },
    {
      title: "Disabled users left behind in the source:",
      of: (m) =>
        (m.preview?.disabledLeftBehind ?? []).map(
          (id) => `${m.id}: ${name(id)} (stays in "${m.from.name ?? ""}")`,
        ),
    },
    {
      title: "Sources left empty (the groups themselves are kept):",
      of: (m) => (m.preview?.emptiesSource === true ? [`${m.id}: "${m.from.name ?? ""}"`] : []),
    },
  ];
  const surprises = kinds.map((kind) => ({ ...kind, items: [] as string[], count: 0 }));
  const detailed: MoveResult[] = [];
  let withPreview = 0;
  for (const m of report.moves) {
    if (m.preview === undefined) continue;
    withPreview++;
    if (detailed.length < DETAILED_MOVES) detailed.push(m);
    for (const kind of surprises)
      for (const item of kind.of(m)) {
        if (kind.items.length < GROUP_ITEMS) kind.items.push(item);
        kind.count++;
      }
  }
  if (detailed.length > 0) lines.push("", "Per move:");
  for (const m of detailed) {
    lines.push(
      `  ${m.id}: "${m.from.name ?? ""}" (${m.from.id ?? "?"}) → "${m.to.name ?? ""}" (${m.to.id ?? "?"})`,
    );
    lines.push(`    moves (${m.moved.length}): ${m.moved.length === 0 ? "nobody" : people(m.moved)}`);
    if (m.alreadyInDestination.length > 0) {
      lines.push(
        `    already in "${m.to.name ?? ""}" (${m.alreadyInDestination.length}): ${people(m.alreadyInDestination)}`,
      );
    }
  }

  if (withPreview > detailed.length)
    lines.push(`  … and ${withPreview - detailed.length} more moves (see the report)`);
  /** A titled list: its first GROUP_ITEMS items, then how many more (`count`: all of them). */
  const group = (title: string, items: readonly string[], count = items.length): void => {
    if (count === 0) return;
    lines.push("", title);
    for (const item of items.slice(0, GROUP_ITEMS)) lines.push(`  - ${item}`);
    if (count > GROUP_ITEMS) lines.push(`  … and ${count - GROUP_ITEMS} more (see the report)`);
  };
  for (const kind of surprises) group(kind.title, kind.items, kind.count);
  if (report.rooms !== undefined) roomLines(report.rooms, name, lines, group);
  group("Chains and other notes:", report.warnings.slice());
  group(
    cutShort(report.outcome) ? "Stopped:" : "Blocking problems (a run would send nothing and exit 1):",
    report.problems.slice(),
  );
  return lines;
}

/** `--rooms`: the rooms each move's groups reach, then, person by person, the access that changes. */
function roomLines(
  rooms: NonNullable<Report["rooms"]>,
  name: (id: string) => string,
  lines: string[],
  group: (title: string, items: string[]) => void,
): void {
  const role = (r: { title: string; access: string }): string => `"${r.title}" (${r.access})`;
  const kinds = {
    lose: rooms.people.filter((c) => c.after === null),
    gain: rooms.people.filter((c) => c.before === null),
    change: rooms.people.filter((c) => c.before !== null && c.after !== null),
  };
  const people = (list: readonly { person: string }[]): number => new Set(list.map((c) => c.person)).size;
  const roomCount = (list: readonly { room: string }[]): string =>
    plural(new Set(list.map((c) => c.room)).size, "room");
  lines.push(
    "",
    `Room access (${plural(rooms.read, "room")} read; DocSpace gives a group's rooms to whoever is in it now):`,
    `  ${plural(people(kinds.lose), "person", "people")} lose access (${roomCount(kinds.lose)}), ${plural(people(kinds.gain), "person", "people")} gain access (${roomCount(kinds.gain)}), ${plural(people(kinds.change), "person", "people")} change role (${roomCount(kinds.change)})`,
  );
  group(
    "Rooms shared with the groups of each move:",
    rooms.moves.flatMap((m) =>
      m.source.length === 0 && m.destination.length === 0
        ? []
        : [
            `${m.id}: source ${m.source.length === 0 ? "none" : m.source.map(role).join(", ")}; destination ${m.destination.length === 0 ? "none" : m.destination.map(role).join(", ")}`,
          ],
    ),
  );
  // One line per person, in name order: what they lose, gain and keep with another role.
  const byPerson = new Map<string, string[]>();
  for (const c of rooms.people) {
    const words =
      c.after === null
        ? `loses "${c.title}" (${c.before ?? ""})`
        : c.before === null
          ? `gains "${c.title}" (${c.after})`
          : `"${c.title}" ${c.before} → ${c.after}`;
    byPerson.set(c.person, [...(byPerson.get(c.person) ?? []), words]);
  }
  group(
    "Room access by person (a direct share or another group's share is taken into account):",
    [...byPerson].map(([id, words]) => `${name(id)}: ${words.join("; ")}`).sort((a, b) => a.localeCompare(b)),
  );
}

/** The first thing the preview says: which move semantics this portal has. */
export function behaviourLine(version: string | null, behaviour: MoveBehaviour | null): string {
  const v = version === null ? "version unknown" : `DocSpace ${version}`;
  if (behaviour === MoveBehaviour.Copy) {
    return `${v}: before v3.7.1, the move only copies members; the run completes each move by removing them from the source (guests stay there)`;
  }
  if (behaviour === MoveBehaviour.Move) {
    return `${v}: the move takes members out of the source; guests are removed and added nowhere, the source's manager loses the role`;
  }
  return `${v}: the portal did not say its version; predicted as v3.7.1 or later, and every move will be read back`;
}
