/**
 * The model bench/kquant-prefill.ts and bench/kquant-decode.ts time: a synthesized Llama whose rows
 * are whole 256-weight super-blocks (hidden 512, intermediate 1536, 12 layers, 8 heads / 4 kv
 * heads, vocabulary 8192 — about SmolLM2-135M's MLP shape, which at hidden 576 K-quants cannot
 * hold), synthesized once into a temporary directory and loaded once per dtype (every matrix that dtype);
 * and the two benches' harness: their arguments, the dtypes timed interleaved round by round in one
 * process (each cell the best of `reps`, round 0 a warm-up), and the table of tokens per second.
 */
import { existsSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { WeightDtype } from "@mini/tensor";
import { loadModelDir } from "../src/loaders/index.js";
import type { LlamaModel } from "../src/models/llama/index.js";
import { synthesizeModelDir } from "../src/synth.js";

export const KQUANT_BENCH_CONFIG = {
  architectures: ["LlamaForCausalLM"], model_type: "llama", hidden_size: 512, intermediate_size: 1536, num_hidden_layers: 12,
  num_attention_heads: 8, num_key_value_heads: 4, vocab_size: 8192, tie_word_embeddings: false, rope_theta: 10000,
  max_position_embeddings: 1024, rms_norm_eps: 1e-5, hidden_act: "silu", bos_token_id: 1, eos_token_id: 2, torch_dtype: "float32",
};

/** The bench model in each of `dtypes`. */
export async function kquantBenchModels(dtypes: readonly WeightDtype[]): Promise<Map<WeightDtype, LlamaModel>> {
  const dir = join(tmpdir(), "mini-llm-bench-kquant512-seed0");
  if (!existsSync(join(dir, "model.safetensors"))) synthesizeModelDir({ config: KQUANT_BENCH_CONFIG, outDir: dir, seed: 0 });
  const models = new Map<WeightDtype, LlamaModel>();
  for (const d of dtypes) models.set(d, (await loadModelDir(dir, { dtype: d })).model as LlamaModel);
  return models;
}

/** The value after `--name` on the command line, else `dflt`. */
export function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
}

/** One timed cell: `prepare` runs untimed on the cleared cache, then `timed` is measured. */
export interface BenchCell {
  cacheLen: number;
  prepare(model: LlamaModel, cache: ReturnType<LlamaModel["newCache"]>): void;
  timed(model: LlamaModel, cache: ReturnType<LlamaModel["newCache"]>): void;
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * Runs `cell` on every dtype's model, the dtypes interleaved round by round (round 0 warms up and is
 * dropped), each cell the best of `reps` runs; then prints, per dtype, `tokens` per second of wall
 * and of process CPU time (max / median / min over the rounds; CPU only at one thread).
 */
export function benchInterleaved(
  models: Map<WeightDtype, LlamaModel>, dtypes: readonly WeightDtype[], opts: { rounds: number; reps: number; threads: number; tokens: number; digits: number; title: string },
  cell: BenchCell,
): void {
  const wall = new Map<WeightDtype, number[]>(dtypes.map((d) => [d, []])), cpu = new Map<WeightDtype, number[]>(dtypes.map((d) => [d, []]));
  for (let r = 0; r < opts.rounds + 1; r++) {
    for (const d of dtypes) {
      const model = models.get(d)!, cache = model.newCache(cell.cacheLen);
      let w = Infinity, c = Infinity;
      for (let i = 0; i < opts.reps; i++) {
        cache.clear();
        cell.prepare(model, cache);
        const t0 = performance.now(), c0 = cpuMs();
        cell.timed(model, cache);
        w = Math.min(w, performance.now() - t0);
        c = Math.min(c, cpuMs() - c0);
      }
      if (r > 0) { // round 0 warms up
        wall.get(d)!.push(w);
        cpu.get(d)!.push(c);
      }
    }
  }
  const tps = (ms: number): string => ((opts.tokens * 1000) / ms).toFixed(opts.digits);
  console.log(`${opts.title}, ${opts.threads} thread(s), ${opts.rounds} rounds × best of ${opts.reps}, load average ${loadavg()[0]!.toFixed(1)}`);
  console.log("| dtype | tok/s wall (max / median / min) | tok/s per CPU-s (max / median / min) |\n|---|---:|---:|");
  for (const d of dtypes) {
    const w = wall.get(d)!.sort((a, b) => a - b), c = cpu.get(d)!.sort((a, b) => a - b);
    const cellText = (s: number[]): string => `${tps(s[0]!)} / ${tps(s[s.length >> 1]!)} / ${tps(s[s.length - 1]!)}`;
    console.log(`| ${d} | ${cellText(w)} | ${opts.threads > 1 ? "—" : cellText(c)} |`);
  }
}
