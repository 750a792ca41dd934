import { readFile } from "node:fs/promises";
import { Ajv } from "ajv";
import { default as addFormats } from "ajv-formats";
import type { Seed } from "../portal/types.js";
import { seedSchema } from "../schemas.js";
import { packagePath } from "../package-files.js";

/** The organisation the sandbox and the demo start from when no seed is given. */
export const DEFAULT_SEED_PATH = packagePath("examples/sandbox-portal.json");

const ajv = new Ajv({ allErrors: true, strict: true });
addFormats.default(ajv);
const validateSeedShape = ajv.compile<Seed>(seedSchema);

export type SeedResult = { ok: true; seed: Seed } | { ok: false; problems: string[] };

/** Checks a seed: the schema, then that every member and manager is a listed user. */
export function checkSeed(value: unknown): SeedResult {
  if (!validateSeedShape(value)) {
    return {
      ok: false,
      problems: (validateSeedShape.errors ?? []).map(
        (e) => `${e.instancePath === "" ? "(top level)" : e.instancePath}: ${e.message ?? "is not valid"}`,
      ),
    };
  }
  const ids = new Set(value.users.map((u) => u.id.toLowerCase()));
  const problems: string[] = [];
  value.groups.forEach((group, i) => {
    for (const member of group.memberIds) {
      if (!ids.has(member.toLowerCase())) problems.push(`/groups/${i}/memberIds: ${member} is not in users`);
    }
    if (group.managerId !== null && !ids.has(group.managerId.toLowerCase())) {
      problems.push(`/groups/${i}/managerId: ${group.managerId} is not in users`);
    }
  });
  const groupIds = new Set(value.groups.map((g) => g.id.toLowerCase()));
  (value.rooms ?? []).forEach((room, i) => {
    room.shares.forEach((share, j) => {
      const known = share.subject === "user" ? ids : groupIds;
      if (!known.has(share.id.toLowerCase()))
        problems.push(`/rooms/${i}/shares/${j}/id: ${share.id} is not in ${share.subject}s`);
    });
  });
  return problems.length === 0 ? { ok: true, seed: value } : { ok: false, problems };
}

export async function loadSeedFile(path: string): Promise<SeedResult> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    return {
      ok: false,
      problems: [`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? "error"})`],
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, problems: [`${path} is not JSON: ${(err as Error).message}`] };
  }
  const result = checkSeed(value);
  return result.ok ? result : { ok: false, problems: result.problems.map((p) => `${path} ${p}`) };
}
