import { readFileSync } from "node:fs";
import { packageUrl } from "./package-files.js";

/** The tool's own name and version, from its package.json, for `--version` and reports. */
const pkg = JSON.parse(readFileSync(packageUrl("package.json"), "utf8")) as {
  name: string;
  version: string;
};

export const TOOL = { name: pkg.name, version: pkg.version } as const;
