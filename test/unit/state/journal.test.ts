import { chmod, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JournalRecord } from "../../../src/state/history.js";
import { Journal, JOURNAL_FILE, readHistory } from "../../../src/state/journal.js";

const record = (n: number): JournalRecord => ({
  v: 1,
  event: "finished",
  at: "2026-11-26T00:00:00Z",
  runId: "r",
  portal: "https://p.example.com",
  moveId: `m${n}`,
  from: "f",
  to: "t",
  status: "succeeded",
  reason: null,
});

describe("the journal file", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "dm-journal-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes concurrent appends together, in order, each resolved only once its line is on disk", async () => {
    const { journal } = await Journal.open(dir);
    const onDisk: number[] = [];
    await Promise.all(
      Array.from({ length: 50 }, (_, n) =>
        journal.append(record(n)).then(async () => {
          const text = await readFile(join(dir, JOURNAL_FILE), "utf8");
          if (text.includes(`"moveId":"m${n}"`)) onDisk.push(n);
        }),
      ),
    );
    await journal.close();
    expect(onDisk).toHaveLength(50);
    const lines = (await readFile(join(dir, JOURNAL_FILE), "utf8")).trim().split("\n");
    expect(lines.map((l) => (JSON.parse(l) as JournalRecord).moveId)).toEqual(
      Array.from({ length: 50 }, (_, n) => `m${n}`),
    );
    expect((await readHistory(dir)).done.size).toBe(50);
  });

  it("reads a missing journal as an empty history", async () => {
    expect((await readHistory(join(dir, "none"))).done.size).toBe(0);
  });
});

describe("the journal's file and folder", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "dm-journal-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("is never written through a symbolic link planted at its name", async () => {
    const target = join(dir, "elsewhere");
    await writeFile(target, "");
    await symlink(target, join(dir, JOURNAL_FILE));
    await expect(Journal.open(dir)).rejects.toThrow(
      /is a symbolic link; the journal is never written through one/,
    );
    expect(await readFile(target, "utf8")).toBe("");
  });

  it("is created 0600 in a 0700 folder, and tightens looser modes it finds, saying so", async () => {
    const fresh = join(dir, "state");
    const first = await Journal.open(fresh);
    await first.journal.close();
    expect([(await stat(fresh)).mode & 0o777, (await stat(join(fresh, JOURNAL_FILE))).mode & 0o777]).toEqual([
      0o700, 0o600,
    ]);
    await chmod(fresh, 0o755);
    await chmod(join(fresh, JOURNAL_FILE), 0o644);
    const again = await Journal.open(fresh);
    await again.journal.close();
    expect(again.warnings).toEqual([
      `${fresh} could be read by others (mode 0755); it is now 0700`,
      `${join(fresh, JOURNAL_FILE)} could be read by others (mode 0644); it is now 0600`,
    ]);
    expect((await stat(join(fresh, JOURNAL_FILE))).mode & 0o777).toBe(0o600);
  });
});
