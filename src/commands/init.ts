import { lstat } from "node:fs/promises";
import type { Output } from "../engine/session.js";
import { PortalError, type Portal } from "../portal/port.js";
import { ExitCode } from "../report/exit-codes.js";
import { STDOUT, writeFileAtomic } from "../report/write.js";
import { packagePath } from "../package-files.js";

/**
 * The installed schema, by absolute path: the hint works wherever the manifest is written (a relative
 * `./schema/...` breaks once the file is copied, and after `npm install` the schema is in node_modules).
 */
export const SCHEMA_PATH = packagePath("schema/manifest.schema.json");

/** A group as init lists it. */
export interface ListedGroup {
  readonly id: string;
  readonly name: string;
  readonly members: number;
}

/** Names as YAML comments: one line each, nothing that ends the comment. */
const commentSafe = (text: string): string => text.replace(/[\r\n\u2028\u2029]/g, " ");

/** The starter manifest's text. Pure. */
export function starterManifest(options: {
  readonly schemaPath: string;
  readonly portalUrl: string | null;
  readonly groups: readonly ListedGroup[] | null;
}): string {
  const lines = [
    `# yaml-language-server: $schema=${options.schemaPath}`,
    "#",
    "# A docspace-migrate manifest. Each move takes EVERY member of `from` into `to`, as DocSpace's",
    '# "move members" does: active and pending members join `to` and leave `from`; guests leave `from`',
    "# and are added nowhere; the manager of `from` loses the role; disabled users stay in `from`.",
    "#",
    "# 1. Replace the example move below with yours (a group's UUID, or { name: exact group name }).",
    "# 2. Check it offline:        docspace-migrate validate <this file>",
    "# 3. Preview it (reads only): docspace-migrate run <this file> --dry-run",
    "# 4. Run it, keep the report: docspace-migrate run <this file>   (undo <report.json> puts it back)",
    "",
    "version: 1",
    "",
    "# The API key never goes in this file: it is read from DOCSPACE_API_KEY (or the file named by",
    "# DOCSPACE_API_KEY_FILE). Without a portal block, the URL comes from DOCSPACE_URL.",
    ...(options.portalUrl === null
      ? ["# portal:", "#   url: https://example.onlyoffice.com"]
      : ["portal:", `  url: ${options.portalUrl}`]),
    "",
    "# Optional defaults for the run flags of the same names (a flag on the command line wins).",
    "# settings:",
    "#   concurrency: 4     # moves in flight at once, 1-15",
    "#   rate: 1200         # requests per minute, reads included (DocSpace allows 1500)",
    "#   maxChanges: 500    # refuse a run that would change the groups of more people than this",
    "",
    "moves:",
    "  - id: first-move # optional; letters, digits, . _ -",
    "    from: { name: Old team }",
    "    to: { name: New team }",
    "    note: why this move is made (copied into the report)",
  ];
  if (options.groups !== null) {
    lines.push("", `# The portal's groups (${options.groups.length}), as read when this file was written:`);
    const width = Math.max(0, ...options.groups.map((g) => `${g.members}`.length));
    for (const g of [...options.groups].sort((a, b) => a.name.localeCompare(b.name))) {
      lines.push(`#   ${g.id}  ${`${g.members}`.padStart(width)} members  ${commentSafe(g.name)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** Every group with its member count: one read per group, through the run's rate budget. */
export async function listGroups(portal: Portal): Promise<ListedGroup[]> {
  const summaries = await portal.listGroups();
  return Promise.all(
    summaries.map(async (s) => {
      const group = await portal.group(s.id);
      return { id: s.id, name: s.name, members: group.members.length };
    }),
  );
}

/**
 * `docspace-migrate init [--out file] [--from-portal]`: writes a starter manifest, never over an
 * existing file; with a portal, lists its groups in it as comments (GET only).
 */
export async function initCommand(
  options: { readonly out: string; readonly portal: Portal | null; readonly portalUrl: string | null },
  deps: { readonly output: Output },
): Promise<ExitCode> {
  const { output } = deps;
  if (options.out !== STDOUT && (await lstat(options.out).catch(() => null)) !== null) {
    output.err(`${options.out} exists; init never writes over a file (choose another with --out)`);
    return ExitCode.Usage;
  }
  let groups: ListedGroup[] | null = null;
  if (options.portal !== null) {
    try {
      groups = await listGroups(options.portal);
    } catch (err) {
      if (!(err instanceof PortalError)) throw err;
      output.err(`the portal's groups could not be read: ${err.message}`);
      return err.fatal ? ExitCode.Aborted : ExitCode.Failed;
    }
  }
  const text = starterManifest({ schemaPath: SCHEMA_PATH, portalUrl: options.portalUrl, groups });
  if (options.out === STDOUT) {
    (output.data ?? output.out)(text);
    return ExitCode.Ok;
  }
  await writeFileAtomic(options.out, text, 0o644);
  output.out(
    `wrote ${options.out}${groups === null ? "" : ` (with the portal's ${groups.length} groups as comments)`}`,
  );
  output.out(`next: edit its moves, then docspace-migrate validate ${options.out}`);
  return ExitCode.Ok;
}
