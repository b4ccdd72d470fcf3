/**
 * The files people download: GGUF quantized by llama.cpp itself (Q4_K_M, Q5_K_M, Q6_K, Q8_0,
 * Q4_0), run by mini as it holds them and by llama.cpp (node-llama-cpp 3.21.1, bench/llamacpp.ts).
 *
 * The model: a seeded, synthesized Llama (hidden 768, intermediate 2048, 8 layers, 12 heads / 4
 * KV heads, tied embeddings, the chat tokenizer's 32002-token vocabulary: 75M weights) whose every
 * row is whole 256-weight super-blocks, so llama.cpp's quantizer never falls back to another type.
 * mini's writer makes it an F32 GGUF, llama.cpp's own llama_model_quantize (through koffi,
 * @mini/llm/llamacpp-native) each quantized file; all are cached in the OS tmp dir by name and seed.
 *
 * Per file:
 *   agreement  teacher-forced top-1: both systems read the same seeded tokens and each picks its
 *              top token after each of `--check` prefixes; the count where they pick the same is
 *              printed (quantized activations differ between the systems), and how many of each
 *              system's match the F32 file's top-1 (what the quantization costs). The F32 file must
 *              agree at every position, or the bench stops: below F32, differences are the quantizations'.
 *   cells      mini (file as stored: loadGgufModel without a dtype) and llama.cpp at each thread
 *              count: prefill tok/s (`--prompt` tokens, best of 3) and decode tok/s (`--decode`
 *              greedy tokens, best of 2), each cell its own process, cells interleaved round by
 *              round (bench/cells.ts), min / median / max over the rounds, mini / llama.cpp ratios
 *              of the medians; what mini holds the matrices as, and the weight bytes read per token.
 * mini's processes import ../src/relaxed-simd.js first, as the CLI does (relaxed SIMD on Node 20),
 * and each reports the kernels its @mini/tensor compiled (printed above the table).
 *
 *   pnpm bench:gguf-files [--rounds 3] [--files q4_k_m,q5_k_m,q6_k,q8_0,q4_0] [--threads 1,2]
 *                         [--prompt 128] [--decode 128] [--check 32]
 *   (--files may also name f32: mini-written, unquantized)
 */
