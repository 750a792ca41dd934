// Throughput of `docspace-migrate sandbox` with faults, latency and limits off, under load from this
// (second) process: keep-alive fetch, fixed concurrency, a fixed duration per case, bounded by time.
import { LIMITS_OFF, startSandboxProcess } from "./lib/measure.mjs";

const KEY = `sk-${"b".repeat(64)}`;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = 32;
const SALES_EMEA = "4893776e-c6be-41e3-982b-c53af79194a3";
const SUPPORT = "ee13561f-52e0-4706-9a59-dbfe28927d51";
const USER = "3994693e-a3ae-4e68-9323-451b4a95902a"; // in Sales EMEA; added to Customer Support again and again (an idempotent add)

async function load(url, request) {
  const deadline = Date.now() + SECONDS * 1000;
  let done = 0;
  let failed = 0;
  const latencies = [];
  const worker = async () => {
    while (Date.now() < deadline) {
      const started = performance.now();
      const { path, method = "GET", body } = request();
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { Authorization: `Bearer ${KEY}`, ...(body ? { "Content-Type": "application/json" } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      await res.arrayBuffer();
      latencies.push(performance.now() - started);
      if (res.status === 200) done++;
      else failed++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requestsPerSecond: Math.round(done / elapsed),
    non200: failed,
    p50ms: latencies[Math.floor(latencies.length * 0.5)].toFixed(1),
    p99ms: latencies[Math.floor(latencies.length * 0.99)].toFixed(1),
  };
}

export async function benchSandboxThroughput() {
  const { url, stop } = await startSandboxProcess(LIMITS_OFF, { DOCSPACE_API_KEY: KEY });
  try {
    let n = 0;
    const rows = [];
    rows.push({
      case: "GET /group/{id} (8 members)",
      ...(await load(url, () => ({ path: `/api/2.0/group/${SALES_EMEA}` }))),
    });
    rows.push({
      case: "GET /group?filterValue=sales",
      ...(await load(url, () => ({ path: "/api/2.0/group?filterValue=sales" }))),
    });
    rows.push({
      case: "mixed: 3 GET /group/{id} : 1 PUT /group/{id}/members",
      ...(await load(url, () =>
        n++ % 4 === 3
          ? { method: "PUT", path: `/api/2.0/group/${SUPPORT}/members`, body: { members: [USER] } }
          : { path: `/api/2.0/group/${SALES_EMEA}` },
      )),
    });
    return rows;
  } finally {
    await stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(
    `sandbox-throughput (${CONCURRENCY} concurrent keep-alive clients, ${SECONDS} s per case; target ≥ 2,000 req/s)`,
  );
  console.table(await benchSandboxThroughput());
}
