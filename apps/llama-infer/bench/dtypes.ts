/**
 * Compact weights × threads on the inference Llama: every dtype at 1 thread and at all threads,
 * on the synthesized 32M Mistral-shaped model (rows 312 / 1092 wide: q8_0 / q4_0 in mini's padded
 * layout) and a synthesized model of SmolLM2-135M's shape (every row a multiple of 32):
 *   prefill tok/s (128-token prompt), decode tok/s (greedy tokens after it), peak RSS, load time,
 *   the memory read bandwidth measured in the same process (stream.wat over 256 MiB on the same
 *   threads), and decode as a fraction of the ceiling it implies (weight bytes per token ÷ bandwidth).
 * Each cell is its own process; cells are interleaved round by round and reported as
 * min / median / max over the rounds. llama.cpp (node-llama-cpp, bench/llamacpp.ts) runs the same
 * weights written as GGUF by mini's writer, each of its cells also its own process, interleaved with
 * mini's in every round; its greedy tokens are checked against mini's at F32 before any timing.
 *
 *   npx tsx --conditions=@mini/source bench/dtypes.ts [--rounds 3] [--models chat32m,smollm135m] [--prompt 128] [--decode 256] [--check 32]
 */
// First import, as in the CLI: Node 20's relaxed-SIMD flag on before @mini/tensor compiles its kernels.
import "../src/relaxed-simd.js";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadModelDir } from "@mini/llm/models";
import { synthesizeModelDir } from "@mini/llm/testing";
import { fusedGemm, getThreads, isKQuant, measureReadBandwidth, relaxedDot, relaxedSimd, setThreads, WEIGHT_DTYPES, type WeightDtype } from "@mini/tensor";
import { benchPrompt, fmt as f, interleaved, median as med, minMedMax as mmm, ratioOfMedians as ratio, runCell, timeForward, weightBytes } from "./cells.js";
import { benchModelDir } from "./infer.js";
import { benchGguf, greedyCheck, llamaCppCell, llamaCppDtypes, type LlamaCppCell } from "./llamacpp.js";

const SMOLLM_SHAPE = {
  architectures: ["LlamaForCausalLM"], model_type: "llama", hidden_size: 576, intermediate_size: 1536, num_hidden_layers: 30,
  num_attention_heads: 9, num_key_value_heads: 3, vocab_size: 49152, tie_word_embeddings: true, rope_theta: 100000,
  max_position_embeddings: 2048, rms_norm_eps: 1e-5, hidden_act: "silu", bos_token_id: 1, eos_token_id: 2, torch_dtype: "float32",
};

function modelDir(name: string): string {
  if (name !== "smollm135m") return benchModelDir(name);
  const dir = join(tmpdir(), "mini-llm-bench-smollm135m-seed0");
  if (!existsSync(join(dir, "model.safetensors"))) synthesizeModelDir({ config: SMOLLM_SHAPE, outDir: dir, seed: 0 });
  // the 32M model's tokenizer (same ids as in the GGUF files), so the CLI can run this directory too
  for (const f of ["tokenizer.json", "tokenizer_config.json"]) if (!existsSync(join(dir, f))) copyFileSync(join(benchModelDir("chat32m"), f), join(dir, f));
  return dir;
}

/** The GGUF file llama.cpp reads for a model and dtype (the SmolLM-shaped model borrows the 32M model's tokenizer). */
const ggufFor = (name: string, dtype: WeightDtype): Promise<string> =>
  benchGguf(modelDir(name), name, dtype, name === "smollm135m" ? modelDir("chat32m") : modelDir(name));

const CLI = fileURLToPath(new URL("../bin/llama-infer.mjs", import.meta.url));
const CLI_PROMPT = "Once upon a time, in a small town by the sea, there lived an old fisherman and his dog. ".repeat(6);

