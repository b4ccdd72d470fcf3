import { availableParallelism } from "node:os";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { matmul, matmulTransA, matmulTransB } from "../src/kernels/matmul.js";
import { matmulReference, matmulTransAReference, matmulTransBReference } from "../src/kernels/matmul.reference.js";
import { adamStep } from "../src/kernels/optim.js";
import { heap } from "../src/wasm/heap.js";
import { defaultThreads, getThreads, kernelRef, poolCounters, poolRounds, poolSupported, runJobs, setThreads, splitRange, threadCount } from "../src/wasm/pool.js";
import { profileRounds } from "../src/wasm/pool-profile.js";
import { seededFloats } from "./helpers.js";

/**
 * The kernel pool: every split product is bit-identical to the 1-thread result (each output element
 * is summed by one thread, in one order), at thread counts 1–4 and odd shapes.
 */
const initial = getThreads();
afterAll(() => setThreads(initial));

const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);

const products = [
  { name: "matmul", run: matmul, ref: matmulReference },
  { name: "matmulTransB", run: matmulTransB, ref: matmulTransBReference },
  { name: "matmulTransA", run: matmulTransA, ref: matmulTransAReference },
] as const;

describe("kernel pool", () => {
  it("runs on this Node (shared memory, worker_threads)", () => {
    expect(poolSupported).toBe(true);
    expect(heap.shared).toBe(true);
  });

  it("splits into aligned ranges, and not at all when the work is small", () => {
    setThreads(4);
    expect(splitRange(100, 8, 10)).toEqual([0, 24, 56, 80, 100]);
    expect(splitRange(100, 8, 60)).toEqual([0, 100]);
    setThreads(1);
    expect(splitRange(1000, 4, 1)).toEqual([0, 1000]);
  });

  it("matrix products are bit-identical for 1–4 threads (pinned and unpinned operands)", () => {
    // cases drawn once; the thread count is the outer loop (setThreads restarts the workers)
    const cases = fc.sample(
      fc.record({
        p: fc.constantFrom(...products),
        M: fc.integer({ min: 1, max: 70 }),
        K: fc.integer({ min: 1, max: 300 }),
        N: fc.integer({ min: 1, max: 200 }),
        pinned: fc.boolean(),
        seed: fc.integer({ min: 1, max: 1 << 30 }),
      }),
      { numRuns: 40, seed: 7 },
    );
    const results: Float32Array[][] = [];
    let rounds = 0; // calls that really ran split: without them the comparison proves nothing
    for (const t of [1, 2, 3, 4]) {
      setThreads(t);
      const before = poolRounds();
      results.push(
        cases.map(({ p, M, K, N, pinned, seed }) => {
          const a = seededFloats(M * K, seed), b = seededFloats(K * N, seed + 1);
          if (!pinned) return p.run(a, b, M, K, N);
          const pa = heap.alloc(M * K), pb = heap.alloc(K * N), pc = heap.alloc(M * N);
          heap.view(pa, M * K).set(a);
          heap.view(pb, K * N).set(b);
          const out = p.run(heap.view(pa, M * K), heap.view(pb, K * N), M, K, N, heap.view(pc, M * N)).slice();
          for (const ptr of [pa, pb, pc]) heap.release(ptr);
          return out;
        }),
      );
      if (t > 1) rounds += poolRounds() - before;
    }
    expect(rounds).toBeGreaterThan(0);
    cases.forEach(({ p, M, K, N, seed }, i) => {
      for (const r of results.slice(1)) expect(bits(r[i]!), `${p.name} ${M}×${K}×${N}`).toEqual(bits(results[0]![i]!));
      const want = p.ref(seededFloats(M * K, seed), seededFloats(K * N, seed + 1), M, K, N);
      for (let j = 0; j < M * N; j++) expect(Math.abs(results[0]![i]![j]! - want[j]!)).toBeLessThanOrEqual(1e-4 * K);
    });
  });

  it("Adam steps are bit-identical for 1–4 threads (odd lengths)", () => {
    for (const n of [70001, 65537, 3]) {
      const results: Float32Array[] = [];
      for (const t of [1, 2, 3, 4]) {
        setThreads(t);
        const ptrs = [0, 1, 2, 3].map(() => heap.alloc(n));
        const [p, g, m, v] = ptrs.map((ptr, i) => {
          const view = heap.view(ptr, n);
          view.set(seededFloats(n, 10 + i));
          if (i === 3) for (let j = 0; j < n; j++) view[j] = Math.abs(view[j]!);
          return view;
        });
        adamStep(p!, g!, m!, v!, { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, decoupled: false, step: 3 });
        results.push(Float32Array.from([...p!, ...m!, ...v!]));
        for (const ptr of ptrs) heap.release(ptr);
      }
      for (const r of results.slice(1)) expect(bits(r)).toEqual(bits(results[0]!));
    }
  });

  it("really splits: a 1×256·256×512 matvec is cut into 4 jobs at 4 threads", () => {
    setThreads(4);
    expect(threadCount()).toBe(4);
    expect(splitRange(512, 4, Math.ceil((1 << 15) / 256)).length - 1).toBe(4);
  });

  it("a job that traps throws, naming the kernel and the job (whichever thread ran it)", () => {
    setThreads(2);
    const gemvT = kernelRef("gemv", "gemvT");
    const beyond = heap.memory.buffer.byteLength + 1024;
    // job 1 reads x beyond the end of memory; job 0 is a valid empty product
    expect(() => runJobs(gemvT, [[0, 0, 0, 16, 0, 1, 0], [beyond, beyond, 4, 16, 1024, 1, 0]])).toThrow(/gemv\.gemvT trapped in job 1/);
    expect(() => runJobs(gemvT, [[beyond, beyond, 4, 16, 1024, 1, 0], [0, 0, 0, 16, 0, 1, 0]])).toThrow(/gemv\.gemvT trapped in job 0/);
    // and the pool still works afterwards
    const a = seededFloats(64 * 64, 3), b = seededFloats(64 * 64, 4);
    const two = matmul(a, b, 64, 64, 64);
    setThreads(1);
    expect(bits(two)).toEqual(bits(matmul(a, b, 64, 64, 64)));
  });

  it("runs every job of every round exactly once (claimed by whichever thread is free)", () => {
    // 3000 back-to-back rounds of 1–4 jobs; job j adds x into its own slice of y (axpy)
    const slice = 64, R = 3000;
    for (const t of [2, 3, 4]) {
      setThreads(t);
      const axpy = kernelRef("elementwise", "axpy");
      const px = heap.alloc(slice), py = heap.alloc(t * slice, { zero: true });
      heap.view(px, slice).fill(1);
      const counts = new Array<number>(t).fill(0);
      for (let r = 0; r < R; r++) {
        const n = 1 + (r % t);
        runJobs(axpy, Array.from({ length: n }, (_, j) => [1, px, py + 4 * j * slice, slice, 1]));
        for (let j = 0; j < n; j++) counts[j]!++;
      }
      const y = heap.view(py, t * slice);
      for (let j = 0; j < t; j++) expect(y.subarray(j * slice, (j + 1) * slice).every((v) => v === counts[j]), `job ${j} at ${t} threads`).toBe(true);
      heap.release(px);
      heap.release(py);
    }
  });

  it("profileRounds runs a round's jobs here, in order, and reports each one's kernel and time", () => {
    setThreads(2);
    const axpy = kernelRef("elementwise", "axpy");
    const px = heap.alloc(8), py = heap.alloc(24, { zero: true });
    heap.view(px, 8).fill(2);
    const seen: [readonly string[], readonly number[]][] = [];
    profileRounds((names, ms) => void seen.push([names, ms]));
    try {
      runJobs(axpy, [0, 1, 2].map((j) => [1, px, py + 32 * j, 8, 1]));
    } finally {
      profileRounds(null);
    }
    expect(seen.length).toBe(1);
    expect(seen[0]![0]).toEqual(["elementwise.axpy", "elementwise.axpy", "elementwise.axpy"]);
    expect(seen[0]![1].every((m) => m >= 0)).toBe(true);
    expect([...heap.view(py, 24)].every((v) => v === 2)).toBe(true);
    heap.release(px);
    heap.release(py);
  });

  it("poolCounters: the workers' jobs are at most the round jobs run, and both counters only grow", () => {
    setThreads(2);
    const axpy = kernelRef("elementwise", "axpy");
    const px = heap.alloc(64), py = heap.alloc(128, { zero: true });
    runJobs(axpy, [[1, px, py, 64, 1], [1, px, py + 256, 64, 1]]); // workers started
    const before = poolCounters();
    const R = 200;
    for (let r = 0; r < R; r++) runJobs(axpy, [[1, px, py, 64, 1], [1, px, py + 256, 64, 1]]);
    const after = poolCounters();
    expect(after.workerJobs - before.workerJobs).toBeGreaterThanOrEqual(0);
    expect(after.workerJobs - before.workerJobs).toBeLessThanOrEqual(2 * R);
    expect(after.sleeps).toBeGreaterThanOrEqual(before.sleeps);
    heap.release(px);
    heap.release(py);
    setThreads(1);
    expect(poolCounters()).toEqual({ sleeps: 0, workerJobs: 0 }); // no workers at 1 thread
  });

  it("MINI_THREADS is the default when set; unset or empty, every core; a bad value is refused naming it", () => {
    const saved = process.env["MINI_THREADS"];
    try {
      delete process.env["MINI_THREADS"];
      expect(defaultThreads()).toBe(availableParallelism());
      process.env["MINI_THREADS"] = "";
      expect(defaultThreads()).toBe(availableParallelism());
      process.env["MINI_THREADS"] = "3";
      expect(defaultThreads()).toBe(3);
      for (const bad of ["0", "257", "2.5", "lots"]) {
        process.env["MINI_THREADS"] = bad;
        expect(() => defaultThreads()).toThrow(`MINI_THREADS: expected a whole number of threads from 1 to 256, got "${bad}"`);
      }
    } finally {
      if (saved === undefined) delete process.env["MINI_THREADS"];
      else process.env["MINI_THREADS"] = saved;
    }
  });

  it("setThreads refuses what is not a thread count", () => {
    expect(() => setThreads(0)).toThrow(/setThreads: expected a whole number of threads from 1 to 256, got 0/);
    expect(() => setThreads(1.5)).toThrow(/got 1.5/);
  });
});
