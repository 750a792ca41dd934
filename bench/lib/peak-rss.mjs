// Preloaded with --import: at exit writes the whole process's peak RSS (KiB) and CPU time (µs) as JSON
// to $PEAK_RSS_FILE.
import { writeFileSync } from "node:fs";

const file = process.env.PEAK_RSS_FILE;
if (file) {
  process.on("exit", () => {
    const usage = process.resourceUsage();
    writeFileSync(
      file,
      JSON.stringify({ maxRSS: usage.maxRSS, cpuMicros: usage.userCPUTime + usage.systemCPUTime }),
    );
  });
}