/**
 * Peak RSS of the built CLI as users run it (plain node, one bundled file: no tsx loader in the
 * process): `llama-infer generate --stats` with a ~130-token prompt and 16 new tokens.
 */
function cliPeakRssMB(dir: string, dtype: WeightDtype, threads: number): number {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "NODE_OPTIONS"));
  const args = ["generate", "--model", dir, "--dtype", dtype, "--threads", String(threads), "--prompt", CLI_PROMPT, "--max-new-tokens", "16", "--temperature", "0", "--stats"];
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env });
  const m = /\[stats\] peak memory: (\d+) MB/.exec(r.stderr);
  if (r.status !== 0 || m === null) throw new Error(`llama-infer generate --dtype ${dtype} on ${dir} failed: ${r.stderr.trim()}`);
  return Number(m[1]);
}

interface Cell {
  prefill: number;
  decode: number;
  rssMB: number;
  loadMs: number;
  bandwidth: number;
  weightMB: number;
}

async function child(name: string, dtype: WeightDtype, threads: number, promptLen: number, decodeLen: number): Promise<Cell> {
  setThreads(threads);
  const t0 = performance.now();
  const { model, config } = await loadModelDir(modelDir(name), { dtype });
  const loadMs = performance.now() - t0;
  const { prefill, decode } = timeForward(model, benchPrompt(config.vocabSize, promptLen), decodeLen, config.maxSeqLen);
  const rssMB = process.resourceUsage().maxRSS / 1024;
  const weightMB = weightBytes(model) / 1e6;
  model.dispose();
  return { prefill, decode, rssMB, loadMs, bandwidth: measureReadBandwidth(), weightMB };
}

