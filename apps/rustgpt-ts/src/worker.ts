/**
 * The worker thread that runs the app (main.ts keeps the main thread free for signals). Its
 * stdout/stderr are forwarded to the process's; stdin is piped in by the main thread. TTY-ness is
 * that of the real streams, passed in workerData, since a worker's streams are pipes.
 */
import { parentPort, workerData } from "node:worker_threads";
import { runApp } from "./run.js";

export interface WorkerInput {
  argv: string[];
  stdoutTTY: boolean;
  stdinTTY: boolean;
  columns: number;
  /** Int32Array flag set to 1 by the main thread on Ctrl-C. */
  interrupt: SharedArrayBuffer;
}

export type WorkerResult = { type: "done"; code: number } | { type: "error"; message: string; stack?: string; exitCode?: number };

const input = workerData as WorkerInput;
if (input.stdoutTTY) Object.assign(process.stdout, { isTTY: true, columns: input.columns }); // lets cli-progress draw its bar

// Ctrl-C reaches the worker as a flag; the trainer and the chat watch this signal.
const flag = new Int32Array(input.interrupt);
const controller = new AbortController();
const poll = setInterval(() => {
  if (Atomics.load(flag, 0) !== 0) {
    controller.abort();
    clearInterval(poll);
  }
}, 50);
poll.unref();

let result: WorkerResult;
try {
  const code = await runApp(input.argv, { out: process.stdout, err: process.stderr, in: process.stdin, tty: input.stdoutTTY, interactiveTTY: input.stdinTTY }, controller.signal);
  result = { type: "done", code };
} catch (e) {
  const err = e as Error & { exitCode?: number };
  result = { type: "error", message: err instanceof Error ? err.message : String(e), ...(err?.stack ? { stack: err.stack } : {}), ...(typeof err?.exitCode === "number" ? { exitCode: err.exitCode } : {}) };
}
clearInterval(poll);
parentPort!.postMessage(result);
// Read stdin to its end (main.ts ends it on this message): a worker's stdin holds the thread open
// until its 'end' is read, and a chat that stopped reading (exit, Ctrl-C) left it paused short of it.
process.stdin.resume();
