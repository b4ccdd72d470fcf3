/**
 * rustgpt-ts: RustGPT's pipeline (vocabulary → pre-training → instruction tuning → chat) on
 * @mini/llm. This file is the process boundary: signals, exit codes and one-line errors.
 *
 *   pnpm --filter rustgpt-ts start                     # train the default model, save it, chat
 *   pnpm --filter rustgpt-ts start -- --preset rustgpt # RustGPT's own architecture and schedule
 *   pnpm --filter rustgpt-ts start -- --help
 */
import { runApp } from "./run.js";

/** Errors that are the user's to fix print as one line; anything else too, with the stack on RUSTGPT_DEBUG=1. */
function report(e: unknown): number {
  const err = e as Error & { exitCode?: number };
  const message = err instanceof Error ? err.message : String(e);
  process.stderr.write(`error: ${message.split("\n")[0]}\n`);
  if (process.env["RUSTGPT_DEBUG"] === "1" && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return typeof err?.exitCode === "number" ? err.exitCode : 1;
}

async function main(): Promise<number> {
  // Ctrl-C once: finish the current step, save a checkpoint, exit 130. Twice: exit at once.
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write("\ninterrupted (Ctrl-C again to quit at once)\n");
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  try {
    return await runApp(process.argv.slice(2), { out: process.stdout, err: process.stderr, in: process.stdin }, controller.signal);
  } catch (e) {
    return report(e);
  } finally {
    process.off("SIGINT", onSigint);
  }
}

process.exitCode = await main();
