/**
 * Mixture-of-experts decode speed: a synthesized Mixtral-shaped model (the 32M chat model's
 * config — hidden 312, 10 layers, 12/4 heads — with 8 experts of intermediate 1092, top 2)
 * against the dense Mistral with the same active parameters per token (one MLP of intermediate
 * 2·1092 = 2184). Routing reads only the 2 chosen experts, so the target is ≥ 0.8× the dense
 * model's decode tok/s. Both run through bench/infer.ts (a child process each: prefill of 128
 * tokens, then 256 greedy decode steps, median and best of 3 runs).
 *
 *   npx tsx --conditions=@mini/source bench/moe.ts [--decode 256] [--json]
 */
import { existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { synthesizeModelDir } from "@mini/llm/testing";
import { formatInferBench, runInferenceBench, type InferBenchResult } from "./infer.js";

const SHARED = process.env["MINI_SHARED"] ?? fileURLToPath(new URL("../../../../shared", import.meta.url));
const CHAT_DIR = `${SHARED}/models/chat-tokenizer`;

/** Synthesizes (once) the Mixtral-shaped model and its dense twin; returns their directories. */
export function moeBenchDirs(): { moe: string; dense: string } {
  const chat = JSON.parse(readFileSync(join(CHAT_DIR, "config.json"), "utf8")) as Record<string, unknown>;
  const I = chat["intermediate_size"] as number;
  const moeConfig = {
    ...chat,
    architectures: ["MixtralForCausalLM"],
    model_type: "mixtral",
    num_local_experts: 8,
    num_experts_per_tok: 2,
    router_aux_loss_coef: 0.02,
  };
  const denseConfig = { ...chat, intermediate_size: 2 * I };
  const dirs = { moe: join(tmpdir(), "mini-llm-bench-mixtral32m-seed0"), dense: join(tmpdir(), "mini-llm-bench-dense-active-seed0") };
  if (!existsSync(join(dirs.moe, "model.safetensors"))) synthesizeModelDir({ config: moeConfig, tokenizerDir: CHAT_DIR, outDir: dirs.moe, seed: 0 });
  if (!existsSync(join(dirs.dense, "model.safetensors"))) synthesizeModelDir({ config: denseConfig, tokenizerDir: CHAT_DIR, outDir: dirs.dense, seed: 0 });
  return dirs;
}

export function formatMoeBench(moe: InferBenchResult, dense: InferBenchResult): string {
  const ratio = moe.decodeTokPerS / dense.decodeTokPerS;
  const best = moe.decodeBestTokPerS / dense.decodeBestTokPerS;
  return (
    `${formatInferBench([
      { ...moe, model: "mixtral 8×1092 top-2" },
      { ...dense, model: "dense 2184 (same active)" },
    ])}\n\n` + `MoE / dense decode tok/s: ${ratio.toFixed(2)}× median, ${best.toFixed(2)}× best (target ≥ 0.8×)`
  );
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const i = args.indexOf("--decode");
  const decodeLen = i >= 0 ? Number(args[i + 1]) : 256;
  const dirs = moeBenchDirs();
  const [moe, dense] = runInferenceBench({ models: [dirs.moe, dirs.dense], promptLen: 128, decodeLen });
  console.log(args.includes("--json") ? JSON.stringify({ moe, dense }, null, 2) : formatMoeBench(moe!, dense!));
}
