/** DocSpace server versions, compared numerically part by part ("3.7.2.1234"). */
export type Version = readonly number[];

export function parseVersion(text: string): Version | null {
  const match = /^\s*v?(\d+(?:\.\d+){0,3})/.exec(text);
  return match?.[1] === undefined ? null : match[1].split(".").map(Number);
}

export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The first server release whose move removes members from the source. */
export const MOVE_REMOVES_FROM = [3, 7, 1] as const;

/** Move behaviour of a portal: `move` (v3.7.1 and later) or `copy` (every release before). */
export const MoveBehaviour = { Move: "move", Copy: "copy" } as const;
export type MoveBehaviour = (typeof MoveBehaviour)[keyof typeof MoveBehaviour];

export const moveBehaviourOf = (version: Version): MoveBehaviour =>
  compareVersions(version, MOVE_REMOVES_FROM) >= 0 ? MoveBehaviour.Move : MoveBehaviour.Copy;

/** A server version with each behaviour, for the model that predicts it. */
export const MODEL_VERSION = { [MoveBehaviour.Move]: "3.7.2", [MoveBehaviour.Copy]: "3.6.0" } as const;

/** The version the sandbox behaves as unless told otherwise. */
export const DEFAULT_DOCSPACE_VERSION = "3.7.2";
