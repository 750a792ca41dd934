import { createHash } from "node:crypto";
import { MoveStatus, RunMode, type MoveResult, type Person, type Report } from "./types.js";
import { keysOf } from "./people.js";

/**
 * The report as one self-contained HTML page, for the people who approve a reorganisation: where
 * people go (a flow diagram), per group before → after, the surprises in their own panels, and a
 * searchable table of every person. A view of the JSON report, which stays the source of truth.
 *
 * Nothing is fetched when the page is opened: the style and the one small script are inline and
 * allowed by their hashes in a Content-Security-Policy that forbids everything else. Every text that
 * came from the portal or the manifest goes through `esc`: it is text in the page, never markup.
 */

/** Groups drawn on each side of the diagram before the rest are folded into "other groups". */
export const TOP_GROUPS = 25;

const esc = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const plural = (n: number, word: string, many = `${word}s`): string => `${n} ${n === 1 ? word : many}`;

/**
 * Whether a report is an undo's: its mode, or, for an undo's dry run (whose mode is "dry-run"), the
 * words the undo preview gives each step ("would put … back").
 */
export const isUndo = (report: Report): boolean =>
  report.mode === RunMode.Undo ||
  (report.mode === RunMode.DryRun &&
    report.moves.some((m) => m.warnings.some((w) => w.startsWith("would put "))));

/** The words of each kind of report: a dry run is the plan, a run the record, an undo the reversal. */
function wordsOf(report: Report): { title: string; move: string; verb: string } {
  if (isUndo(report) && report.mode === RunMode.DryRun)
    return { title: "Undo plan (dry run)", move: "will be put back", verb: "will be put back" };
  if (report.mode === RunMode.Undo) return { title: "Undo", move: "put back", verb: "were put back" };
  if (report.mode === RunMode.DryRun)
    return { title: "Plan (dry run)", move: "will move", verb: "will move" };
  return { title: "Run", move: "moved", verb: "moved" };
}

interface Band {
  readonly from: string;
  readonly to: string;
  readonly people: number;
}

/** A group as a node of the diagram: its label and the people flowing through it. */
interface Node {
  readonly key: string;
  label: string;
  people: number;
}

const groupLabel = (ref: MoveResult["from"]): string => ref.name ?? ref.id ?? "?";

/** A move that ran (or, in a dry run, will): the ones that move anyone. */
const ran = (m: MoveResult): boolean => m.status === MoveStatus.Succeeded || m.status === MoveStatus.Planned;

/** The people a move takes (or took, or will take): those moved and those already there. */
const flowOf = (m: MoveResult): number => m.moved.length + m.alreadyInDestination.length;

/**
 * The flow diagram as inline SVG: groups before on the left, groups after on the right, one band per
 * move as wide as the people it moves; guests DocSpace drops flow to "no group". Groups beyond the
 * top `TOP_GROUPS` on a side are folded into "other groups".
 */
