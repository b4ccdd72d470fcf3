/**
 * What the benches that compare mini with llama.cpp cell by cell share (bench/dtypes.ts,
 * bench/gguf-files.ts): the seeded prompt both systems read, mini's measured forward, a process
 * per measured cell with the cells interleaved round by round, and the min / median / max columns.
 */
import { execFileSync } from "node:child_process";
import { layerTensors, type LlamaModel } from "@mini/llm/models";
import { argmax } from "@mini/llm/sampling";
import { createRng } from "@mini/tensor";

/** The same seeded prompt ids for every cell of a model, in both systems. */
export function benchPrompt(vocabSize: number, len: number): number[] {
  const rng = createRng(1234);
  return Array.from({ length: len }, () => 3 + rng.int(vocabSize - 3));
}

/** The weight bytes read per token: every layer's weights and lm_head (the embedding only gathers a row). */
export function weightBytes(m: LlamaModel): number {
  const size = (w: { size: number } | { byteLength: number }): number => ("size" in w ? 4 * w.size : w.byteLength);
  let n = size(m.weights.lmHead);
  for (const l of m.weights.layers) for (const x of layerTensors(l)) n += size(x);
  return n;
}

/**
 * mini's prefill and decode tok/s in this process: the prompt (best of 3 over a cleared cache),
 * then `decodeLen` greedy tokens after it, one forward each (best of 2).
 */
export function timeForward(model: LlamaModel, prompt: readonly number[], decodeLen: number, maxSeqLen: number): { prefill: number; decode: number } {
  const cache = model.newCache(Math.min(maxSeqLen, prompt.length + decodeLen + 1));
  let prefill = Infinity, decode = Infinity;
  for (let r = 0; r < 3; r++) {
    cache.clear();
    const t = performance.now();
    argmax(model.forward([...prompt], cache));
    prefill = Math.min(prefill, (performance.now() - t) / 1000);
  }
  for (let r = 0; r < 2; r++) {
    cache.clear();
    let next = argmax(model.forward([...prompt], cache));
    const t = performance.now();
    for (let i = 0; i < decodeLen; i++) next = argmax(model.forward([next], cache));
    decode = Math.min(decode, (performance.now() - t) / 1000);
  }
  return { prefill: prompt.length / prefill, decode: decodeLen / decode };
}

/**
 * Runs `script` with `args` in a new process (same Node flags and loader as this one, so the child
 * imports what the parent did, the relaxed-SIMD flag first) and returns the JSON of its last stdout line.
 */
export function runCell<T>(script: string, args: readonly string[]): T {
  const out = execFileSync(process.execPath, [...process.execArgv, script, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  return JSON.parse(out.trim().split("\n").pop()!) as T;
}

/** `measure` on every cell, round after round: each round visits every cell once, so load drifts spread over all cells alike. */
export function interleaved<C>(rounds: number, cells: readonly C[], measure: (cell: C, round: number) => void): void {
  for (let r = 0; r < rounds; r++) for (const c of cells) measure(c, r);
}

const sorted = (v: readonly number[]): number[] => [...v].sort((a, b) => a - b);
/** A number as the tables print it: 3 significant-ish digits. */
export const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
/** "min / median / max" (one value when there is one round; "—" when there are none). */
export const minMedMax = (v: readonly number[]): string =>
  v.length === 0 ? "—" : sorted(v).map(fmt).filter((_, i, a) => i === 0 || i === a.length - 1 || i === Math.floor(a.length / 2)).join(" / ");
export const median = (v: readonly number[]): number => sorted(v)[Math.floor(v.length / 2)]!;
/** The ratio of the medians, "a/b×" ("—" without b). */
export const ratioOfMedians = (a: readonly number[], b: readonly number[]): string => (b.length === 0 ? "—" : `${(median(a) / median(b)).toFixed(2)}×`);
