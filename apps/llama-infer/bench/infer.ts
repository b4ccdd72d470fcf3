/**
 * Inference benchmark of the Llama/Mistral forward, one thread:
 *   prefill tok/s   a 128-token prompt, last-position logits only (median and best of 9–31 runs:
 *                   the machine is shared, so the best is the closest to an idle machine)
 *   TTFT            time to first token: the median prefill plus the argmax (warm), and the very
 *                   first call after loading (cold: includes JIT warm-up)
 *   decode tok/s    256 greedy tokens, one forward([token]) each, through the KV cache (median and
 *                   best of 9 runs for the story model, 3 for the 32M one, after a warm-up run)
 *   RSS             process.memoryUsage().rss after decoding, and after a forced GC (the child
 *                   runs with --expose-gc). Loading reads each tensor from the file straight into
 *                   the WASM heap (no file-sized JS buffer), so the two should be close.
 * on the story model (shared/models/story) and a synthesized 32M Mistral-shaped model (the config
 * of shared/models/chat-tokenizer, seeded random weights written under os.tmpdir()).
 *
 *   npx tsx --conditions=@mini/source bench/infer.ts [--models story,chat32m|<dir>] [--prompt 128] [--decode 256] [--json]
 *
 * Each model runs in its own child process, so one model's memory does not count in the other's
 * RSS. `runInferenceBench` is the same from code. `pnpm bench` in this app runs it, then bench/serve.ts.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRng } from "@mini/tensor";
import { layerTensors, loadModelDir } from "@mini/llm/models";
import { argmax } from "@mini/llm/sampling";
import { synthesizeModelDir } from "@mini/llm/testing";
// ../shared beside the checkout (override with MINI_SHARED).
const SHARED = process.env["MINI_SHARED"] ?? fileURLToPath(new URL("../../../../shared", import.meta.url));

export interface InferBenchResult {
  model: string;
  params: number;
  loadMs: number;
  /** Median and best of the repeated prefills. */
  prefillTokPerS: number;
  prefillBestTokPerS: number;
  /** Median prefill + argmax (warm), and the very first forward after loading (cold). */
  ttftMs: number;
  coldTtftMs: number;
  /** Median and best of the repeated decode runs. */
  decodeTokPerS: number;
  decodeBestTokPerS: number;
  /** RSS after decoding, and after a forced garbage collection. */
  rssMB: number;
  rssAfterGcMB: number;
}

export interface InferBenchOptions {
  /** "story", "chat32m" or a model directory. Default both named models. */
  models?: string[];
  promptLen?: number;
  decodeLen?: number;
}

/** transformers.js on the same kind of machine (1 thread), from the task brief. */
export const ANCHORS: Record<string, { prefill: number; decode: number; rssMB: number }> = {
  story: { prefill: 39_000, decode: 2_336, rssMB: 157 },
  chat32m: { prefill: 1_800, decode: 127, rssMB: 441 },
};

const STORY_DIR = `${SHARED}/models/story`;
/** The 32M chat model's tokenizer and config.json (../shared/models/chat-tokenizer), for the synthesized bench models. */
export const CHAT_TOKENIZER_DIR = `${SHARED}/models/chat-tokenizer`;
const CHAT_CONFIG = `${CHAT_TOKENIZER_DIR}/config.json`;
const SELF = fileURLToPath(import.meta.url);

/** The directory of a named model, synthesizing the 32M one (once per seed) if needed. */
export function benchModelDir(name: string): string {
  if (name === "story") return STORY_DIR;
  if (name === "chat32m") {
    const dir = join(tmpdir(), "mini-llm-bench-chat32m-seed0");
    if (!existsSync(join(dir, "model.safetensors"))) {
      const config = JSON.parse(readFileSync(CHAT_CONFIG, "utf8")) as Record<string, unknown>;
      synthesizeModelDir({ config, tokenizerDir: CHAT_TOKENIZER_DIR, outDir: dir, seed: 0 });
    }
    return dir;
  }
  return name;
}

