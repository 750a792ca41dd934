import { readFileSync } from "node:fs";

/** The published JSON Schemas in `schema/`, read once: they are the single source of truth for shapes. */
const read = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../schema/${name}`, import.meta.url), "utf8")) as Record<string, unknown>;

export const manifestSchema = read("manifest.schema.json");
export const seedSchema = read("seed.schema.json");
export const reportSchema = read("report.schema.json");
