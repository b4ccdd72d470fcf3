/**
 * Entry point: `llama-infer <generate|chat|synth> [options]` (see README.md). Exit code 0 on
 * success, 1 on any failure (one line on stderr, no stack; LLAMA_INFER_DEBUG=1 adds it).
 */
// First import: sets V8's relaxed-SIMD flag on Node 20 before @mini/tensor compiles its kernels.
import "./relaxed-simd.js";
import { runCli } from "./cli.js";

// `pnpm --filter llama-infer start -- …` runs this in the app's directory; resolve the user's
// relative paths from where they typed the command (pnpm passes it as INIT_CWD).
const initCwd = process.env["INIT_CWD"];
if (process.env["npm_lifecycle_event"] === "start" && initCwd !== undefined) process.chdir(initCwd);

// `… | head` closes stdout early: that is not an error.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

process.exitCode = await runCli(process.argv.slice(2));
