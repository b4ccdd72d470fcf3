/**
 * Compact weights × threads on the inference Llama: every dtype at 1 thread and at all threads,
 * on the synthesized 32M Mistral-shaped model (rows 312 / 1092 wide: q8_0 / q4_0 in mini's padded
 * layout) and a synthesized model of SmolLM2-135M's shape (every row a multiple of 32):
 *   prefill tok/s (128-token prompt), decode tok/s (greedy tokens after it), peak RSS, load time,
 *   the memory read bandwidth measured in the same process (stream.wat over 256 MiB on the same
 *   threads), and decode as a fraction of the ceiling it implies (weight bytes per token ÷ bandwidth).
 * Each cell is its own process; cells are interleaved round by round and reported as
 * min / median / max over the rounds. The llama.cpp (node-llama-cpp) columns the issue asks for
 * are not in this table yet (see the package notes).
 *
 *   npx tsx --conditions=@mini/source bench/dtypes.ts [--rounds 3] [--models chat32m,smollm135m] [--decode 256]
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { layerTensors, loadModelDir, type LlamaModel } from "@mini/llm/models";
import { synthesizeModelDir } from "@mini/llm/testing";
import { createRng, getThreads, measureReadBandwidth, setThreads, WEIGHT_DTYPES, type WeightDtype } from "@mini/tensor";
import { benchModelDir } from "./infer.js";

const SMOLLM_SHAPE = {
  architectures: ["LlamaForCausalLM"], model_type: "llama", hidden_size: 576, intermediate_size: 1536, num_hidden_layers: 30,
  num_attention_heads: 9, num_key_value_heads: 3, vocab_size: 49152, tie_word_embeddings: true, rope_theta: 100000,
  max_position_embeddings: 2048, rms_norm_eps: 1e-5, hidden_act: "silu", bos_token_id: 1, eos_token_id: 2, torch_dtype: "float32",
};

function modelDir(name: string): string {
  if (name !== "smollm135m") return benchModelDir(name);
  const dir = join(tmpdir(), "mini-llm-bench-smollm135m-seed0");
  if (!existsSync(join(dir, "model.safetensors"))) synthesizeModelDir({ config: SMOLLM_SHAPE, outDir: dir, seed: 0 });
  return dir;
}

interface Cell {
  prefill: number;
  decode: number;
  rssMB: number;
  loadMs: number;
  bandwidth: number;
  weightMB: number;
}

const weightBytes = (m: LlamaModel): number => {
  const size = (w: { size: number } | { byteLength: number }): number => ("size" in w ? 4 * w.size : w.byteLength);
  // per token: every layer's weights and lm_head are streamed (the embedding only gathers a row)
  let n = size(m.weights.lmHead);
  for (const l of m.weights.layers) for (const x of layerTensors(l)) n += size(x);
  return n;
};

async function child(name: string, dtype: WeightDtype, threads: number, promptLen: number, decodeLen: number): Promise<Cell> {
  setThreads(threads);
  const t0 = performance.now();
  const { model, config } = await loadModelDir(modelDir(name), { dtype });
  const loadMs = performance.now() - t0;
  const rng = createRng(1234);
  const prompt = Array.from({ length: promptLen }, () => 3 + rng.int(config.vocabSize - 3));
  const cache = model.newCache(Math.min(config.maxSeqLen, promptLen + decodeLen + 1));
  const argmax = (x: Float32Array): number => x.reduce((b, v, i) => (v > x[b]! ? i : b), 0);
  let prefill = Infinity, decode = Infinity;
  for (let r = 0; r < 3; r++) {
    cache.clear();
    const t = performance.now();
    argmax(model.forward(prompt, cache));
    prefill = Math.min(prefill, (performance.now() - t) / 1000);
  }
  for (let r = 0; r < 2; r++) {
    cache.clear();
    let next = argmax(model.forward(prompt, cache));
    const t = performance.now();
    for (let i = 0; i < decodeLen; i++) next = argmax(model.forward([next], cache));
    decode = Math.min(decode, (performance.now() - t) / 1000);
  }
  const rssMB = process.resourceUsage().maxRSS / 1024;
  const weightMB = weightBytes(model) / 1e6;
  model.dispose();
  return { prefill: promptLen / prefill, decode: decodeLen / decode, rssMB, loadMs, bandwidth: measureReadBandwidth(), weightMB };
}

const argv = process.argv.slice(2);
const flag = (name: string, dflt: string): string => (argv.includes(name) ? argv[argv.indexOf(name) + 1]! : dflt);
if (argv[0] === "--child") {
  const [, name, dtype, threads, prompt, decode] = argv;
  console.log(JSON.stringify(await child(name!, dtype as WeightDtype, Number(threads), Number(prompt), Number(decode))));
} else {
  const rounds = Number(flag("--rounds", "3"));
  const models = flag("--models", "chat32m,smollm135m").split(",");
  const decodeLen = Number(flag("--decode", "256"));
  const threadCounts = [...new Set([1, getThreads()])];
  for (const m of models) modelDir(m); // synthesize outside the measured processes
  const cells = models.flatMap((m) => WEIGHT_DTYPES.flatMap((d) => threadCounts.map((t) => ({ m, d, t, runs: [] as Cell[] }))));
  const self = fileURLToPath(import.meta.url);
  for (let r = 0; r < rounds; r++) {
    for (const c of cells) {
      const out = execFileSync(process.execPath, [...process.execArgv, self, "--child", c.m, c.d, String(c.t), "128", String(decodeLen)], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
      c.runs.push(JSON.parse(out.trim().split("\n").pop()!) as Cell);
    }
  }
  const sorted = (v: number[]): number[] => [...v].sort((a, b) => a - b);
  const f = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  const mmm = (v: number[]): string => sorted(v).map(f).filter((_, i, a) => i === 0 || i === a.length - 1 || i === Math.floor(a.length / 2)).join(" / ");
  const med = (v: number[]): number => sorted(v)[Math.floor(v.length / 2)]!;
  console.log(`${rounds} interleaved processes per cell; min / median / max; 128-token prompt, ${decodeLen} decoded tokens\n`);
  console.log("| model | dtype | threads | weights MB | prefill tok/s | decode tok/s | peak RSS MB | load ms | bandwidth GB/s | decode / ceiling |");
  console.log("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const c of cells) {
    const ceiling = med(c.runs.map((r) => (r.bandwidth * 1e3) / r.weightMB)); // tok/s the bandwidth allows
    console.log(
      `| ${c.m} | ${c.d} | ${c.t} | ${f(c.runs[0]!.weightMB)} | ${mmm(c.runs.map((r) => r.prefill))} | ${mmm(c.runs.map((r) => r.decode))} | ` +
        `${mmm(c.runs.map((r) => r.rssMB))} | ${mmm(c.runs.map((r) => r.loadMs))} | ${mmm(c.runs.map((r) => r.bandwidth))} | ${(100 * med(c.runs.map((r) => r.decode)) / ceiling).toFixed(0)} % |`,
    );
  }
}
