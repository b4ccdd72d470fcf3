/**
 * Thread scaling of the inference Llama on the synthesized 32M model (the config of
 * shared/models/chat-tokenizer, seed 0): prefill tok/s (128-token prompt, last logits), decode tok/s
 * (64 greedy steps after it) and the batched forward's decode step time at M = 1, 8, 16 sequences
 * with ~200-token contexts, at 1 and 2 threads, interleaved round by round in one process so the
 * ratios share the machine's load. Also the process's CPU time per prefill / decode token / batch step
 * ("cpu ms"): at 1 thread it is the work done, nearly independent of other jobs on the machine (at
 * 2 threads it includes the workers' spinning). Prints one JSON line (median, min, max per cell).
 *
 *   npx tsx --conditions=@mini/source bench/threads.ts [--rounds 5] [--threads 1,2]
 */
import { existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setThreads } from "@mini/tensor";
import { loadModelDir } from "../src/loaders/index.js";
import { BatchedLlama } from "../src/models/llama/index.js";
import { synthesizeModelDir } from "../src/synth.js";

const SHARED = process.env["MINI_SHARED"] ?? fileURLToPath(new URL("../../../../shared", import.meta.url));
const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const rounds = Number(arg("rounds", "5"));
const threadList = arg("threads", "1,2").split(",").map(Number);

const dir = join(tmpdir(), "mini-llm-bench-chat32m-seed0");
if (!existsSync(join(dir, "model.safetensors"))) {
  const configPath = `${SHARED}/models/chat-tokenizer/config.json`;
  synthesizeModelDir({ config: JSON.parse(readFileSync(configPath, "utf8")), tokenizerDir: join(configPath, ".."), outDir: dir, seed: 0 });
}
const { model, config } = await loadModelDir(dir);
const V = config.vocabSize;
const prompt = Array.from({ length: 128 }, (_, i) => 3 + ((i * 7919) % (V - 3)));
const argmax = (a: Float32Array): number => {
  let b = 0;
  for (let j = 1; j < a.length; j++) if (a[j]! > a[b]!) b = j;
  return b;
};
const cache = model.newCache(1024);

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
let lastCpu = 0; // CPU ms of the last measured call, per unit
function prefill(): number {
  cache.clear();
  const c = cpuMs();
  const t = performance.now();
  model.forward(prompt, cache);
  const dt = performance.now() - t;
  lastCpu = cpuMs() - c;
  return (prompt.length * 1000) / dt;
}
function decode(): number {
  cache.clear();
  let next = argmax(model.forward(prompt, cache));
  const c = cpuMs();
  const t = performance.now();
  for (let i = 0; i < 64; i++) next = argmax(model.forward([next], cache));
  const dt = performance.now() - t;
  lastCpu = (cpuMs() - c) / 64;
  return (64 * 1000) / dt;
}

// Batched: M sequences with ~200-token contexts in a paged cache (blocks of 16, scattered), then decode steps.
const batched = new BatchedLlama(model);
const BS = 16;
const kv = batched.newPagedKV(16 * 16 + 8, BS);
const seqs = Array.from({ length: 16 }, (_, s) => {
  const table = Array.from({ length: 16 }, (_, b) => (b * 16 + s * 5) % (16 * 16));
  return { table, tokens: Array.from({ length: 200 }, (_, i) => 3 + ((i * 31 + s * 101) % (V - 3))) };
});
for (const s of seqs) {
  for (let p = 0; p < 200; p += batched.maxBatchTokens) {
    batched.forwardBatch([{ tokens: s.tokens.slice(p, p + batched.maxBatchTokens), position: p, blockTable: s.table }], kv);
  }
}
function batchStep(M: number): number {
  const entries = seqs.slice(0, M).map((s, i) => ({ tokens: [5 + i], position: 200 + (i % 7), blockTable: s.table }));
  const c = cpuMs();
  const t = performance.now();
  for (let r = 0; r < 4; r++) batched.forwardBatch(entries, kv);
  const dt = (performance.now() - t) / 4;
  lastCpu = (cpuMs() - c) / 4;
  return dt;
}

const cells: Record<string, number[]> = {};
const put = (k: string, v: number): void => void (cells[k] ??= []).push(v);
for (const t of threadList) {
  setThreads(t);
  prefill(); decode(); batchStep(16); // warm-up (JIT, workers, scratch)
}
for (let r = 0; r < rounds; r++) {
  for (const t of threadList) {
    setThreads(t);
    put(`prefill tok/s @${t}`, prefill());
    put(`prefill cpu ms @${t}`, lastCpu);
    put(`decode tok/s @${t}`, decode());
    put(`decode cpu ms/token @${t}`, lastCpu);
    for (const M of [1, 8, 16]) {
      put(`batch step ms M=${M} @${t}`, batchStep(M));
      put(`batch step cpu ms M=${M} @${t}`, lastCpu);
    }
  }
}
const stats = Object.fromEntries(
  Object.entries(cells).map(([k, v]) => {
    const s = [...v].sort((a, b) => a - b);
    return [k, { median: s[Math.floor(s.length / 2)]!, min: s[0]!, max: s[s.length - 1]! }];
  }),
);
console.log(JSON.stringify(stats));
process.exit(0);
