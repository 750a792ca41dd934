import type { Report } from "../../src/report/types.js";
export declare function bigReport(
  moves: number,
  perMove: number,
  rename?: { group?: (i: number) => string; person?: (n: number) => string },
): Report;
