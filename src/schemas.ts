import { readFileSync } from "node:fs";
import { packageUrl } from "./package-files.js";

/** The published JSON Schemas in `schema/`, read once: they are the single source of truth for shapes. */
const read = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(packageUrl(`schema/${name}`), "utf8")) as Record<string, unknown>;

export const manifestSchema = read("manifest.schema.json");
export const seedSchema = read("seed.schema.json");
export const reportSchema = read("report.schema.json");
