/**
 * Compares mini's loadModel on a directory written by scripts/torch-xcheck/generate.py with the
 * logits that script recorded from its own float64 forward of transformers' semantics (PyTorch):
 *   - prefill: every position's logits of each recorded sequence, fed at once;
 *   - decode: the second sequence fed one token at a time through the KV cache;
 *   - chunked: the first sequence fed 5 tokens at a time (later chunks attend to cached positions,
 *     across any sliding window);
 *   - greedy: the continuation of the short prompt, argmax by argmax through the cache.
 * Each path's error is max |Δlogit| / max |logit| over its rows.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadModel } from "../../src/load-model.js";
import type { CausalLM } from "../../src/models/causal-lm.js";

/** expected.json as generate.py writes it. */
export interface XcheckExpected {
  readonly sequences?: readonly { readonly ids: readonly number[]; readonly logits: readonly (readonly number[])[] }[];
  readonly greedy?: { readonly prompt: readonly number[]; readonly tokens: readonly number[]; readonly margins: readonly number[] };
  /** Smallest gap between the k-th and next routing probability (Mixtral), null otherwise. */
  readonly minRouterGap?: number | null;
  /** The config field mini must refuse the model for (no logits then). */
  readonly refused?: string;
}

export interface XcheckResult {
  readonly name: string;
  readonly maxAbsLogit: number;
  /** max |Δlogit| / max |logit| of each path. */
  readonly prefill: number;
  readonly decode: number;
  readonly chunked: number;
  readonly greedyTokens: readonly number[];
  readonly expectedTokens: readonly number[];
  readonly smallestMargin: number;
  readonly minRouterGap: number | null;
}

const CHUNK = 5;

export function readExpected(dir: string): XcheckExpected {
  return JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")) as XcheckExpected;
}

/** Whether `dir` holds a model generate.py wrote (config.json and expected.json). */
export function isXcheckDir(dir: string): boolean {
  return existsSync(join(dir, "config.json")) && existsSync(join(dir, "expected.json"));
}

/** Largest |a_i − b_i| and largest |b_i| over one logits row. */
function rowError(got: Float32Array, want: readonly number[]): { delta: number; scale: number } {
  if (got.length !== want.length) throw new Error(`logits row of ${got.length}, expected ${want.length}`);
  let delta = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    delta = Math.max(delta, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return { delta, scale };
}

/** Feeds `ids` in pieces of `chunk` tokens from an empty cache; the logits of every position. */
function feed(model: CausalLM, ids: readonly number[], chunk: number): Float32Array[] {
  const cache = model.newCache(ids.length + 1);
  const vocab = model.config.vocabSize;
  const rows: Float32Array[] = [];
  for (let start = 0; start < ids.length; start += chunk) {
    const piece = ids.slice(start, start + chunk);
    const out = model.forward(piece, cache, { allLogits: true });
    for (let r = 0; r < piece.length; r++) rows.push(out.slice(r * vocab, (r + 1) * vocab));
  }
  return rows;
}

function pathError(rows: readonly Float32Array[], want: readonly (readonly number[])[]): { delta: number; scale: number } {
  if (rows.length !== want.length) throw new Error(`${rows.length} logits rows, expected ${want.length}`);
  let delta = 0;
  let scale = 0;
  rows.forEach((row, i) => {
    const e = rowError(row, want[i]!);
    delta = Math.max(delta, e.delta);
    scale = Math.max(scale, e.scale);
  });
  return { delta, scale };
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

function greedyTokens(model: CausalLM, prompt: readonly number[], steps: number): number[] {
  const cache = model.newCache(prompt.length + steps + 1);
  let last = model.forward(prompt, cache);
  const tokens: number[] = [];
  for (let s = 0; s < steps; s++) {
    const next = argmax(last);
    tokens.push(next);
    last = model.forward([next], cache);
  }
  return tokens;
}

/**
 * Loads `dir` (or `modelPath`: the same weights in another file, e.g. a GGUF conversion) with loadModel
 * and measures every path against `dir`'s expected.json (which must record logits).
 */
export async function compareWithTorch(dir: string, name: string, modelPath = dir): Promise<XcheckResult> {
  const expected = readExpected(dir);
  const sequences = expected.sequences;
  const greedy = expected.greedy;
  if (sequences === undefined || sequences.length < 2 || greedy === undefined) throw new Error(`${dir}/expected.json: no recorded logits`);
  const loaded = await loadModel(modelPath);
  const format = modelPath.endsWith(".gguf") ? "gguf" : "hf-llama";
  if (loaded.format !== format) throw new Error(`${modelPath}: loaded as ${loaded.format}, expected ${format}`);
  const model = loaded.model;
  try {
    const relative = (e: { delta: number; scale: number }) => e.delta / e.scale;
    let prefill = 0;
    let maxAbsLogit = 0;
    for (const s of sequences) {
      const e = pathError(feed(model, s.ids, s.ids.length), s.logits);
      prefill = Math.max(prefill, relative(e));
      maxAbsLogit = Math.max(maxAbsLogit, e.scale);
    }
    const decode = relative(pathError(feed(model, sequences[1]!.ids, 1), sequences[1]!.logits));
    const chunked = relative(pathError(feed(model, sequences[0]!.ids, CHUNK), sequences[0]!.logits));
    return {
      name,
      maxAbsLogit,
      prefill,
      decode,
      chunked,
      greedyTokens: greedyTokens(model, greedy.prompt, greedy.tokens.length),
      expectedTokens: greedy.tokens,
      smallestMargin: Math.min(...greedy.margins),
      minRouterGap: expected.minRouterGap ?? null,
    };
  } finally {
    model.dispose();
  }
}
