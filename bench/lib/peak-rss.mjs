// Preloaded with --import: writes the whole process's peak RSS (KiB) to $PEAK_RSS_FILE at exit.
import { writeFileSync } from "node:fs";

const file = process.env.PEAK_RSS_FILE;
if (file) {
  process.on("exit", () => {
    writeFileSync(file, String(process.resourceUsage().maxRSS));
  });
}
