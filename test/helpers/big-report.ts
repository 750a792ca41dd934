export { bigReport } from "../../bench/lib/big-report.mjs";
