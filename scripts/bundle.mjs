// Bundles the compiled CLI (dist/, from tsc) into bundle/, what the bin runs: the tool's modules and its
// small ESM/CJS dependencies in a few files, each command's code still in its own chunk, loaded only when
// that command runs. Loading ~50 separate modules (commander through Node's CommonJS loader) was a third
// of `validate`'s start-up (bench/startup.mjs). Run by `npm run build` after tsc.
import { chmodSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const outdir = join(root, "bundle");

// Left to node_modules: loaded rarely and late (undici for proxies and for the DELETEs that complete moves
// on a portal before v3.7.1, js-yaml and yaml for YAML outside the usual shapes and positions, ajv for
// reports and seeds), or spawning workers that resolve files by name (pino and its pretty printer).
const external = ["pino", "pino-pretty", "undici", "js-yaml", "yaml", "ajv", "ajv-formats"];

// commander loads child_process (and with it net and dgram) as it loads, for subcommands that are programs
// of their own, which this CLI has none of: loaded when such a subcommand would run, not at every start.
const CHILD_PROCESS = "const childProcess = require('node:child_process');";
const lazyChildProcess = {
  name: "commander-lazy-child-process",
  setup(on) {
    on.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, ({ path }) => {
      const text = readFileSync(path, "utf8");
      if (
        !text.includes(CHILD_PROCESS) ||
        text.split("childProcess.").length - 1 !== text.split("childProcess.spawn(").length - 1
      )
        throw new Error(
          `${path}: commander no longer loads child_process as this build expects; update the plugin`,
        );
      const lazy =
        "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };";
      return { contents: text.replace(CHILD_PROCESS, lazy), loader: "js" };
    });
  },
};

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [join(root, "dist", "cli", "main.js")],
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external,
  plugins: [lazyChildProcess],
  chunkNames: "[name]-[hash]",
  // Bundled CommonJS (commander) calls require() for Node's modules; an ES module has none of its own.
  banner: {
    js: 'import { createRequire as __bundleRequire } from "node:module"; const require = __bundleRequire(import.meta.url);',
  },
  logLevel: "warning",
});
chmodSync(join(outdir, "main.js"), 0o755);