// First import, as in the CLI: Node 20's relaxed-SIMD flag on before @mini/tensor compiles its kernels.
import "../src/relaxed-simd.js";
import { existsSync, renameSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { llamaQuantize, type LLAMA_FTYPE } from "@mini/llm/llamacpp-native";
import { layerTensors, loadGgufModel, type LlamaModel } from "@mini/llm/models";
import { argmax } from "@mini/llm/sampling";
import { synthesizeModelDir } from "@mini/llm/testing";
import { fusedGemm, relaxedDot, relaxedSimd, setThreads, WeightMatrix } from "@mini/tensor";
import { benchPrompt, fmt, interleaved, median, minMedMax, ratioOfMedians, runCell, timeForward, weightBytes } from "./cells.js";
import { CHAT_TOKENIZER_DIR } from "./infer.js";
import { benchGguf, llamaCppCell, llamaCppTeacherForcedTop1, type LlamaCppCell } from "./llamacpp.js";

const NAME = "llama75m";
const CONFIG = {
  architectures: ["LlamaForCausalLM"], model_type: "llama", hidden_size: 768, intermediate_size: 2048, num_hidden_layers: 8,
  num_attention_heads: 12, num_key_value_heads: 4, vocab_size: 32002, tie_word_embeddings: true, rope_theta: 10000,
  max_position_embeddings: 2048, rms_norm_eps: 1e-5, hidden_act: "silu", bos_token_id: 1, eos_token_id: 32000, torch_dtype: "float32",
};

/** The files, by the name this bench gives them, and llama.cpp's file type for each (f32: mini's writer, not quantized). */
const FILES: Record<string, keyof typeof LLAMA_FTYPE | null> = { q4_k_m: "Q4_K_M", q5_k_m: "Q5_K_M", q6_k: "Q6_K", q8_0: "Q8_0", q4_0: "Q4_0", f32: null };

function modelDir(): string {
  const dir = join(tmpdir(), `mini-llm-bench-${NAME}-seed0`);
  if (!existsSync(join(dir, "model.safetensors"))) synthesizeModelDir({ config: CONFIG, tokenizerDir: CHAT_TOKENIZER_DIR, outDir: dir, seed: 0 });
  return dir;
}

/** The GGUF file of a kind: the F32 one written by mini, the others quantized from it by llama.cpp (written under a temporary name, then renamed, so an interrupted run leaves no half file). */
async function ggufFile(kind: string): Promise<string> {
  const f32 = await benchGguf(modelDir(), NAME, "f32");
  const ftype = FILES[kind];
  if (ftype === null || ftype === undefined) return f32;
  const path = join(tmpdir(), `mini-llm-bench-${NAME}-seed0-${kind}-llamacpp.gguf`);
  if (!existsSync(path)) {
    await llamaQuantize(f32, `${path}.part`, ftype);
    renameSync(`${path}.part`, path);
  }
  return path;
}

/** How mini holds the matrices a token reads (layers and lm_head), e.g. "q4_k ×44, q6_k ×13". */
function heldMatrices(m: LlamaModel): string {
  const counts = new Map<string, number>();
  for (const w of [m.weights.lmHead, ...m.weights.layers.flatMap(layerTensors)]) {
    const dtype = w instanceof WeightMatrix ? w.dtype : w.shape.length === 2 ? "f32" : null; // null: a norm's vector
    if (dtype !== null) counts.set(dtype, (counts.get(dtype) ?? 0) + 1);
  }
  return [...counts].map(([d, n]) => `${d} ×${n}`).join(", ");
}

/** The kernels this process's @mini/tensor compiled (reported by each measured process: the flag must be on there, not only in the parent). */
const kernels = (): string =>
  `${relaxedSimd ? `relaxed SIMD (FMA in ${fusedGemm ? "f32 gemm and " : ""}bf16/f16 products)` : "SIMD128 (relaxed SIMD off)"}, int8 dot: ${relaxedDot() ? "relaxed" : "SIMD128 i16"}`;

interface MiniCell {
  kernels: string;
  prefill: number;
  decode: number;
  loadMs: number;
  weightMB: number;
  held: string;
}

async function miniCell(kind: string, threads: number, promptLen: number, decodeLen: number): Promise<MiniCell> {
  setThreads(threads);
  const t0 = performance.now();
  const { model, config } = loadGgufModel(await ggufFile(kind));
  const loadMs = performance.now() - t0;
  const { prefill, decode } = timeForward(model, benchPrompt(config.vocabSize, promptLen), decodeLen, config.maxSeqLen);
  const cell = { kernels: kernels(), prefill, decode, loadMs, weightMB: weightBytes(model) / 1e6, held: heldMatrices(model) };
  model.dispose();
  return cell;
}

/** mini's top-1 after the prompt and after each longer prefix (the teacher-forced tokens fed whatever it picked). */
async function miniTeacherForcedTop1(path: string, prompt: readonly number[], forced: readonly number[]): Promise<number[]> {
  const { model } = loadGgufModel(path);
  try {
    const cache = model.newCache(prompt.length + forced.length + 1);
    const top = [argmax(model.forward([...prompt], cache))];
    for (const t of forced.slice(0, -1)) top.push(argmax(model.forward([t], cache)));
    return top;
  } finally {
    model.dispose();
  }
}

async function agreement(kind: string, promptLen: number, n: number): Promise<{ mini: number[]; llamaCpp: number[] }> {
  const tokens = benchPrompt(CONFIG.vocab_size, promptLen + n); // the timed prompt, then n forced tokens (same seeded stream)
  const [prompt, forced] = [tokens.slice(0, promptLen), tokens.slice(promptLen)];
  const path = await ggufFile(kind);
  return { mini: await miniTeacherForcedTop1(path, prompt, forced), llamaCpp: await llamaCppTeacherForcedTop1(path, prompt, forced) };
}

function options() {
  const { values } = parseArgs({
    options: {
      rounds: { type: "string", default: "3" }, files: { type: "string", default: "q4_k_m,q5_k_m,q6_k,q8_0,q4_0" }, threads: { type: "string", default: "1,2" },
      prompt: { type: "string", default: "128" }, decode: { type: "string", default: "128" }, check: { type: "string", default: "32" },
    },
  });
  const int = (name: keyof typeof values, lo: number, hi: number): number => {
    const v = Number(values[name]);
    if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`--${name}: expected an integer in [${lo}, ${hi}], got "${values[name]}"`);
    return v;
  };
  const files = values.files.split(",");
  for (const f of files) if (!(f in FILES)) throw new Error(`--files: unknown file "${f}", expected some of ${Object.keys(FILES).join(", ")}`);
  const threads = values.threads.split(",").map((t) => Number(t));
  if (threads.some((t) => !Number.isInteger(t) || t < 1 || t > 64)) throw new Error(`--threads: expected thread counts (integers in [1, 64]) separated by commas, got "${values.threads}"`);
  const promptLen = int("prompt", 1, 1024);
  return { rounds: int("rounds", 1, 100), files, threads, promptLen, decodeLen: int("decode", 1, 2048 - promptLen - 8), checkLen: int("check", 1, 512) };
}