export function flowSvg(report: Report): string {
  const undo = isUndo(report);
  const bands: Band[] = [];
  for (const m of report.moves) {
    if (!ran(m)) continue;
    const [left, right] = undo ? [m.to, m.from] : [m.from, m.to];
    const people = flowOf(m);
    if (people > 0) bands.push({ from: groupLabel(left), to: groupLabel(right), people });
    if (m.droppedGuests.length > 0)
      bands.push({
        from: groupLabel(left),
        to: "\u0000none",
        people: m.droppedGuests.length,
      });
  }
  if (bands.length === 0) return `<p class="muted">Nobody ${undo ? "is put back" : "moves"}.</p>`;

  const side = (pick: (b: Band) => string): Map<string, Node> => {
    const totals = new Map<string, number>();
    for (const b of bands) totals.set(pick(b), (totals.get(pick(b)) ?? 0) + b.people);
    const ranked = [...totals].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const nodes = new Map<string, Node>();
    const other: Node = { key: "\u0000other", label: "", people: 0 };
    let folded = 0;
    ranked.forEach(([key, people], i) => {
      if (i < TOP_GROUPS || key === "\u0000none") {
        nodes.set(key, { key, label: key === "\u0000none" ? "no group (guests removed)" : key, people });
      } else {
        other.people += people;
        folded++;
        nodes.set(key, other);
      }
    });
    if (folded > 0) other.label = `${folded} other groups`;
    return nodes;
  };
  const lefts = side((b) => b.from);
  const rights = side((b) => b.to);

  const WIDTH = 960;
  const NODE_W = 14;
  const GAP = 8;
  const PAD = 12; // every node at least this tall, so its label has room
  const TOP = 22;
  const LABEL = 300;
  const unique = (nodes: Map<string, Node>): Node[] => [...new Set(nodes.values())];
  const leftNodes = unique(lefts);
  const rightNodes = unique(rights);
  // One band per pair of nodes drawn: moves folded into "other groups" share their bands.
  const pairs = new Map<
    string,
    { l: Node; r: Node; people: number; labels: Set<string>; dropped: boolean }
  >();
  for (const band of bands) {
    const l = lefts.get(band.from) as Node;
    const r = rights.get(band.to) as Node;
    const key = `${l.key}\u0000${r.key}`;
    const pair = pairs.get(key) ?? {
      l,
      r,
      people: 0,
      labels: new Set<string>(),
      dropped: band.to === "\u0000none",
    };
    pair.people += band.people;
    pair.labels.add(`${band.from} → ${band.to === "\u0000none" ? "no group" : band.to}`);
    pairs.set(key, pair);
  }
  const total = bands.reduce((n, b) => n + b.people, 0);
  const count = Math.max(leftNodes.length, rightNodes.length);
  const height = Math.max(200, Math.min(2400, count * 30 + 40));
  const scale = Math.max(0.05, (height - TOP - 10 - (GAP + PAD) * count) / total);
  const layout = (nodes: Node[]): Map<Node, { y: number; h: number; used: number }> => {
    const at = new Map<Node, { y: number; h: number; used: number }>();
    let y = TOP;
    for (const node of nodes) {
      const h = PAD + node.people * scale;
      at.set(node, { y, h, used: PAD / 2 });
      y += h + GAP;
    }
    return at;
  };
  const leftAt = layout(leftNodes);
  const rightAt = layout(rightNodes);
  const bottom = Math.max(...[...leftAt.values(), ...rightAt.values()].map((a) => a.y + a.h)) + 10;
  const x0 = LABEL;
  const x1 = WIDTH - LABEL;
  const parts: string[] = [];
  for (const pair of pairs.values()) {
    const a = leftAt.get(pair.l) as { y: number; h: number; used: number };
    const b = rightAt.get(pair.r) as { y: number; h: number; used: number };
    const w = Math.max(1, pair.people * scale);
    const ya = a.y + a.used + w / 2;
    const yb = b.y + b.used + w / 2;
    a.used += w;
    b.used += w;
    const mid = (x0 + NODE_W + x1) / 2;
    const labels = [...pair.labels];
    const title =
      labels.length > 3 ? `${labels.slice(0, 3).join("; ")}; … ${labels.length - 3} more` : labels.join("; ");
    parts.push(
      `<path class="band${pair.dropped ? " dropped" : ""}" d="M${x0 + NODE_W} ${ya.toFixed(1)} C${mid} ${ya.toFixed(1)} ${mid} ${yb.toFixed(1)} ${x1} ${yb.toFixed(1)}" stroke-width="${w.toFixed(1)}"><title>${esc(`${title}: ${plural(pair.people, "person", "people")}`)}</title></path>`,
    );
  }
  const nodeSvg = (nodes: Node[], at: Map<Node, { y: number; h: number }>, left: boolean): void => {
    for (const node of nodes) {
      const { y, h } = at.get(node) as { y: number; h: number };
      const x = left ? x0 : x1;
      parts.push(
        `<rect class="node" x="${x}" y="${y.toFixed(1)}" width="${NODE_W}" height="${h.toFixed(1)}"/>`,
      );
      const tx = left ? x0 - 6 : x1 + NODE_W + 6;
      parts.push(
        `<text x="${tx}" y="${(y + h / 2 + 4).toFixed(1)}" text-anchor="${left ? "end" : "start"}">${esc(node.label)} (${node.people})</text>`,
      );
    }
  };
  nodeSvg(leftNodes, leftAt, true);
  nodeSvg(rightNodes, rightAt, false);
  return `<svg class="flow" viewBox="0 0 ${WIDTH} ${bottom.toFixed(0)}" role="img" aria-label="groups before on the left, after on the right"><text class="axis" x="${x0 + NODE_W}" y="14" text-anchor="end">before</text><text class="axis" x="${x1}" y="14">after</text>${parts.join("")}</svg>`;
}

