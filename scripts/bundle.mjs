// Bundles the compiled CLI (dist/, from tsc) into bundle/, what the bin runs: the tool's modules and its
// small ESM/CJS dependencies in a few files, each command's code still in its own chunk, loaded only when
// that command runs. Loading ~50 separate modules (commander through Node's CommonJS loader) was a third
// of `validate`'s start-up (bench/startup.mjs). Run by `npm run build` after tsc.
import { chmodSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const outdir = join(root, "bundle");

// Left to node_modules: loaded rarely and late (undici for proxies and for the DELETEs that complete moves
// on a portal before v3.7.1, js-yaml and yaml for YAML outside the usual shapes and positions, ajv for
// reports and seeds), or spawning workers that resolve files by name (pino and its pretty printer).
const external = ["pino", "pino-pretty", "undici", "js-yaml", "yaml", "ajv", "ajv-formats"];

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
  chunkNames: "[name]-[hash]",
  // Bundled CommonJS (commander) calls require() for Node's modules; an ES module has none of its own.
  banner: {
    js: 'import { createRequire as __bundleRequire } from "node:module"; const require = __bundleRequire(import.meta.url);',
  },
  logLevel: "warning",
});
chmodSync(join(outdir, "main.js"), 0o755);