async function main(): Promise<void> {
  const { rounds, files, threads, promptLen, decodeLen, checkLen } = options();
  const self = fileURLToPath(import.meta.url);
  // synthesize, write and quantize every file here, outside the measured processes
  for (const f of new Set(["f32", ...files])) await ggufFile(f);

  // top-1 of both systems on each file; the F32 file's (which must be the same in both) is the reference of the quantized ones
  const agree = new Map<string, string>();
  const vsF32 = new Map<string, string>();
  let f32Top: number[] = [];
  const same = (a: number[], b: number[]): string => `${a.filter((t, i) => t === b[i]).length}/${a.length}`;
  for (const f of new Set(["f32", ...files])) {
    const r = runCell<{ mini: number[]; llamaCpp: number[] }>(self, ["--child-agree", f, String(promptLen), String(checkLen)]);
    if (f === "f32") {
      if (same(r.mini, r.llamaCpp) !== `${checkLen}/${checkLen}`) {
        console.error(`F32 (no quantization): mini and llama.cpp must pick the same top-1 everywhere; they do not:\n  mini      ${r.mini.join(" ")}\n  llama.cpp ${r.llamaCpp.join(" ")}`);
        process.exit(1);
      }
      f32Top = r.mini;
    }
    agree.set(f, same(r.mini, r.llamaCpp));
    vsF32.set(f, `${same(r.mini, f32Top)} / ${same(r.llamaCpp, f32Top)}`);
    console.log(`teacher-forced top-1, ${f}: mini = llama.cpp at ${agree.get(f)} positions; = F32's (mini / llama.cpp): ${vsF32.get(f)}`);
  }

  const cells = files.flatMap((f) => threads.map((t) => ({ f, t, mini: [] as MiniCell[], cpp: [] as LlamaCppCell[] })));
  interleaved(rounds, cells, (c, round) => {
    process.stderr.write(`round ${round + 1}/${rounds}: ${c.f}, ${c.t} thread(s)\n`);
    const args = [c.f, String(c.t), String(promptLen), String(decodeLen)];
    c.mini.push(runCell<MiniCell>(self, ["--child-mini", ...args]));
    c.cpp.push(runCell<LlamaCppCell>(self, ["--child-llamacpp", ...args]));
  });

  console.log(`\n${NAME} (${CONFIG.hidden_size} hidden, ${CONFIG.intermediate_size} intermediate, ${CONFIG.num_hidden_layers} layers, vocabulary ${CONFIG.vocab_size}, seed 0); ` +
    `${rounds} interleaved processes per cell; min / median / max; ${promptLen}-token prompt, ${decodeLen} decoded tokens; ` +
    `llama.cpp = node-llama-cpp 3.21.1 (flash attention off, f32 KV cache) on the same file; ratios are mini / llama.cpp of the medians; ` +
    `Node ${process.versions.node}, mini's kernels as its processes reported them: ${[...new Set(cells.flatMap((c) => c.mini.map((r) => r.kernels)))].join(" | ")}; top-1: teacher-forced, ${checkLen} positions after the prompt, ` +
    `mini against llama.cpp on the file, and each against the F32 file's (the same in both)\n`);
  console.log("| file | file MB | mini holds | weight MB / token | top-1 mini = l.cpp | top-1 = F32 (mini / l.cpp) | threads | mini prefill tok/s | llama.cpp prefill | mini decode tok/s | llama.cpp decode | " +
    "prefill mini/l.cpp | decode mini/l.cpp | mini load ms | llama.cpp load ms |");
  console.log("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const c of cells) {
    const [m, l] = [(k: Exclude<keyof MiniCell, "held" | "kernels">) => c.mini.map((r) => r[k]), (k: keyof LlamaCppCell) => c.cpp.map((r) => r[k])];
    console.log(
      `| ${c.f} | ${fmt(statSync(await ggufFile(c.f)).size / 1e6)} | ${c.mini[0]!.held} | ${fmt(c.mini[0]!.weightMB)} | ${agree.get(c.f)} | ${vsF32.get(c.f)} | ${c.t} | ` +
        `${minMedMax(m("prefill"))} | ${minMedMax(l("prefill"))} | ${minMedMax(m("decode"))} | ${minMedMax(l("decode"))} | ` +
        `${ratioOfMedians(m("prefill"), l("prefill"))} | ${ratioOfMedians(m("decode"), l("decode"))} | ${fmt(median(m("loadMs")))} | ${fmt(median(l("loadMs")))} |`,
    );
  }
}

const argv = process.argv.slice(2);
const emit = (x: unknown): void => console.log(JSON.stringify(x));
if (argv[0] === "--child-mini") {
  const [, kind, threads, prompt, decode] = argv;
  emit(await miniCell(kind!, Number(threads), Number(prompt), Number(decode)));
} else if (argv[0] === "--child-llamacpp") {
  const [, kind, threads, prompt, decode] = argv;
  emit(await llamaCppCell(await ggufFile(kind!), Number(threads), benchPrompt(CONFIG.vocab_size, Number(prompt)), Number(decode)));
} else if (argv[0] === "--child-agree") {
  const [, kind, prompt, n] = argv;
  emit(await agreement(kind!, Number(prompt), Number(n)));
} else {
  try {
    await main();
  } catch (e) {
    // bad arguments (and any other failure before the table): one line
    console.error(`bench:gguf-files: ${(e as Error).message}`);
    process.exit(2);
  }
}
