import { readFileSync } from "node:fs";

/** The tool's own name and version, from its package.json, for `--version` and reports. */
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  name: string;
  version: string;
};

export const TOOL = { name: pkg.name, version: pkg.version } as const;
