import { ExitCode } from "../report/exit-codes.js";
import { moveBehaviourOf, parseVersion } from "../portal/version.js";
import type { FaultSettings } from "../sandbox/faults.js";
import type { LimitSettings } from "../sandbox/limits.js";
import { DEFAULT_SEED_PATH, loadSeedFile } from "../sandbox/seed.js";
import { API_KEY_PATTERN, startSandbox } from "../sandbox/server.js";
import type { Output } from "../engine/session.js";

export interface SandboxCommandOptions {
  readonly port: number;
  readonly seedPath: string | undefined;
  readonly version: string;
  readonly limits: LimitSettings;
  readonly faults: FaultSettings;
}

/** `docspace-migrate sandbox`: serves the simulator on loopback until a stop signal. */
export async function sandboxCommand(
  options: SandboxCommandOptions,
  deps: { env: Readonly<Record<string, string | undefined>>; output: Output; stop: AbortSignal },
): Promise<ExitCode> {
  const { out, err } = deps.output;
  const version = parseVersion(options.version);
  if (version === null) {
    err(`--docspace-version ${JSON.stringify(options.version)} is not a version; use e.g. 3.7.2 or 3.6.0`);
    return ExitCode.Usage;
  }
  const envKey = deps.env.DOCSPACE_API_KEY?.trim();
  if (envKey !== undefined && envKey !== "" && !API_KEY_PATTERN.test(envKey)) {
    err(
      "DOCSPACE_API_KEY is not a DocSpace API key (sk- and 64 lowercase hex digits); unset it to have one generated",
    );
    return ExitCode.Usage;
  }
  const seedPath = options.seedPath ?? DEFAULT_SEED_PATH;
  const seed = await loadSeedFile(seedPath);
  if (!seed.ok) {
    for (const problem of seed.problems) err(problem);
    return ExitCode.Usage;
  }
  let sandbox;
  try {
    sandbox = await startSandbox({
      seed: seed.seed,
      version: options.version,
      port: options.port,
      ...(envKey === undefined || envKey === "" ? {} : { apiKey: envKey }),
      limits: options.limits,
      faults: options.faults,
      logRequests: false,
    });
  } catch (e) {
    err(`cannot listen on 127.0.0.1:${options.port} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    return ExitCode.Usage;
  }
  out(`listening on ${sandbox.url}`);
  if (envKey === undefined || envKey === "") (deps.output.ownKey ?? out)(`api key: ${sandbox.apiKey}`);
  else out("api key: the one in DOCSPACE_API_KEY");
  out(
    `docspace version: ${options.version} (${moveBehaviourOf(version) === "move" ? "the move empties the source" : "the move only copies, as before 3.7.1"})`,
  );
  out(`seed: ${seed.seed.groups.length} groups, ${seed.seed.users.length} users from ${seedPath}`);
  out(
    `try: DOCSPACE_URL=${sandbox.url} DOCSPACE_API_KEY=… docspace-migrate run migrations.example.yaml --dry-run`,
  );
  await new Promise<void>((resolve) => {
    if (deps.stop.aborted) resolve();
    else
      deps.stop.addEventListener(
        "abort",
        () => {
          resolve();
        },
        { once: true },
      );
  });
  await sandbox.close();
  out("sandbox stopped");
  return ExitCode.Ok;
}
