import { fileURLToPath } from "node:url";

/**
 * A file shipped in the package (package.json, schema/, examples/), by its path from the package's root.
 * This module sits one folder below the root both where tsc puts it (`dist/`) and inside the bundle the
 * bin runs (`bundle/`), so the root is always "../" from here.
 */
export const packageUrl = (path: string): URL => new URL(path, new URL("../", import.meta.url));

export const packagePath = (path: string): string => fileURLToPath(packageUrl(path));
