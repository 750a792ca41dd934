import { readFileSync } from "node:fs";
import { MANIFEST_SHAPE } from "../../../src/manifest/types.js";
import { FORBIDDEN_SECRET_KEYS } from "../../../src/manifest/validate.js";

// The TypeScript types list their keys in MANIFEST_SHAPE (checked by the compiler); this keeps
// the published JSON Schema in step with those lists, in both directions.
const schema = JSON.parse(
  readFileSync(new URL("../../../schema/manifest.schema.json", import.meta.url), "utf8"),
) as {
  properties: Record<string, { properties?: Record<string, unknown>; required?: string[] }>;
  required: string[];
  definitions: { move: { properties: Record<string, unknown>; required: string[] } };
};

const sorted = (list: readonly string[] | undefined): string[] => [...(list ?? [])].sort();

describe("schema/manifest.schema.json and the TypeScript types", () => {
  const objects: [
    string,
    { properties?: Record<string, unknown>; required?: string[] },
    keyof typeof MANIFEST_SHAPE,
  ][] = [
    ["the manifest", schema, "manifest"],
    ["portal", schema.properties.portal ?? {}, "portal"],
    ["settings", schema.properties.settings ?? {}, "settings"],
    ["a move", schema.definitions.move, "move"],
  ];

  it.each(objects)("%s has the same keys and required keys", (_name, node, shape) => {
    expect(sorted(Object.keys(node.properties ?? {}))).toEqual(sorted(MANIFEST_SHAPE[shape].keys));
    expect(sorted(node.required)).toEqual(sorted(MANIFEST_SHAPE[shape].required));
  });

  it("is draft-07 and closed to unknown keys everywhere", () => {
    const text = readFileSync(new URL("../../../schema/manifest.schema.json", import.meta.url), "utf8");
    expect(JSON.parse(text)).toMatchObject({ $schema: "http://json-schema.org/draft-07/schema#" });
    const objectsWithProperties = text.match(/"properties":/g)?.length ?? 0;
    const closed = text.match(/"additionalProperties": false/g)?.length ?? 0;
    expect(closed).toBe(objectsWithProperties);
  });
});

describe("the generated validators", () => {
  it("src/manifest/schema-validators.ts is what scripts/gen-validators.mjs makes of the schema today", async () => {
    // @ts-expect-error a plain .mjs script without types
    const { generate } = (await import("../../../scripts/gen-validators.mjs")) as { generate: () => string };
    const committed = readFileSync(
      new URL("../../../src/manifest/schema-validators.ts", import.meta.url),
      "utf8",
    );
    // Run `npm run gen:validators` after changing schema/manifest.schema.json.
    expect(committed === generate()).toBe(true);
  });

  // So a manifest of a valid shape holds no key named like a secret, and validate looks for them only
  // in manifests the schema refuses.
  it("allows no key named like a secret", () => {
    const keys: string[] = [];
    const walk = (node: unknown): void => {
      if (node === null || typeof node !== "object") return;
      const properties = (node as { properties?: object }).properties;
      if (properties !== undefined) keys.push(...Object.keys(properties));
      Object.values(node).forEach(walk);
    };
    walk(schema);
    expect(keys).toContain("apiKeyEnv");
    expect(keys.filter((k) => FORBIDDEN_SECRET_KEYS.has(k.toLowerCase()))).toEqual([]);
  });
});
