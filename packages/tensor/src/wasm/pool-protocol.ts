/**
 * The kernel pool's control block, which the calling thread (pool.ts) and every worker read, and
 * the program a worker runs on it.
 *
 * Control block (heap memory, 32 + 144·256 bytes: a slot per job of a round, at most 256):
 *   i32 [0] seq      bumped by the caller to start a round; sleeping workers wait on it
 *   i32 [1] done     jobs of this round finished; the thread finishing the last one notifies
 *   i32 [2] quit     1 = leave the loop (setThreads resizing, shutdown)
 *   i32 [3] trapped  1 + the index of a job that threw (a WASM trap), else 0
 *   i32 [4] claim    (jobs << 16) | next: the round's job count and the next unclaimed job. The
 *                    caller writes it last when opening a round, and a claim is one Atomics.add, so a
 *                    claim always reads the count of the round it belongs to: a late worker's claim
 *                    on an exhausted round gets next ≥ jobs and runs nothing
 *   i32 [5] sleeps   times a worker found no round after its spin and went to Atomics.wait
 *   i32 [6] worker jobs  jobs the workers ran (the rest ran on the calling thread); [5] and [6]
 *                    only count (poolCounters: how often the second thread was asleep or late)
 *   slot j at 32 + 144·j: i32 function index, pad, f64 args[16] at +16 (job j's call)
 */

export const MAX_ARGS = 16;
export const MAX_THREADS = 256;
export const MAX_JOBS = MAX_THREADS; // jobs in one round: the control block's slots
export const HEADER_BYTES = 32;
export const SLOT_BYTES = 16 + 8 * MAX_ARGS;
export const SPIN = 20000;
export const SEQ = 0, DONE = 1, QUIT = 2, TRAPPED = 3, CLAIM = 4, SLEEPS = 5, WORKER_JOBS = 6;
export const JOB_BITS = 16, JOB_MASK = (1 << JOB_BITS) - 1;

/**
 * The worker's program (plain JS: it must not import the package's TS sources), in two parts so
 * the platform adapter (#platform/threads) can signal "ready" between them; `workerData` is in scope.
 */
export const WORKER_SETUP = `
const { memory, modules, table: names, ctl, slots, seq, spin } = workerData;
const table = [];
for (const [mod, fns] of names) {
  const exports = new WebAssembly.Instance(modules[mod], { env: { memory, log: Math.log } }).exports;
  for (const f of fns) table.push(exports[f]);
}
const state = new Int32Array(memory.buffer, ctl, ${HEADER_BYTES / 4});
const heads = [], args = [];
for (let j = 0; j < slots; j++) {
  heads.push(new Int32Array(memory.buffer, ctl + ${HEADER_BYTES} + ${SLOT_BYTES} * j, 1));
  args.push(new Float64Array(memory.buffer, ctl + ${HEADER_BYTES + 16} + ${SLOT_BYTES} * j, ${MAX_ARGS}));
}
`;
export const WORKER_LOOP = `
let seen = seq;
for (;;) {
  let s = Atomics.load(state, ${SEQ});
  for (let n = 0; s === seen && n < spin; n++) s = Atomics.load(state, ${SEQ});
  if (s === seen) Atomics.add(state, ${SLEEPS}, 1);
  while (s === seen) { Atomics.wait(state, ${SEQ}, seen); s = Atomics.load(state, ${SEQ}); }
  seen = s;
  if (Atomics.load(state, ${QUIT}) !== 0) break;
  for (;;) {
    const c = Atomics.add(state, ${CLAIM}, 1);
    const jobs = c >>> ${JOB_BITS}, j = c & ${JOB_MASK};
    if (j >= jobs) break;
    const a = args[j];
    try { table[heads[j][0]](a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15]); }
    catch { Atomics.store(state, ${TRAPPED}, 1 + j); }
    Atomics.add(state, ${WORKER_JOBS}, 1);
    if (Atomics.add(state, ${DONE}, 1) + 1 === jobs) Atomics.notify(state, ${DONE});
  }
}
`;
