export { CHROMIUM, launchChromium as launchBrowser } from "../../bench/lib/chromium.mjs";
