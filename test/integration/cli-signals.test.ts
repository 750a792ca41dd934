import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { BIN, ROOT } from "../helpers/cli.js";

/** How long this machine takes to start node and run nothing, right now. */
async function nodeStartMs(): Promise<number> {
  const started = performance.now();
  await new Promise((resolve) => spawn(process.execPath, ["-e", "0"]).on("close", resolve));
  return performance.now() - started;
}

describe("signals from the program's first line (SPEC §4.7)", () => {
  it("loads nothing heavy before the handlers: the bin's static imports are the exit codes and text escaping", async () => {
    const main = await readFile(BIN, "utf8");
    const imports = [...main.matchAll(/^import .* from "(.+)";$/gm)].map((m) => m[1]);
    expect(imports).toEqual(["../report/exit-codes.js", "../text.js"]);
  });

  it("a SIGTERM while the modules still load exits 130, not killed by the signal", async () => {
    // Past node's own start-up, the bin's first line has run, while its commands' modules still load.
    const delay = (await nodeStartMs()) + 10;
    const child = spawn(process.execPath, [BIN, "validate", "migrations.example.yaml"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const closed = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on("close", (code, signal) => {
        resolve([code, signal]);
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, delay));
    child.kill("SIGTERM");
    expect(await closed).toEqual([130, null]);
  });
});
