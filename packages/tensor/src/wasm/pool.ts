import { heap } from "./heap.js";
import { wasm, wasmKernelModules } from "./instance.js";
import { roundProfiler, runProfiled } from "./pool-profile.js";
import { kernelWorkersAvailable, startKernelWorker } from "#platform/threads";
import type { KernelWorker } from "../platform/kernel-worker.js";
import {
  CLAIM, DONE, HEADER_BYTES, JOB_BITS, JOB_MASK, MAX_ARGS, MAX_JOBS, MAX_THREADS, QUIT, SEQ, SLEEPS, SLOT_BYTES, SPIN, TRAPPED, WORKER_JOBS, WORKER_LOOP,
  WORKER_SETUP,
} from "./pool-protocol.js";

/**
 * The kernel thread pool: N − 1 `worker_threads` that instantiate the same kernel modules on the
 * one shared WebAssembly.Memory (heap.ts), plus the calling thread. A kernel call is split into
 * jobs (each a call of one WASM export with its own arguments: a block of output rows, a slice of
 * W) and synchronised with Atomics.wait / Atomics.notify on a control block in that memory (no postMessage, no copies).
 *
 * Jobs are claimed, not assigned: every thread, the caller included, takes the next unclaimed job
 * (an Atomics.add on one word) until none is left, and the caller then waits only for jobs a worker
 * has claimed and not finished. So a worker that is slow to wake — asleep after its spin, or not
 * scheduled at all on a loaded machine — costs nothing: the caller runs its job itself, instead
 * of waiting for a thread the OS is not running (with one job per thread assigned in advance, a
 * 2-thread round on a machine shared with other busy processes took 3–5× the 1-thread time).
 *
 * The control block's layout and the workers' program are in pool-protocol.ts. Workers spin on seq for a few microseconds before Atomics.wait, so back-to-back calls (a decode
 * step makes ~50) do not pay a futex wake-up each. A round may hold more jobs than threads (up to MAX_JOBS), each naming its own export: a group of
 * products (matmul-group.ts: a layer's q, k, v) is one round of pieces cut to balance the threads.
 * Determinism is the splitter's job: each output element must be computed by one job, in the
 * same order whatever the thread count (see matmul.ts and compact/matrix.ts). Which thread runs a
 * job does not matter.
 *
 * Threads: setThreads(n), or MINI_THREADS, default os.availableParallelism() (a browser's
 * navigator.hardwareConcurrency). Workers come from #platform/threads: worker_threads in Node
 * (≥ 20.16, for process.getBuiltinModule), Web Workers on a cross-origin isolated page. Where there
 * is no SharedArrayBuffer (the heap is not shared) or no workers, every call runs on the calling thread.
 */

/** A WASM export the pool can call: its index in the workers' table and the caller's own function. */
export interface KernelRef {
  readonly index: number;
  readonly name: string;
  readonly call: (...args: number[]) => void;
}

/** Every exported function of every module, in a fixed order shared with the workers. */
const exportTable: [string, string[]][] = wasm
  ? Object.entries(wasm as unknown as Record<string, Record<string, unknown>>).map(([mod, exps]) => [
      mod,
      Object.keys(exps).filter((k) => typeof exps[k] === "function").sort(),
    ])
  : [];

/** The pool's handle on `module.name` (an export of the instantiated kernels). */
export function kernelRef(module: string, name: string): KernelRef {
  let index = 0;
  for (const [mod, fns] of exportTable) {
    const i = fns.indexOf(name);
    if (mod === module && i >= 0) {
      const call = (wasm as unknown as Record<string, Record<string, (...a: number[]) => void>>)[mod]![name]!;
      return { index: index + i, name: `${module}.${name}`, call };
    }
    index += fns.length;
  }
  throw new Error(`kernelRef: no WASM export ${module}.${name}`);
}

function builtin<T>(name: string): T | null {
  const p = (globalThis as { process?: { getBuiltinModule?: (n: string) => unknown } }).process;
  return (p?.getBuiltinModule?.(name) as T | undefined) ?? null;
}

/** True when kernel calls can be split across worker threads in this runtime. */
export const poolSupported: boolean = wasm !== null && heap.shared && kernelWorkersAvailable();

