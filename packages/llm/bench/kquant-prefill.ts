/**
 * Prefill speed of a model held in Q4_K / Q6_K against the same model in q8_0 and f32: a
 * synthesized Llama whose rows are whole 256-weight super-blocks (hidden 512, intermediate 1536,
 * 12 layers, 8 heads / 4 kv heads, vocabulary 8192 — about SmolLM2-135M's MLP shape, which at
 * hidden 576 K-quants cannot hold), loaded with `dtype` so every matrix is that dtype (a GGUF
 * file's Q4_K / Q6_K tensors become the same WeightMatrix). A 128-token prompt, tokens per second
 * of wall and of process CPU time, the dtypes interleaved round by round in one process, each
 * cell the best of `reps` prefills; min / median / max over the rounds.
 *
 *   npx tsx --conditions=@mini/source bench/kquant-prefill.ts [--threads 1] [--rounds 5] [--reps 3] [--dtypes q4_k,q6_k,q8_0,f32]
 */
import { loadavg } from "node:os";
import { createRng, setThreads, type WeightDtype } from "@mini/tensor";
import { KQUANT_BENCH_CONFIG, kquantBenchModels } from "./kquant-model.js";

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const threads = Number(arg("threads", "1")), rounds = Number(arg("rounds", "5")), reps = Number(arg("reps", "3")), N = 128;
const dtypes = arg("dtypes", "q4_k,q6_k,q8_0,f32").split(",") as WeightDtype[];
setThreads(threads);

const models = await kquantBenchModels(dtypes);
const rng = createRng(1234);
const prompt = Array.from({ length: N }, () => 3 + rng.int(KQUANT_BENCH_CONFIG.vocab_size - 3));
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const wall = new Map<WeightDtype, number[]>(dtypes.map((d) => [d, []])), cpu = new Map<WeightDtype, number[]>(dtypes.map((d) => [d, []]));
for (let r = 0; r < rounds + 1; r++) {
  for (const d of dtypes) {
    const model = models.get(d)!, cache = model.newCache(N + 1);
    let w = Infinity, c = Infinity;
    for (let i = 0; i < reps; i++) {
      cache.clear();
      const t0 = performance.now(), c0 = cpuMs();
      model.forward(prompt, cache);
      w = Math.min(w, performance.now() - t0);
      c = Math.min(c, cpuMs() - c0);
    }
    if (r > 0) { // round 0 warms up
      wall.get(d)!.push(w);
      cpu.get(d)!.push(c);
    }
  }
}
const tps = (ms: number): string => ((N * 1000) / ms).toFixed(0);
console.log(`${N}-token prefill, ${threads} thread(s), ${rounds} rounds × best of ${reps}, load average ${loadavg()[0]!.toFixed(1)}`);
console.log("| dtype | tok/s wall (max / median / min) | tok/s per CPU-s (max / median / min) |\n|---|---:|---:|");
for (const d of dtypes) {
  const w = wall.get(d)!.sort((a, b) => a - b), c = cpu.get(d)!.sort((a, b) => a - b);
  const cell = (s: number[]): string => `${tps(s[0]!)} / ${tps(s[s.length >> 1]!)} / ${tps(s[s.length - 1]!)}`;
  console.log(`| ${d} | ${cell(w)} | ${threads > 1 ? "—" : cell(c)} |`);
}