const argv = process.argv.slice(2);
const flag = (name: string, dflt: string): string => (argv.includes(name) ? argv[argv.indexOf(name) + 1]! : dflt);
const vocabOf = (name: string): number => (JSON.parse(readFileSync(join(modelDir(name), "config.json"), "utf8")) as { vocab_size: number }).vocab_size;
const emit = (x: unknown): void => console.log(JSON.stringify(x));
if (argv[0] === "--child") {
  const [, name, dtype, threads, prompt, decode] = argv;
  emit(await child(name!, dtype as WeightDtype, Number(threads), Number(prompt), Number(decode)));
} else if (argv[0] === "--child-llamacpp") {
  const [, name, dtype, threads, prompt, decode] = argv;
  emit(await llamaCppCell(await ggufFor(name!, dtype as WeightDtype), Number(threads), benchPrompt(vocabOf(name!), Number(prompt)), Number(decode)));
} else if (argv[0] === "--child-check") {
  const [, name, prompt, n] = argv;
  emit(await greedyCheck(modelDir(name!), await ggufFor(name!, "f32"), benchPrompt(vocabOf(name!), Number(prompt)), Number(n)));
} else {
  const rounds = Number(flag("--rounds", "3"));
  const models = flag("--models", "chat32m,smollm135m").split(",");
  const promptLen = Number(flag("--prompt", "128"));
  const decodeLen = Number(flag("--decode", "256"));
  const checkLen = Number(flag("--check", "32"));
  const threadCounts = [...new Set([1, getThreads()])];
  const self = fileURLToPath(import.meta.url);
  const run = <T>(args: string[]): T => runCell<T>(self, args);
  // synthesize and write every GGUF file outside the measured processes
  for (const m of models) for (const d of llamaCppDtypes(m)) await ggufFor(m, d);
  const checks = new Map<string, string>();
  for (const m of models) {
    const c = run<{ mini: number[]; llamaCpp: number[] }>(["--child-check", m, String(promptLen), String(checkLen)]);
    const first = c.mini.findIndex((t, i) => t !== c.llamaCpp[i]);
    checks.set(m, first < 0 ? `same ${checkLen} greedy tokens` : `greedy tokens DIFFER from token ${first}`);
    console.log(`greedy check, ${m} at F32 (${promptLen}-token prompt): ${checks.get(m)}` + (first < 0 ? "" : `\n  mini      ${c.mini.join(" ")}\n  llama.cpp ${c.llamaCpp.join(" ")}`));
  }
  // q4_k / q6_k left out: neither bench model's rows (312 / 576 wide) are whole 256-weight super-blocks
  const dtypes = WEIGHT_DTYPES.filter((d) => !isKQuant(d));
  const cells = models.flatMap((m) => dtypes.flatMap((d) => threadCounts.map((t) => ({ m, d, t, runs: [] as Cell[], cpp: [] as LlamaCppCell[], cliRss: [] as number[] }))));
  interleaved(rounds, cells, (c) => {
    const args = [c.m, c.d, String(c.t), String(promptLen), String(decodeLen)];
    c.runs.push(run<Cell>(["--child", ...args]));
    c.cliRss.push(cliPeakRssMB(modelDir(c.m), c.d, c.t));
    if (llamaCppDtypes(c.m).includes(c.d)) c.cpp.push(run<LlamaCppCell>(["--child-llamacpp", ...args]));
  });
  console.log(`\n${rounds} interleaved processes per cell; min / median / max; ${promptLen}-token prompt, ${decodeLen} decoded tokens; ` +
    `llama.cpp = node-llama-cpp 3.21.1 on GGUF written by mini (flash attention off, f32 KV cache); ratios are mini / llama.cpp of the medians; ` +
    `Node ${process.versions.node}, mini's kernels: ${relaxedSimd ? `relaxed SIMD (FMA in ${fusedGemm ? "f32 gemm and " : ""}bf16/f16 products)` : "SIMD128"}, int8 dot for q8_0/q4_0: ${relaxedDot() ? "relaxed" : "SIMD128 i16"}. ` +
    `Peak RSS: the bench cell's process (Node + the tsx loader + the model); CLI peak RSS: \`llama-infer generate --stats\` on plain node, as users run it (~130-token prompt, 16 new tokens)\n`);
  console.log("| model | dtype | threads | weights MB | prefill tok/s | decode tok/s | peak RSS MB | load ms | bandwidth GB/s | decode / ceiling | CLI peak RSS MB (÷ f32) | " +
    "llama.cpp prefill | llama.cpp decode | llama.cpp RSS MB | llama.cpp load ms | prefill mini/l.cpp | decode mini/l.cpp |");
  console.log("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const c of cells) {
    const ceiling = med(c.runs.map((r) => (r.bandwidth * 1e3) / r.weightMB)); // tok/s the bandwidth allows
    const pick = (k: keyof LlamaCppCell): number[] => c.cpp.map((r) => r[k]);
    const differs = c.cpp.length > 0 && !checks.get(c.m)!.startsWith("same") ? " (greedy differs at F32)" : "";
    console.log(
      `| ${c.m} | ${c.d} | ${c.t} | ${f(c.runs[0]!.weightMB)} | ${mmm(c.runs.map((r) => r.prefill))} | ${mmm(c.runs.map((r) => r.decode))} | ` +
        `${mmm(c.runs.map((r) => r.rssMB))} | ${mmm(c.runs.map((r) => r.loadMs))} | ${mmm(c.runs.map((r) => r.bandwidth))} | ${(100 * med(c.runs.map((r) => r.decode)) / ceiling).toFixed(0)} % | ` +
        `${mmm(c.cliRss)} (${(med(c.cliRss) / med(cells.find((x) => x.m === c.m && x.t === c.t && x.d === "f32")!.cliRss)).toFixed(2)}) | ` +
        `${mmm(pick("prefill"))} | ${mmm(pick("decode"))} | ${mmm(pick("rssMB"))} | ${mmm(pick("loadMs"))} | ` +
        `${ratio(c.runs.map((r) => r.prefill), pick("prefill"))} | ${ratio(c.runs.map((r) => r.decode), pick("decode"))}${differs} |`,
    );
  }
}
