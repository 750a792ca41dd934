import { checkManifest, formatIssue, type CheckResult } from "../../src/manifest/check.js";
import { sha256 } from "../../src/manifest/load.js";

export const FILE = "migrations.yaml";
export const A = "08e455dc-98c4-4390-b36f-54757080149c";
export const B = "9b1c2d3e-0000-4000-8000-000000000002";
export const C = "3f2a0000-0000-4000-8000-000000000001";
export const D = "aaaa0000-0000-4000-8000-000000000010";

/** Checks manifest text as the CLI would, with an explicit environment. */
export const check = (text: string, env: Record<string, string> = {}): CheckResult =>
  checkManifest({ file: FILE, text, sha256: sha256(text), env });

/** The issues as the CLI prints them. */
export const lines = (text: string, env: Record<string, string> = {}): string[] =>
  check(text, env).issues.map(formatIssue);

/** A manifest with the given move lines under `moves:`. */
export const withMoves = (...moves: string[]): string => `version: 1\nmoves:\n${moves.join("\n")}\n`;
