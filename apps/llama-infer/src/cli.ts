/**
 * Runs the CLI on an argument list and returns the exit code, without touching process state
 * (main.ts does that): every failure is one line `error: …` on stderr and code 1.
 */
import { CommanderError } from "commander";
import { errorLine } from "./errors.js";
import { processIO, type CliIO } from "./io.js";
import { buildProgram } from "./program.js";

export async function runCli(args: readonly string[], io: CliIO = processIO()): Promise<number> {
  // pnpm passes the `--` of `pnpm start -- generate …` through.
  const argv = args[0] === "--" ? args.slice(1) : [...args];
  try {
    await buildProgram(io).parseAsync(argv, { from: "user" });
    return 0;
  } catch (e) {
    // commander has already printed its own message (usage errors) or the help.
    if (e instanceof CommanderError) return e.exitCode;
    io.stderr.write(`${errorLine(e)}\n`);
    if (process.env["LLAMA_INFER_DEBUG"] === "1" && e instanceof Error && e.stack !== undefined) io.stderr.write(`${e.stack}\n`);
    return 1;
  }
}
