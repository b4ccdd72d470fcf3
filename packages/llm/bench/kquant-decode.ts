/**
 * Decode speed (one token a step against a KV cache) of a model held in each dtype: the same
 * synthesized Llama as bench/kquant-prefill.ts (hidden 512, intermediate 1536, 12 layers, 8 / 4
 * heads, vocabulary 8192; every row whole 256-weight super-blocks), loaded with `dtype` so every
 * matrix is that dtype — q5_k is what a GGUF Q5_K tensor is now held as, f16 what it was decoded
 * to before. A 16-token prompt, then `steps` single-token forwards; tokens per second of wall and
 * of process CPU time, the dtypes interleaved round by round in one process, each cell the best of
 * `reps` runs; max / median / min over the rounds.
 *
 *   npx tsx --conditions=@mini/source bench/kquant-decode.ts [--threads 1] [--rounds 5] [--reps 2] [--steps 32] [--dtypes q5_k,f16,q4_k]
 */
import { loadavg } from "node:os";
import { createRng, setThreads, type WeightDtype } from "@mini/tensor";
import { KQUANT_BENCH_CONFIG, kquantBenchModels } from "./kquant-model.js";

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const threads = Number(arg("threads", "1")), rounds = Number(arg("rounds", "5")), reps = Number(arg("reps", "2")), steps = Number(arg("steps", "32"));
const dtypes = arg("dtypes", "q5_k,f16,q4_k").split(",") as WeightDtype[];
setThreads(threads);

const models = await kquantBenchModels(dtypes);
const rng = createRng(1234);
const prompt = Array.from({ length: 16 }, () => 3 + rng.int(KQUANT_BENCH_CONFIG.vocab_size - 3));
const next = Array.from({ length: steps }, () => 3 + rng.int(KQUANT_BENCH_CONFIG.vocab_size - 3)); // teacher-forced: the same steps for every dtype
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const wall = new Map<WeightDtype, number[]>(dtypes.map((d) => [d, []])), cpu = new Map<WeightDtype, number[]>(dtypes.map((d) => [d, []]));
for (let r = 0; r < rounds + 1; r++) {
  for (const d of dtypes) {
    const model = models.get(d)!, cache = model.newCache(prompt.length + steps + 1);
    let w = Infinity, c = Infinity;
    for (let i = 0; i < reps; i++) {
      cache.clear();
      model.forward(prompt, cache);
      const t0 = performance.now(), c0 = cpuMs();
      for (const id of next) model.forward([id], cache);
      w = Math.min(w, performance.now() - t0);
      c = Math.min(c, cpuMs() - c0);
    }
    if (r > 0) { // round 0 warms up
      wall.get(d)!.push(w);
      cpu.get(d)!.push(c);
    }
  }
}
const tps = (ms: number): string => ((steps * 1000) / ms).toFixed(1);
console.log(`${steps} decode steps after a 16-token prompt, ${threads} thread(s), ${rounds} rounds × best of ${reps}, load average ${loadavg()[0]!.toFixed(1)}`);
console.log("| dtype | tok/s wall (max / median / min) | tok/s per CPU-s (max / median / min) |\n|---|---:|---:|");
for (const d of dtypes) {
  const w = wall.get(d)!.sort((a, b) => a - b), c = cpu.get(d)!.sort((a, b) => a - b);
  const cell = (s: number[]): string => `${tps(s[0]!)} / ${tps(s[s.length >> 1]!)} / ${tps(s[s.length - 1]!)}`;
  console.log(`| ${d} | ${cell(w)} | ${threads > 1 ? "—" : cell(c)} |`);
}
