/**
 * The batched forward step of continuous batching at the library level (no server): one decode
 * step of M sequences (BatchedLlama.forwardBatch over a paged KV cache, each at ~40 cached
 * positions) against one decode step of the single-sequence LlamaModel.forward, on the
 * synthesized 32M model (bench/infer.ts's `chat32m`).
 *
 * Prints per configuration: ms per step and tokens per second (min / median / max over
 * --rounds interleaved rounds), and tokens per CPU-second with one kernel thread (median of as
 * many rounds; CPU time is
 * less distorted by other jobs on a shared machine than wall time). Tokens per second of M
 * sequences over the single forward's is what batching can give the server at most.
 *
 *   npx tsx --conditions=@mini/source bench/batch-step.ts [--batches 1,8,16] [--rounds 5] [--steps 16] [--model DIR]
 *
 * Kernels as the CLI and server run them: relaxed SIMD where the runtime has it (on Node 20 the
 * flag is set first, as by the CLI); MINI_NO_RELAXED_SIMD=1 measures the SIMD128 kernels.
 */
import "../src/relaxed-simd.js";
import { parseArgs } from "node:util";
import { BatchedLlama, loadModelDir, type LlamaModel } from "@mini/llm/models";
import { fusedGemm, getThreads, relaxedSimd, setThreads } from "@mini/tensor";
import { benchModelDir } from "./infer.js";

const { values } = parseArgs({
  options: {
    batches: { type: "string", default: "1,8,16" },
    rounds: { type: "string", default: "5" },
    steps: { type: "string", default: "16" },
    model: { type: "string", default: "chat32m" },
  },
});
const BATCHES = values.batches.split(",").map(Number);
const ROUNDS = Number(values.rounds);
const STEPS = Number(values.steps);
const PROMPT = 40;

const { model } = (await loadModelDir(benchModelDir(values.model))) as { model: LlamaModel };
const batched = new BatchedLlama(model);
const bs = 16;
// Sequence 0 decodes in every batched configuration: warm-up, the wall rounds and the CPU rounds.
const blocksEach = Math.ceil((PROMPT + (2 * ROUNDS + 1) * BATCHES.length * STEPS) / bs);
const kv = batched.newPagedKV(Math.max(...BATCHES) * blocksEach, bs);
const prompt = (s: number) => Array.from({ length: PROMPT }, (_, i) => ((i * 7 + s * 13) % 1000) + 5);

// Sequences of the largest batch, prefilled once; each configuration decodes STEPS more positions.
const seqs = Array.from({ length: Math.max(...BATCHES) }, (_, s) => ({ table: Array.from({ length: blocksEach }, (_, b) => s * blocksEach + b), position: PROMPT }));
for (const [s, q] of seqs.entries()) batched.forwardBatch([{ tokens: prompt(s), position: 0, blockTable: q.table }], kv);
const cache = model.newCache(PROMPT + (2 * ROUNDS + 1) * STEPS);
model.forward(prompt(0), cache);

/** Runs STEPS decode steps of configuration `m` (0 = single forward); returns ms per step. */
function steps(m: number): number {
  const t0 = performance.now();
  for (let i = 0; i < STEPS; i++) {
    if (m === 0) model.forward([10 + i], cache);
    else {
      const entries = seqs.slice(0, m).map((q, s) => ({ tokens: [10 + s], position: q.position, blockTable: q.table }));
      batched.forwardBatch(entries, kv);
    }
  }
  if (m > 0) for (const q of seqs.slice(0, m)) q.position += STEPS;
  return (performance.now() - t0) / STEPS;
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const med = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)]!;
const configs = [0, ...BATCHES];
const name = (m: number) => (m === 0 ? "single forward" : `forwardBatch M=${m}`);
const wall = new Map<number, number[]>(configs.map((m) => [m, []]));
for (const m of configs) steps(m); // warm-up
for (let r = 0; r < ROUNDS; r++) for (const m of configs) wall.get(m)!.push(steps(m));
// CPU time with one thread: as many rounds again, interleaved.
const threads = getThreads();
setThreads(1);
const cpu = new Map<number, number[]>(configs.map((m) => [m, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const m of configs) {
    const c0 = process.cpuUsage();
    steps(m);
    const d = process.cpuUsage(c0);
    cpu.get(m)!.push((Math.max(m, 1) * STEPS) / ((d.user + d.system) / 1e6));
  }
}
setThreads(threads);
const cpuTokS = new Map<number, number>(configs.map((m) => [m, med(cpu.get(m)!)]));

const f = (x: number, d = 1) => x.toFixed(d);
console.log(`## Batched decode step, ${values.model}: ${PROMPT} cached positions, ${STEPS} steps × ${ROUNDS} rounds, ${threads} threads; ` +
  `Node ${process.versions.node}, kernels: ${relaxedSimd ? "relaxed SIMD" : "SIMD128"}, f32 gemm ${fusedGemm ? "fused multiply-add" : "mul + add"}\n`);
console.log("| step | ms per step (min / median / max) | tok/s (median) | × single | tok per CPU-s, 1 thread (median) | × single |");
console.log("| --- | --- | --- | --- | --- | --- |");
const singleTokS = 1000 / med(wall.get(0)!);
for (const m of configs) {
  const ms = wall.get(m)!;
  const tokS = (Math.max(m, 1) * 1000) / med(ms);
  console.log(`| ${name(m)} | ${f(sorted(ms)[0]!, 2)} / ${f(med(ms), 2)} / ${f(sorted(ms).at(-1)!, 2)} | ${f(tokS)} | ${f(tokS / singleTokS, 2)} | ${f(cpuTokS.get(m)!)} | ${f(cpuTokS.get(m)! / cpuTokS.get(0)!, 2)} |`);
}
batched.dispose();