/** Runs each model in a child process and returns the results. */
export function runInferenceBench(opts: InferBenchOptions = {}): InferBenchResult[] {
  const models = opts.models ?? ["story", "chat32m"];
  return models.map((m) => {
    benchModelDir(m); // synthesize in this process, not in the measured one
    const args = [...process.execArgv, "--expose-gc", SELF, "--child", m, "--prompt", String(opts.promptLen ?? 128), "--decode", String(opts.decodeLen ?? 256)];
    const out = execFileSync(process.execPath, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    return JSON.parse(out.trim().split("\n").pop()!) as InferBenchResult;
  });
}

/** One model, in this process. */
async function measure(name: string, promptLen: number, decodeLen: number): Promise<InferBenchResult> {
  const t0 = performance.now();
  const { model, config } = await loadModelDir(benchModelDir(name));
  const loadMs = performance.now() - t0;
  const rng = createRng(1234);
  const prompt = Array.from({ length: promptLen }, () => 3 + rng.int(config.vocabSize - 3));
  const cache = model.newCache(Math.min(config.maxSeqLen, promptLen + decodeLen + 1));

  let t = performance.now();
  argmax(model.forward(prompt, cache));
  const coldTtftMs = performance.now() - t;

  // Prefill: repeated over a cleared cache (the machine is shared: report median and best).
  const big = config.hiddenSize >= 256;
  const prefillMs: number[] = [];
  for (let r = 0; r < (big ? 9 : 31); r++) {
    cache.clear();
    t = performance.now();
    argmax(model.forward(prompt, cache));
    prefillMs.push(performance.now() - t);
  }

  // Decode: greedy, one token per forward after the prompt; a warm-up run, then timed runs.
  const decodeS: number[] = [];
  for (let r = 0; r <= (big ? 3 : 9); r++) {
    cache.clear();
    let next = argmax(model.forward(prompt, cache));
    const n = r === 0 && big ? Math.min(decodeLen, 32) : decodeLen;
    t = performance.now();
    for (let i = 0; i < n; i++) next = argmax(model.forward([next], cache));
    if (r > 0) decodeS.push((performance.now() - t) / 1000);
  }
  const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor((xs.length - 1) / 2)]!;

  const rssMB = process.memoryUsage().rss / 2 ** 20;
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((resolve) => setTimeout(resolve, 50));

  let params = config.vocabSize * config.hiddenSize * (config.tieWordEmbeddings ? 1 : 2) + config.hiddenSize;
  params += config.numLayers * layerTensors(model.weights.layers[0]!).reduce((s, w) => s + ("size" in w ? w.size : w.rows * w.cols), 0);
  return {
    model: name,
    params,
    loadMs,
    prefillTokPerS: promptLen / (median(prefillMs) / 1000),
    prefillBestTokPerS: promptLen / (Math.min(...prefillMs) / 1000),
    ttftMs: median(prefillMs),
    coldTtftMs,
    decodeTokPerS: decodeLen / median(decodeS),
    decodeBestTokPerS: decodeLen / Math.min(...decodeS),
    rssMB,
    rssAfterGcMB: process.memoryUsage().rss / 2 ** 20,
  };
}

export function formatInferBench(results: InferBenchResult[]): string {
  const rows = [
    "| model | params | load ms | prefill tok/s median / best (tjs) | TTFT ms warm / cold | decode tok/s median / best (tjs) | RSS MB / after GC (tjs) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of results) {
    const a = ANCHORS[r.model];
    const anchor = (v: number | undefined): string => (v === undefined ? "" : ` (${v.toLocaleString("en-US")})`);
    rows.push(
      `| ${r.model} | ${(r.params / 1e6).toFixed(2)}M | ${r.loadMs.toFixed(0)} | ${fmt(r.prefillTokPerS)} / ${fmt(r.prefillBestTokPerS)}${anchor(a?.prefill)} | ` +
        `${r.ttftMs.toFixed(1)} / ${r.coldTtftMs.toFixed(1)} | ${fmt(r.decodeTokPerS)} / ${fmt(r.decodeBestTokPerS)}${anchor(a?.decode)} | ` +
        `${r.rssMB.toFixed(0)} / ${r.rssAfterGcMB.toFixed(0)}${anchor(a?.rssMB)} |`,
    );
  }
  return rows.join("\n");
}

function fmt(v: number): string {
  return Math.round(v).toLocaleString("en-US");
}

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const promptLen = Number(arg(args, "--prompt") ?? 128);
  const decodeLen = Number(arg(args, "--decode") ?? 256);
  const child = arg(args, "--child");
  if (child !== undefined) {
    console.log(JSON.stringify(await measure(child, promptLen, decodeLen)));
  } else {
    const models = arg(args, "--models")?.split(",");
    const results = runInferenceBench({ models, promptLen, decodeLen });
    console.log(args.includes("--json") ? JSON.stringify(results, null, 2) : formatInferBench(results));
  }
}
