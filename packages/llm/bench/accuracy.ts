/**
 * Accuracy of compact weights against float32, on the same model (the table in the README):
 *   Δlogit      max |logit − f32 logit| ÷ max |f32 logit|, last position of each prompt
 *   greedy      of 60 greedy tokens after each prompt, how many equal f32's before the first difference
 *   perplexity  exp(mean −log p) of bench/fixtures/perplexity-story.txt (public-domain prose,
 *               written for this fixture, CC0), fed in windows of the model's context
 * for every dtype (q4_k / q6_k: a "refused" row where rows are not whole 256-weight super-blocks), on the story model (shared/models/story; prompts: its reference fixtures) and
 * a synthesized 32M Mistral-shaped model (config of shared/models/chat-tokenizer, seed 0;
 * prompts: the first 32 / 64 / 128 tokens of the text), and on request `chat256`: the same config
 * narrowed to hidden 256 / intermediate 768 / 4 layers, so that q4_k / q6_k apply. Random weights
 * make the synthesized models' perplexity near the vocabulary size; only its change from f32 means anything.
 *
 *   cd packages/llm && pnpm bench:accuracy [--models story,chat32m,chat256]
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { KQuantRowError, WEIGHT_DTYPES, type WeightDtype } from "@mini/tensor";
import { loadModel } from "../src/load-model.js";
import type { LlamaModel } from "../src/models/llama/model.js";
import { layerTensors } from "../src/models/llama/weights.js";
import { synthesizeModelDir } from "../src/synth.js";

const SHARED = process.env["MINI_SHARED"] ?? fileURLToPath(new URL("../../../../shared", import.meta.url));
const TEXT = readFileSync(fileURLToPath(new URL("./fixtures/perplexity-story.txt", import.meta.url)), "utf8");

/** chat256: the 32M config narrowed so that every row is whole 256-weight super-blocks (q4_k / q6_k apply). */
const CHAT256 = { hidden_size: 256, intermediate_size: 768, num_attention_heads: 4, num_key_value_heads: 2, num_hidden_layers: 4 };

function modelDir(name: string): string {
  if (name === "story") return join(SHARED, "models", "story");
  const dir = join(tmpdir(), `mini-llm-bench-${name}-seed0`);
  if (!existsSync(join(dir, "model.safetensors"))) {
    const configFile = join(SHARED, "models", "chat-tokenizer", "config.json");
    const config = { ...JSON.parse(readFileSync(configFile, "utf8")), ...(name === "chat256" ? CHAT256 : {}) };
    synthesizeModelDir({ config, tokenizerDir: join(configFile, ".."), outDir: dir, seed: 0 });
  }
  return dir;
}

function prompts(name: string, ids: number[]): number[][] {
  if (name !== "story") return [32, 64, 128].map((n) => ids.slice(0, n));
  const ref = join(SHARED, "reference", "story");
  return readdirSync(ref)
    .filter((f) => /^prompt_\d+\.json$/.test(f))
    .map((f) => (JSON.parse(readFileSync(join(ref, f), "utf8")) as { prompt_ids: number[] }).prompt_ids);
}

const argmax = (x: Float32Array): number => x.reduce((b, v, i) => (v > x[b]! ? i : b), 0);

function greedy(model: LlamaModel, prompt: number[], n: number): { first: Float32Array; ids: number[] } {
  const cache = model.newCache();
  let logits = model.forward(prompt, cache);
  const first = logits.slice();
  const ids: number[] = [];
  for (let s = 0; s < n && cache.position < model.config.maxSeqLen; s++) {
    ids.push(argmax(logits));
    logits = model.forward([ids[s]!], cache);
  }
  return { first, ids };
}

function perplexity(model: LlamaModel, ids: number[]): number {
  const V = model.config.vocabSize;
  const win = Math.min(model.config.maxSeqLen, 512);
  let nll = 0, count = 0;
  for (let s = 0; s + 1 < ids.length; s += win) {
    const chunk = ids.slice(s, Math.min(s + win, ids.length));
    const all = model.forward(chunk, model.newCache(), { allLogits: true });
    for (let t = 0; t + 1 < chunk.length; t++) {
      const row = all.subarray(t * V, (t + 1) * V);
      let max = -Infinity;
      for (const v of row) max = Math.max(max, v);
      let z = 0;
      for (const v of row) z += Math.exp(v - max);
      nll += max + Math.log(z) - row[chunk[t + 1]!]!;
      count++;
    }
  }
  return Math.exp(nll / count);
}

const arg = process.argv.indexOf("--models");
const names = arg > 0 ? process.argv[arg + 1]!.split(",") : ["story", "chat32m"];
console.log("| model | dtype | weights MB | max Δlogit / max logit | greedy tokens equal to f32 (of 60 a prompt) | perplexity | vs f32 |");
console.log("|---|---|---:|---:|---:|---:|---:|");
for (const name of names) {
  const dir = modelDir(name);
  let base: { logits: Float32Array[]; ids: number[][]; ppl: number } | null = null;
  for (const dtype of WEIGHT_DTYPES as readonly WeightDtype[]) {
    let loaded: Awaited<ReturnType<typeof loadModel>>;
    try {
      loaded = await loadModel(dir, { dtype });
    } catch (e) {
      // q4_k / q6_k need rows of whole 256-weight super-blocks; neither bench model has them
      if (!(e instanceof KQuantRowError)) throw e;
      console.log(`| ${name} | ${dtype} | refused: ${e.message} | | | | |`);
      continue;
    }
    const model = loaded.model as LlamaModel;
    const ids = loaded.tokenizer.encode(TEXT);
    const runs = prompts(name, ids).map((p) => greedy(model, p, 60));
    const ppl = perplexity(model, ids);
    const mb = model.weights.layers.reduce((s, l) => s + layerTensors(l).reduce((t, w) => t + ("size" in w ? 4 * w.size : w.byteLength), 0), 0) / 1e6;
    if (base === null) base = { logits: runs.map((r) => r.first), ids: runs.map((r) => r.ids), ppl };
    let rel = 0, agree = 0, total = 0;
    runs.forEach((r, i) => {
      const want = base!.logits[i]!;
      let maxLogit = 0, diff = 0;
      want.forEach((v, j) => {
        maxLogit = Math.max(maxLogit, Math.abs(v));
        diff = Math.max(diff, Math.abs(v - r.first[j]!));
      });
      rel = Math.max(rel, diff / maxLogit);
      let k = 0;
      while (k < r.ids.length && r.ids[k] === base!.ids[i]![k]) k++;
      agree += k;
      total += base!.ids[i]!.length;
    });
    const delta = (100 * (ppl - base.ppl)) / base.ppl;
    console.log(
      `| ${name} (${ids.length} text tokens) | ${dtype} | ${mb.toFixed(1)} (layers) | ${rel.toExponential(2)} | ${agree} / ${total} | ${ppl.toFixed(3)} | ${delta >= 0 ? "+" : ""}${delta.toFixed(3)} % |`,
    );
    model.dispose();
  }
}
