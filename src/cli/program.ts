import { Command, CommanderError, Option } from "commander";
import { validateCommand } from "../commands/validate.js";
import type { Output } from "../commands/io.js";
import type { Env } from "../manifest/check.js";
import { TOOL } from "../version.js";
import { ExitCode } from "./exit-codes.js";

export interface CliContext {
  readonly env: Env;
  readonly output: Output;
  /** Raw writers for commander's own help and error text. */
  readonly writeOut: (text: string) => void;
  readonly writeErr: (text: string) => void;
}

const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

/** Builds the program; each action stores its exit code in `result`. */
export function buildProgram(ctx: CliContext, result: { code: ExitCode }): Command {
  const program = new Command()
    .name(TOOL.name)
    .description("Move ONLYOFFICE DocSpace group members in bulk from a validated YAML manifest.")
    .version(TOOL.version, "--version", "print the version")
    .helpOption("-h, --help", "show help")
    .addOption(new Option("--log-level <level>", "log detail on stderr").choices(LOG_LEVELS).default("info"))
    .option("--log-file <path>", "also write the JSON log to this file")
    .option("--quiet", "print only errors")
    .showHelpAfterError("(add --help for usage)")
    .configureOutput({ writeOut: ctx.writeOut, writeErr: ctx.writeErr })
    .exitOverride();

  program
    .command("validate")
    .description("check a manifest against the schema and the semantic rules; sends nothing")
    .argument("<manifest>", "the YAML manifest")
    .action(async (file: string) => {
      result.code = await validateCommand(file, { env: ctx.env, output: ctx.output });
    });

  for (const command of program.commands)
    command.exitOverride().configureOutput({ writeOut: ctx.writeOut, writeErr: ctx.writeErr });
  return program;
}

/** argv (without node and script) → exit code. Never throws for bad usage. */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<ExitCode> {
  const result: { code: ExitCode } = { code: ExitCode.Ok };
  const program = buildProgram(ctx, result);
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      const ok = ["commander.helpDisplayed", "commander.version", "commander.help"].includes(err.code);
      return ok ? ExitCode.Ok : ExitCode.Usage;
    }
    throw err;
  }
  return result.code;
}
