// `npm run bench`: every benchmark, one after another, each printing its own table.
import { benchRunThroughput, printRunThroughput } from "./run-throughput.mjs";
import { benchSandboxThroughput } from "./sandbox-throughput.mjs";
import { benchValidateLarge } from "./validate-large.mjs";

const { benchStartup, printStartup } = await import("./startup.mjs");
printStartup(await benchStartup());
console.log("validate-large: `docspace-migrate validate` on generated manifests (median of runs)");
console.table(await benchValidateLarge());
console.log("sandbox-throughput: the sandbox under load from a second process (target ≥ 2,000 req/s)");
console.table(await benchSandboxThroughput());
printRunThroughput(await benchRunThroughput());
const { benchHtmlRender, printHtmlRender } = await import("./html-render.mjs");
printHtmlRender(await benchHtmlRender());
const { benchRunScale } = await import("./run-scale.mjs");
console.log("run-scale: disjoint moves of 2 members, sandbox limits off and no latency, --concurrency 15");
console.table(await benchRunScale());
const { benchPlanScale } = await import("./plan-scale.mjs");
console.log("plan-scale: a saved plan checked against the manifest and the groups just read (in process)");
console.table(benchPlanScale());
