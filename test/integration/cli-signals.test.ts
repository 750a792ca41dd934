import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { BIN, ROOT } from "../helpers/cli.js";

describe("signals from the program's first line (SPEC §4.7)", () => {
  it("loads nothing heavy before the handlers: the bin's static imports are the exit codes and text escaping", async () => {
    // The bin is a bundle (scripts/bundle.mjs): follow its static imports through the chunks and read which
    // of the tool's modules and packages they hold (esbuild marks each with a "// dist/..." line).
    const loaded = new Set<string>();
    const held: string[] = [];
    const visit = async (file: string): Promise<void> => {
      if (loaded.has(file)) return;
      loaded.add(file);
      const text = await readFile(file, "utf8");
      held.push(...[...text.matchAll(/^\/\/ ((?:dist|node_modules)\/\S+)$/gm)].map((m) => m[1] ?? ""));
      for (const m of text.matchAll(/^(?:import [^;]*? from |import )"(\.\/[^"]+)";?$/gm)) {
        await visit(join(dirname(file), m[1] ?? ""));
      }
    };
    await visit(BIN);
    expect(held.sort()).toEqual(["dist/cli/main.js", "dist/report/exit-codes.js", "dist/text.js"]);
  });

  it("a SIGTERM while the modules still load exits 130, not killed by the signal", async () => {
    // A module hook sends the signal at the moment the bin asks for its commands' modules (the program's chunk): after its first
    // line (the handlers), before anything else has loaded. No timing involved.
    const dir = await mkdtemp(join(tmpdir(), "dm-signal-"));
    await writeFile(
      join(dir, "hooks.mjs"),
      `export async function resolve(specifier, context, next) {
  if (specifier.startsWith("./program")) process.kill(process.pid, "SIGTERM");
  return next(specifier, context);
}
`,
    );
    await writeFile(
      join(dir, "register.mjs"),
      `import { register } from "node:module";\nregister("./hooks.mjs", import.meta.url);\n`,
    );
    const child = spawn(
      process.execPath,
      ["--import", pathToFileURL(join(dir, "register.mjs")).href, BIN, "validate", "migrations.example.yaml"],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? "" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const closed = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on("close", (code, signal) => {
        resolve([code, signal]);
      }),
    );
    expect(await closed).toEqual([130, null]);
    expect(stderr).toContain("SIGTERM: stopping");
    await rm(dir, { recursive: true, force: true });
  });
});
