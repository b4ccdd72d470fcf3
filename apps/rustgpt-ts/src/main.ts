/**
 * rustgpt-ts: RustGPT's pipeline (vocabulary → pre-training → instruction tuning → chat) on
 * @mini/llm. This file is the process boundary: signals, exit codes and one-line errors.
 *
 *   pnpm --filter rustgpt-ts start                     # train the default model, save it, chat
 *   pnpm --filter rustgpt-ts start -- --preset rustgpt # RustGPT's own architecture and schedule
 *   pnpm --filter rustgpt-ts start -- --help
 *
 * The app runs in a worker thread so that this thread stays idle and answers Ctrl-C at once even
 * during a long training step. (Under tsx, a process that does not acknowledge SIGINT within
 * ~60 ms is killed with SIGKILL, which would lose the checkpoint.) Ctrl-C (or SIGTERM, SIGHUP)
 * once: the worker finishes its step, saves a checkpoint and exits 130; twice: exit at once.
 */
// First import: Node 20's relaxed-SIMD flag on before the worker compiles any kernel.
import "./relaxed-simd.js";
import { Worker } from "node:worker_threads";
import { signalPolicy } from "./signal-policy.js";
import type { WorkerInput, WorkerResult } from "./worker.js";

const interrupt = new SharedArrayBuffer(4);
const input: WorkerInput = {
  argv: process.argv.slice(2),
  stdoutTTY: process.stdout.isTTY === true,
  stdinTTY: process.stdin.isTTY === true,
  columns: process.stdout.columns ?? 80,
  interrupt,
};
const worker = new Worker(new URL("./worker-boot.mjs", import.meta.url), { workerData: input, stdin: true });
process.stdin.pipe(worker.stdin!);

// Ctrl-C, SIGTERM and SIGHUP: the first stops training with a checkpoint, a second exits at once.
const onSignal = signalPolicy({
  interrupt,
  terminate: () => void worker.terminate(),
  write: (text) => void process.stderr.write(text),
  exit: (code) => process.exit(code),
});
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, onSignal);

let result: WorkerResult | null = null;
worker.on("message", (m: WorkerResult) => {
  result = m;
  // The app is done: stop reading the terminal and end the worker's stdin, or the two keep each
  // other alive (a chat ended by "exit" or Ctrl-C from a terminal hung until a second Ctrl-C).
  process.stdin.unpipe(worker.stdin!);
  process.stdin.destroy();
  worker.stdin!.end();
});
worker.on("error", (e) => (result = { type: "error", message: e.message, ...(e.stack ? { stack: e.stack } : {}) }));
worker.on("exit", () => {
  process.stdin.unpipe(worker.stdin!);
  process.stdin.destroy();
  const r = result ?? { type: "error", message: "the app stopped unexpectedly" };
  if (r.type === "done") {
    process.exitCode = r.code;
    return;
  }
  // Errors the user can fix name the file or option in their message: one line, no stack trace.
  process.stderr.write(`error: ${r.message.split("\n")[0]}\n`);
  if (process.env["RUSTGPT_DEBUG"] === "1" && r.stack) process.stderr.write(`${r.stack}\n`);
  process.exitCode = r.exitCode ?? 1;
});