/** What the threads setting is when nobody set it: MINI_THREADS, else the cores the runtime offers. */
export function defaultThreads(): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.["MINI_THREADS"];
  if (env !== undefined && env !== "") return parseThreads(env, "MINI_THREADS");
  const os = builtin<{ availableParallelism?: () => number; cpus: () => unknown[] }>("node:os");
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, os?.availableParallelism?.() ?? os?.cpus().length ?? nav?.hardwareConcurrency ?? 1);
}

/** Parses a thread count (MINI_THREADS, --threads): an integer from 1 to 256. */
export function parseThreads(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new Error(`${what}: expected a whole number of threads from 1 to 256, got "${text}"`);
  return n;
}

let threads = -1; // resolved lazily, so a bad MINI_THREADS throws where a kernel is first used
let workers: KernelWorker[] = [];
let ctl = 0; // control block address (0: no pool running)
let state: Int32Array | null = null;
let args: Float64Array[] = [];
let heads: Int32Array[] = [];
let rounds = 0;

/** Kernel calls so far that ran split across the worker threads (for "is the pool in use" checks). */
export function poolRounds(): number {
  return rounds;
}

/**
 * Since the workers (re)started: how many times a worker's spin ran out with no round and it went to
 * sleep (the next round then waits for a wake-up, or runs on the caller), and how many jobs the
 * workers ran (the rest the calling thread did). Zeros where no workers run. For benches.
 */
export function poolCounters(): { sleeps: number; workerJobs: number } {
  if (state === null) return { sleeps: 0, workerJobs: 0 };
  return { sleeps: Atomics.load(state, SLEEPS), workerJobs: Atomics.load(state, WORKER_JOBS) };
}

/** Threads a kernel call may use now (1 where there is no pool). */
export function threadCount(): number {
  if (threads < 0) threads = defaultThreads();
  return poolSupported ? threads : 1;
}

/** The threads setting (what setThreads or MINI_THREADS asked for, even where there is no pool). */
export function getThreads(): number {
  if (threads < 0) threads = defaultThreads();
  return threads;
}

/**
 * Sets the number of threads kernels use (the calling thread counts as one); returns the previous
 * setting. Results are bit-identical for every setting. Workers start at the first split call.
 */
export function setThreads(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) throw new Error(`setThreads: expected a whole number of threads from 1 to ${MAX_THREADS}, got ${n}`);
  const previous = getThreads();
  if (n !== previous) stopWorkers();
  threads = n;
  return previous;
}

function stopWorkers(): void {
  if (state === null) return;
  Atomics.store(state, QUIT, 1);
  Atomics.add(state, SEQ, 1);
  Atomics.notify(state, SEQ);
  for (const w of workers) w.terminate();
  workers = [];
  state = null;
  args = [];
  heads = [];
}

// One control block with a slot for every thread count (~37 KB), kept across setThreads: no heap use in a pass.
function allocControlBlock(): void {
  if (ctl === 0) ctl = heap.alloc((HEADER_BYTES + SLOT_BYTES * MAX_THREADS) / 4, { what: "the kernel pool's control block" });
}

function startWorkers(n: number): void {
  allocControlBlock();
  const buffer = heap.memory.buffer;
  state = new Int32Array(buffer, ctl, HEADER_BYTES / 4);
  state.fill(0);
  for (let j = 0; j < MAX_JOBS; j++) {
    heads.push(new Int32Array(buffer, ctl + HEADER_BYTES + SLOT_BYTES * j, 1));
    args.push(new Float64Array(buffer, ctl + HEADER_BYTES + 16 + SLOT_BYTES * j, MAX_ARGS));
  }
  const seq = Atomics.load(state, SEQ);
  for (let t = 1; t < n; t++) {
    const workerData = { memory: heap.memory, modules: wasmKernelModules, table: exportTable, ctl, slots: MAX_JOBS, seq, spin: SPIN };
    workers.push(startKernelWorker(WORKER_SETUP, WORKER_LOOP, workerData));
  }
}

/**
 * Starts the worker threads now (without waiting for them) if kernel calls are to be split, and
 * allocates their control block in the heap even at 1 thread: a model load calls this, not its passes.
 */
