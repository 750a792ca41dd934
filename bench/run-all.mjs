// `npm run bench`: every benchmark, one after another, each printing its own table.
import { benchValidateLarge } from "./validate-large.mjs";

console.log("validate-large: `docspace-migrate validate` on generated manifests (median of runs)");
console.table(benchValidateLarge());
