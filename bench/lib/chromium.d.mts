import type { Browser } from "puppeteer-core";
export declare const CHROMIUM: string;
export declare function launchChromium(): Promise<Browser>;
