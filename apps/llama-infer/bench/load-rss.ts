/**
 * Peak resident memory by weight dtype: each cell is its own process that loads a model with
 * `--dtype`, runs a 128-token prompt and 16 decoded tokens, and reports process.resourceUsage()'s
 * maxRSS (the peak over the whole process: loading included), the RSS after the run, the WASM
 * memory's size and the heap's live bytes. Cells are interleaved round by round; min / median / max.
 *
 *   npx tsx --conditions=@mini/source bench/load-rss.ts [--rounds 3] [--models chat32m,story] [--threads 1]
 *     [--dtypes f32,bf16,f16,q8_0,q4_0]   (q4_k / q6_k need rows of whole 256-weight super-blocks)
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { loadModelDir } from "@mini/llm/models";
import { argmax } from "@mini/llm/sampling";
import { createRng, heap, parseWeightDtype, setThreads, type WeightDtype } from "@mini/tensor";
import { benchModelDir } from "./infer.js";

interface Cell {
  startMB: number;
  loadMs: number;
  peakAfterLoadMB: number;
  peakMB: number;
  rssMB: number;
  wasmMB: number;
  liveMB: number;
}

const MB = 2 ** 20;

async function child(name: string, dtype: WeightDtype, threads: number): Promise<Cell> {
  setThreads(threads);
  const startMB = (process.resourceUsage().maxRSS * 1024) / MB; // the process before loading (Node, tsx, modules)
  const t0 = performance.now();
  const { model, config } = await loadModelDir(benchModelDir(name), { dtype });
  const loadMs = performance.now() - t0;
  const peakAfterLoadMB = (process.resourceUsage().maxRSS * 1024) / MB;
  const rng = createRng(1234);
  const prompt = Array.from({ length: Math.min(128, config.maxSeqLen - 17) }, () => 3 + rng.int(config.vocabSize - 3));
  const cache = model.newCache(Math.min(config.maxSeqLen, prompt.length + 17));
  let next = argmax(model.forward(prompt, cache));
  for (let i = 0; i < 16; i++) next = argmax(model.forward([next], cache));
  return {
    startMB,
    loadMs,
    peakAfterLoadMB,
    peakMB: (process.resourceUsage().maxRSS * 1024) / MB,
    rssMB: process.memoryUsage().rss / MB,
    wasmMB: heap.memory.buffer.byteLength / MB,
    liveMB: heap.liveBytes / MB,
  };
}

const argv = process.argv.slice(2);
const flag = (name: string, dflt: string): string => (argv.includes(name) ? argv[argv.indexOf(name) + 1]! : dflt);
if (argv[0] === "--child") {
  const [, name, dtype, threads] = argv;
  console.log(JSON.stringify(await child(name!, dtype as WeightDtype, Number(threads))));
} else {
  const rounds = Number(flag("--rounds", "3"));
  const models = flag("--models", "chat32m,story").split(",");
  const threads = flag("--threads", "1");
  const self = fileURLToPath(import.meta.url);
  for (const m of models) benchModelDir(m); // synthesize outside the measured processes
  const dtypes = flag("--dtypes", "f32,bf16,f16,q8_0,q4_0").split(",").map((d) => parseWeightDtype(d, "--dtypes"));
  const cells = models.flatMap((m) => dtypes.map((d) => ({ m, d, runs: [] as Cell[] })));
  for (let r = 0; r < rounds; r++) {
    for (const c of cells) {
      const out = execFileSync(process.execPath, [...process.execArgv, self, "--child", c.m, c.d, threads], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
      c.runs.push(JSON.parse(out.trim().split("\n").pop()!) as Cell);
    }
  }
  const f = (x: number): string => x.toFixed(0);
  const mmm = (v: number[]): string => {
    const s = [...v].sort((a, b) => a - b);
    return [s[0]!, s[Math.floor(s.length / 2)]!, s[s.length - 1]!].map(f).join(" / ");
  };
  const med = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  console.log(`\n${rounds} processes per cell, interleaved; min / median / max; ${threads} thread(s); 128-token prompt + 16 decoded tokens\n`);
  console.log("| model | dtype | peak RSS MB | ÷ f32 | peak − start MB | ÷ f32 | peak after load MB | RSS at end MB | WASM memory MB | heap live MB | load ms |");
  console.log("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const c of cells) {
    const base = cells.find((x) => x.m === c.m && x.d === "f32")!;
    const pick = (k: keyof Cell): number[] => c.runs.map((r) => r[k]);
    console.log(
      `| ${c.m} | ${c.d} | ${mmm(pick("peakMB"))} | ${(med(pick("peakMB")) / med(base.runs.map((r) => r.peakMB))).toFixed(2)} | ` +
        `${mmm(c.runs.map((r) => r.peakMB - r.startMB))} | ${(med(c.runs.map((r) => r.peakMB - r.startMB)) / med(base.runs.map((r) => r.peakMB - r.startMB))).toFixed(2)} | ` +
        `${mmm(pick("peakAfterLoadMB"))} | ${mmm(pick("rssMB"))} | ${f(med(pick("wasmMB")))} | ${f(med(pick("liveMB")))} | ${mmm(pick("loadMs"))} |`,
    );
  }
}
