import { readFile } from "node:fs/promises";
import { Ajv } from "ajv";
import { default as addFormats } from "ajv-formats";
import { reportSchema } from "../schemas.js";
import type { Report } from "./types.js";

const ajv = new Ajv({ allErrors: true, strict: true });
addFormats.default(ajv);
const validReport = ajv.compile<Report>(reportSchema);

/** A report file read back and checked against `schema/report.schema.json`, or why it cannot be. */
export async function readReport(
  file: string,
): Promise<{ ok: true; report: Report } | { ok: false; message: string }> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, "utf8"));
  } catch (err) {
    return {
      ok: false,
      message: `cannot read it as JSON (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    };
  }
  if (!validReport(value))
    return { ok: false, message: "not a docspace-migrate report (schema/report.schema.json)" };
  return { ok: true, report: value };
}