export function prepareThreadPool(): void {
  if (poolSupported) allocControlBlock();
  if (threadCount() > 1 && state === null) startWorkers(threadCount());
}

/**
 * Starts the worker threads now and resolves, once every one runs, with the number of threads
 * kernel calls use (1 where there is no pool). Optional in Node; in a browser the workers start
 * only after the caller returns to its event loop, so await this before generating or training.
 */
export async function startThreadPool(): Promise<number> {
  const n = threadCount();
  if (n <= 1) return 1;
  if (state === null) startWorkers(n);
  await Promise.all(workers.map((w) => w.whenReady));
  return n;
}

const refAt = (k: KernelRef | readonly KernelRef[], j: number): KernelRef => ("index" in k ? k : k[j]!);

/**
 * Runs jobs[j] = the arguments of one call of `kernel` (or of kernel[j], one export per job), each
 * once, on whichever thread claims it (the calling thread too), and returns when all are done.
 * At most MAX_JOBS (256) jobs. Throws (after every job finished) if a job's call trapped. With one
 * thread, or one job, every call runs here, in order.
 */
export function runJobs(kernel: KernelRef | readonly KernelRef[], jobs: readonly (readonly number[])[]): void {
  const n = jobs.length;
  if (n > MAX_JOBS) throw new Error(`runJobs: ${n} jobs in one round, the pool takes at most ${MAX_JOBS}`);
  const profiler = roundProfiler(); // a bench's (pool-profile.ts): the jobs run here, timed
  if (profiler !== null) return runProfiled((j) => refAt(kernel, j), jobs, profiler);
  if (n > 1 && threadCount() > 1 && state === null) startWorkers(threadCount());
  // One job, one thread, or Web Workers that have not started yet (startThreadPool was not awaited): here, in order.
  if (n === 1 || threadCount() === 1 || !workers.every((w) => w.ready)) {
    for (let j = 0; j < n; j++) refAt(kernel, j).call(...jobs[j]!);
    return;
  }
  const s = state!;
  rounds++;
  for (let j = 0; j < n; j++) {
    const job = jobs[j]!, ref = refAt(kernel, j);
    if (job.length > MAX_ARGS) throw new Error(`runJobs: ${ref.name} takes ${job.length} arguments, the pool passes at most ${MAX_ARGS}`);
    heads[j]![0] = ref.index;
    args[j]!.set(job);
  }
  Atomics.store(s, DONE, 0);
  Atomics.store(s, CLAIM, n << JOB_BITS); // opens the round: everything above is visible to a claim
  Atomics.add(s, SEQ, 1);
  Atomics.notify(s, SEQ);
  let failed = -1;
  for (;;) {
    const j = Atomics.add(s, CLAIM, 1) & JOB_MASK;
    if (j >= n) break;
    try {
      refAt(kernel, j).call(...jobs[j]!);
    } catch {
      failed = j;
    }
    Atomics.add(s, DONE, 1);
  }
  // wait for jobs workers claimed and are still running, so none writes after this returns
  let d = Atomics.load(s, DONE);
  for (let i = 0; d !== n && i < SPIN; i++) d = Atomics.load(s, DONE);
  while (d !== n) {
    Atomics.wait(s, DONE, d);
    d = Atomics.load(s, DONE);
  }
  const trapped = Atomics.exchange(s, TRAPPED, 0);
  if (trapped !== 0) failed = trapped - 1;
  if (failed >= 0) throw new Error(`kernel pool: ${refAt(kernel, failed).name} trapped in job ${failed} (an address or size out of bounds)`);
}

/**
 * Splits `count` items (output rows, columns, heads) into at most threadCount() ranges of whole
 * `align`-item groups, each at least `minItems` long; returns the range starts plus `count` at the end.
 * One range (no split) when the work is too small to pay for waking workers.
 */
export function splitRange(count: number, align: number, minItems: number): number[] {
  const t = Math.min(threadCount(), Math.floor(count / Math.max(minItems, 1)));
  if (t <= 1) return [0, count];
  const groups = Math.ceil(count / align);
  const bounds = [0];
  for (let i = 1; i < t; i++) bounds.push(Math.min(count, Math.round((groups * i) / t) * align));
  bounds.push(count);
  return bounds;
}
