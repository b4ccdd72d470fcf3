/**
 * Entry point: `llama-infer <generate|chat|synth> [options]` (see README.md).
 * Every failure is one line on stderr and exit code 1 (errors.ts).
 */
import { reportError } from "./errors.js";
import { buildProgram } from "./program.js";

// `pnpm --filter llama-infer start -- …` runs this in the app's directory; resolve the user's
// relative paths from where they typed the command (pnpm passes it as INIT_CWD).
const initCwd = process.env["INIT_CWD"];
if (process.env["npm_lifecycle_event"] === "start" && initCwd !== undefined) process.chdir(initCwd);

// `… | head` closes stdout early: that is not an error.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

const args = process.argv.slice(2);
// pnpm passes the `--` of `pnpm start -- generate …` through.
if (args[0] === "--") args.shift();

try {
  await buildProgram().parseAsync(args, { from: "user" });
} catch (e) {
  process.exitCode = reportError(e);
}