/** One row of the people table: a person and what happened to them in one move. */
interface PersonRow {
  readonly id: string;
  readonly move: string;
  readonly from: string;
  readonly to: string;
  readonly what: string;
}

function personRows(report: Report, words: { move: string }): PersonRow[] {
  const undo = isUndo(report);
  const rows: PersonRow[] = [];
  for (const m of report.moves) {
    const [from, to] = undo ? [groupLabel(m.to), groupLabel(m.from)] : [groupLabel(m.from), groupLabel(m.to)];
    const add = (ids: readonly string[], what: string, toGroup = to): void => {
      for (const id of ids) rows.push({ id, move: m.id, from, to: toGroup, what });
    };
    if (ran(m)) {
      add(m.moved, words.move);
      add(m.alreadyInDestination, "already there");
      add(m.droppedGuests, "guest: removed, in no group", "—");
      add(m.guestsLeftInSource, "guest: stays", from);
      add(m.preview?.disabledLeftBehind ?? [], "disabled: stays", from);
    } else {
      add(m.before?.source ?? [], `not moved (${m.reason ?? m.status})`, from);
    }
  }
  // Everyone else the report names: members who stay where they are, managers, the key's user.
  const listed = new Set(rows.map((r) => r.id));
  const where = new Map<string, PersonRow>();
  for (const m of report.moves) {
    const destination = groupLabel(undo ? m.from : m.to);
    for (const id of m.before?.destination ?? [])
      where.set(id, { id, move: m.id, from: destination, to: destination, what: "stays (already a member)" });
  }
  const keyUser = report.ranBy.keyUser?.id;
  for (const id of keysOf(report.people)) {
    if (listed.has(id)) continue;
    const row = where.get(id);
    rows.push(
      row ?? {
        id,
        move: "",
        from: "",
        to: "",
        what: id === keyUser ? "ran it (the key's user)" : "named in the report",
      },
    );
  }
  return rows;
}

const personName = (people: Report["people"], id: string): Person | undefined =>
  Object.hasOwn(people, id) ? people[id] : undefined;

/** The page's own style and script; their hashes go into the Content-Security-Policy. */
const STYLE = `
:root { color-scheme: light; --ink: #1d2433; --muted: #5b6478; --line: #d9dee8; --accent: #2b6cb0; --warn: #b7791f; --bad: #c53030; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); margin: 0; padding: 24px 32px; max-width: 1200px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.muted { color: var(--muted); }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 12px 0; }
.meta dt { color: var(--muted); } .meta dd { margin: 0; }
.outcome { display: inline-block; padding: 2px 10px; border-radius: 10px; font-weight: 600; background: #e6f4ea; color: #22543d; }
.outcome.bad { background: #fde8e8; color: var(--bad); }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px; min-width: 120px; }
.card b { display: block; font-size: 20px; }
svg.flow { width: 100%; height: auto; border: 1px solid var(--line); border-radius: 8px; background: #fbfcfe; }
svg.flow text { font-size: 12px; fill: var(--ink); } svg.flow text.axis { fill: var(--muted); font-size: 10px; }
.node { fill: #4a5568; } .band { fill: none; stroke: var(--accent); stroke-opacity: .35; } .band.dropped { stroke: var(--warn); }
.band:hover { stroke-opacity: .7; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f4f6fa; position: sticky; top: 0; }
.panels { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 12px; align-items: start; }
.panel { border: 1px solid var(--line); border-left: 4px solid var(--warn); border-radius: 6px; padding: 8px 12px; }
.panel.bad { border-left-color: var(--bad); } .panel h3 { font-size: 14px; margin: 0 0 6px; }
.panel ul { margin: 0; padding-left: 18px; }
input[type=search] { font: inherit; padding: 6px 10px; width: 360px; max-width: 100%; border: 1px solid var(--line); border-radius: 6px; }
.hidden { display: none; }
#people { table-layout: fixed; }
#people td { overflow-wrap: anywhere; }
#people tbody + tbody { content-visibility: auto; contain-intrinsic-size: auto 25000px; }
@media print { body { padding: 0; } input[type=search] { display: none; } th { position: static; } }
`;

const SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById("people-data").textContent);
  var table = document.getElementById("people");
  var box = document.getElementById("search");
  var shown = document.getElementById("shown");
  var rows = [];
  var keys = [];
  var query = "";
  var BLOCK = 1000;
  function matches(i) { return query === "" || keys[i].indexOf(query) !== -1; }
  function build(from) {
    var body = document.createElement("tbody");
    for (var i = from; i < Math.min(from + BLOCK, data.length); i++) {
      var tr = document.createElement("tr");
      for (var c = 0; c < data[i].length; c++) {
        var td = document.createElement("td");
        td.textContent = data[i][c];
        tr.appendChild(td);
      }
      keys[i] = data[i].join(" ").toLowerCase();
      if (!matches(i)) tr.className = "hidden";
      rows[i] = tr;
      body.appendChild(tr);
    }
    table.appendChild(body);
    if (from + BLOCK < data.length) setTimeout(function () { build(from + BLOCK); }, 0);
    else document.documentElement.setAttribute("data-rows", "complete");
    count();
  }
  function count() {
    var n = 0;
    for (var i = 0; i < data.length; i++) if (keys[i] === undefined ? query === "" : matches(i)) n++;
    shown.textContent = String(n);
  }
  box.addEventListener("input", function () {
    query = box.value.trim().toLowerCase();
    for (var i = 0; i < rows.length; i++) rows[i].className = matches(i) ? "" : "hidden";
    count();
  });
  build(0);
})();
`;

const hash = (text: string): string => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;

/** The Content-Security-Policy of the page: its own style and script, nothing else, nothing fetched. */
export const CONTENT_SECURITY_POLICY = `default-src 'none'; style-src ${hash(STYLE)}; script-src ${hash(SCRIPT)}; img-src 'none'; base-uri 'none'; form-action 'none'`;

function panel(title: string, items: readonly string[], bad = false, cap = 200): string {
  if (items.length === 0) return "";
  const shown = items.slice(0, cap).map((i) => `<li>${esc(i)}</li>`);
  if (items.length > cap)
    shown.push(`<li class="muted">… and ${items.length - cap} more (see the table below)</li>`);
  return `<section class="panel${bad ? " bad" : ""}"><h3>${esc(title)} (${items.length})</h3><ul>${shown.join("")}</ul></section>`;
}

/**
 * A verified move's groups before → after, from its own record: the source loses everyone it moved,
 * found in the destination already or dropped (guests), and the destination gains them and the
 * manager it was given. Disabled members, whom the reads do not list, are in neither count.
 */
function runCounts(m: MoveResult, before: NonNullable<MoveResult["before"]>): [string, string] {
  const gone = new Set([...m.moved, ...m.alreadyInDestination, ...m.droppedGuests]);
  const source = before.source.filter((id) => !gone.has(id)).length;
  const destination = new Set([...before.destination, ...m.moved, ...m.alreadyInDestination]);
  if (typeof m.managerSet === "string") destination.add(m.managerSet);
  return [`${before.source.length} → ${source}`, `${before.destination.length} → ${destination.size}`];
}

/** The whole page. */
export function toHtml(report: Report): string {
  const words = wordsOf(report);
  const undo = isUndo(report);
  const name = (id: string): string => personName(report.people, id)?.displayName ?? id;
  const s = report.summary;
  const done = report.moves.filter(ran);
  const people = done.reduce((n, m) => n + m.moved.length, 0);
  const bad = report.outcome !== "succeeded" || report.problems.length > 0;
  const keyUser = report.ranBy.keyUser;

  const meta: [string, string][] = [
    ["Portal", report.portal],
    [
      "DocSpace",
      `${report.portalVersion ?? "version unknown"}${report.behaviour === null ? "" : ` (the move ${report.behaviour === "move" ? "takes members out of the source" : "only copies; the tool removes them from the source"})`}`,
    ],
    ["Manifest", `${report.manifest.path} (sha256 ${report.manifest.sha256.slice(0, 12)}…)`],
    [
      "Run by",
      `${report.ranBy.osUser ?? "unknown"} on ${report.ranBy.host ?? "an unknown host"}${keyUser === null ? "" : `, with the key of ${keyUser.displayName}`}`,
    ],
    ["When", `${report.startedAt} → ${report.finishedAt}`],
    ["Tool", `${report.tool.name} ${report.tool.version}, run ${report.runId}`],
  ];

  // Per group: members before → after, from the preview (dry runs) or from the moves' own counts.
  const groupRows = report.moves.map((m) => {
    const [from, to] = undo ? [m.to, m.from] : [m.from, m.to];
    const p = m.preview;
    const before = m.before;
    const counts =
      p !== undefined
        ? [`${p.sourceBefore} → ${p.sourceAfter}`, `${p.destinationBefore} → ${p.destinationAfter}`]
        : before !== null && !undo && m.status === MoveStatus.Succeeded
          ? runCounts(m, before)
          : before !== null
            ? [`${before.source.length} before`, `${before.destination.length} before`]
            : ["", ""];
    const status =
      m.status === MoveStatus.Planned
        ? words.move
        : m.status === MoveStatus.Succeeded
          ? words.verb
          : `${m.status}${m.reason === null ? "" : ` (${m.reason})`}`;
    return `<tr><td>${esc(m.id)}</td><td>${esc(groupLabel(from))}</td><td>${esc(groupLabel(to))}</td><td>${esc(undo ? (counts[1] ?? "") : (counts[0] ?? ""))}</td><td>${esc(undo ? (counts[0] ?? "") : (counts[1] ?? ""))}</td><td>${m.moved.length}</td><td>${esc(status)}</td></tr>`;
  });

  const surprises = [
    panel(
      "Guests DocSpace removes and puts in no group",
      done.flatMap((m) => m.droppedGuests.map((id) => `${name(id)} (from "${groupLabel(m.from)}")`)),
    ),
    panel(
      "Guests who stay in the source",
      done.flatMap((m) => m.guestsLeftInSource.map((id) => `${name(id)} (in "${groupLabel(m.from)}")`)),
    ),
    panel(
      "Managers who lose the role",
      done.flatMap((m) =>
        m.managerRemoved === null ? [] : [`${name(m.managerRemoved)} (of "${groupLabel(m.from)}")`],
      ),
    ),
    panel(
      "Managers set",
      done.flatMap((m) =>
        m.managerSet === undefined || m.managerSet === null
          ? []
          : [`${name(m.managerSet)} (of "${groupLabel(m.to)}")`],
      ),
    ),
    panel(
      "Groups created",
      done.flatMap((m) => (m.created === true ? [`"${groupLabel(m.to)}"`] : [])),
    ),
    panel(
      "Disabled users left in the source",
      done.flatMap((m) =>
        (m.preview?.disabledLeftBehind ?? []).map((id) => `${name(id)} (in "${groupLabel(m.from)}")`),
      ),
    ),
    panel(
      "Completed by the tool (this portal only copies)",
      done.flatMap((m) =>
        m.completion === null
          ? []
          : [
              `${m.id}: removed ${m.moved.length + m.alreadyInDestination.length} from "${groupLabel(m.from)}"`,
            ],
      ),
    ),
    panel(
      "Failed, skipped or not attempted",
      report.moves.flatMap((m) =>
        ran(m)
          ? []
          : [
              `${m.id}: ${m.status}${m.reason === null ? "" : ` (${m.reason})`}${m.error === null ? "" : `: ${m.error.message}`}`,
            ],
      ),
      true,
    ),
    panel("Blocking problems", report.problems, true),
    panel("Warnings", report.warnings),
  ];
  if (report.rooms !== undefined) {
    const lost = report.rooms.people.filter((c) => c.after === null);
    const gained = report.rooms.people.filter((c) => c.before === null);
    const changed = report.rooms.people.filter((c) => c.before !== null && c.after !== null);
    surprises.push(
      panel(
        "Room access lost",
        lost.map((c) => `${name(c.person)}: "${c.title}" (was ${c.before ?? ""})`),
        true,
      ),
      panel(
        "Room access gained",
        gained.map((c) => `${name(c.person)}: "${c.title}" (${c.after ?? ""})`),
      ),
      panel(
        "Room roles that change",
        changed.map((c) => `${name(c.person)}: "${c.title}" ${c.before ?? ""} → ${c.after ?? ""}`),
      ),
    );
  }
  const panels = surprises.filter((p) => p !== "");

  // The table's rows travel as data (never markup) and are built by the script with textContent, a
  // block at a time, so the first screen shows at once however many people there are.
  const rows = personRows(report, words).map((r) => {
    const person = personName(report.people, r.id);
    return [person?.displayName ?? r.id, person?.email ?? "", r.from, r.to, r.what, r.move];
  });
  const data = JSON.stringify(rows).replace(/</g, "\\u003c");

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(`${words.title}: ${report.portal}`)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${esc(words.title)} of ${esc(plural(report.moves.length, "move"))} on ${esc(report.portal)}</h1>
<p><span class="outcome${bad ? " bad" : ""}">${esc(report.mode === RunMode.DryRun ? (report.problems.length > 0 ? "blocking problems" : "ready to run") : report.outcome)}</span> <span class="muted">exit ${report.exitCode}</span></p>
<dl class="meta">${meta.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join("")}</dl>
<div class="cards">
<div class="card"><b>${people}</b>${esc(`people ${words.verb}`)}</div>
<div class="card"><b>${report.mode === RunMode.DryRun ? s.planned : s.succeeded}</b>${report.mode === RunMode.DryRun ? "moves planned" : "moves succeeded"}</div>
<div class="card"><b>${s.failed}</b>failed</div>
<div class="card"><b>${s.skipped + s.notAttempted}</b>skipped or not attempted</div>
<div class="card"><b>${s.requests}</b>requests${report.mode === RunMode.DryRun ? " (all GET)" : ""}</div>
</div>
<h2>Where people go</h2>
${flowSvg(report)}
<h2>Groups, move by move</h2>
<table><thead><tr><th>move</th><th>from</th><th>to</th><th>from: members</th><th>to: members</th><th>people</th><th>status</th></tr></thead><tbody>${groupRows.join("")}</tbody></table>
<h2>What to look at</h2>
${panels.length === 0 ? `<p class="muted">Nothing unusual.</p>` : `<div class="panels">${panels.join("")}</div>`}
<h2>Every person (<span id="shown">${rows.length}</span> of ${rows.length} rows)</h2>
<p><input type="search" id="search" placeholder="Search names, emails, groups…" aria-label="search people"></p>
<table id="people"><thead><tr><th>name</th><th>email</th><th>from</th><th>to</th><th>what happens</th><th>move</th></tr></thead></table>
<script type="application/json" id="people-data">${data}</script>
<p class="muted">A view of the JSON report (report version ${report.reportVersion}); the report is the record.</p>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
