/**
 * The KV cache and the chunked/decoded paths give the logits of one fresh full-context run:
 * token-by-token decode, a prefill in two chunks, internal chunking (prefillChunk smaller than
 * the prompt) and truncate-then-refeed. Checked on the story model (GQA 8/4 heads) and on a small
 * synthesized Mistral (GQA 4/2 heads, sliding window 5 < sequence length 24), and both against
 * the independent naive forward of model.reference.ts (float64, recomputed from scratch), so the
 * window masking is checked against a second implementation, not against itself.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { heap } from "@mini/tensor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModelDir } from "../src/loaders/index.js";
import { LlamaModel, llamaForwardReference, type LlamaConfig } from "../src/models/llama/index.js";
import { synthesizeModelDir } from "../src/synth.js";
import { fileWeights, makeTempDir, maxAbsDiff, removeDir, STORY_DIR } from "./llama-helpers.js";
// ../shared beside the checkout (vitest.shared.ts sets MINI_SHARED from the repo root).
const SHARED = process.env["MINI_SHARED"]!;

/**
 * Paths that split the work differently (n = 1 matrix-vector kernels, blocked matrix kernels of
 * other M, attention over other key ranges) sum in other orders. The synthetic model's logits are
 * small (|logit| < 2), so 1e-5 holds; the story model's reach |15|, where one float32 ulp is 1e-6
 * and the measured differences reach about 1.05e-5, so it gets 2e-5.
 */
const TOL = 1e-5;

const MISTRAL_CONFIG = {
  architectures: ["MistralForCausalLM"],
  model_type: "mistral",
  hidden_size: 64,
  intermediate_size: 96,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  vocab_size: 97,
  max_position_embeddings: 128,
  sliding_window: 5,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
  hidden_act: "silu",
  tie_word_embeddings: false,
};

/** A Llama whose head_dim is not hidden/heads (q/k/v are 64 wide over a 48-wide residual), with plain
 * multi-head attention, tied embeddings and Llama-3's rope_theta: shapes the other two cases miss. */
const LLAMA_HEAD_DIM_CONFIG = {
  architectures: ["LlamaForCausalLM"],
  model_type: "llama",
  hidden_size: 48,
  head_dim: 16,
  intermediate_size: 80,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 4,
  vocab_size: 101,
  max_position_embeddings: 96,
  rms_norm_eps: 1e-6,
  rope_theta: 500000,
  hidden_act: "silu",
  tie_word_embeddings: true,
  eos_token_id: [2, 3],
};

interface Case {
  name: string;
  model: LlamaModel;
  tokens: number[];
  /** Tolerance between paths of this model (see TOL). */
  tol: number;
  /** Tolerance against the float64 naive reference. */
  refTol: number;
  /** The model's weights by name, read from its directory (for the reference). */
  weights: (name: string) => Float32Array;
}

const cases: Case[] = [];
let tmp: string;

beforeAll(async () => {
  tmp = makeTempDir("kvcache");
  const story = await loadModelDir(STORY_DIR);
  const storyTokens = [1, 80, 147, 201, 282, 215, 286, 64, 207, 161, 152, 1623, 94, 885, 222, 288, 759, 908, 140, 1562];
  cases.push({ name: "story (llama, GQA 8/4)", model: story.model, tokens: storyTokens, tol: 2e-5, refTol: 1e-4, weights: fileWeights(STORY_DIR) });
  const dir = synthesizeModelDir({ config: MISTRAL_CONFIG, outDir: join(tmp, "mistral"), seed: 3, std: 0.2 });
  const mistral = await loadModelDir(dir);
  expect(mistral.config.slidingWindow).toBe(5);
  const tokens = Array.from({ length: 24 }, (_, i) => (i * 37 + 11) % 97);
  cases.push({ name: "synthetic mistral (GQA 4/2, window 5)", model: mistral.model, tokens, tol: TOL, refTol: TOL, weights: fileWeights(dir) });
  const llamaDir = synthesizeModelDir({ config: LLAMA_HEAD_DIM_CONFIG, outDir: join(tmp, "llama-hd"), seed: 5, std: 0.2 });
  const llama = await loadModelDir(llamaDir);
  expect(llama.config.headDim).toBe(16);
  expect(llama.eosTokenIds).toEqual([2, 3]);
  const llamaTokens = Array.from({ length: 40 }, (_, i) => (i * 29 + 7) % 101);
  cases.push({ name: "synthetic llama (head_dim 16 ≠ 48/4, MHA, tied)", model: llama.model, tokens: llamaTokens, tol: TOL, refTol: TOL, weights: fileWeights(llamaDir) });
});

afterAll(() => {
  for (const c of cases) c.model.dispose();
  removeDir(tmp);
});

/** Logits of every position from one fresh forward over all tokens. */
function fullRun(model: LlamaModel, tokens: number[]): Float32Array {
  return model.forward(tokens, model.newCache(), { allLogits: true });
}

describe.each([0, 1, 2])("KV cache, case %i", (idx) => {
  const get = (): Case => cases[idx]!;

  it("a full run matches the naive float64 reference at every position", () => {
    const { model, tokens, refTol, weights } = get();
    const ref = llamaForwardReference(model.config, weights, tokens);
    const got = fullRun(model, tokens);
    const d = maxAbsDiff(got, ref);
    console.log(`${get().name}: full run vs naive reference, max |Δ| = ${d.toExponential(3)}`);
    expect(d).toBeLessThanOrEqual(refTol);
  });

  it("a long prompt (several query runs, chunks, a cached prefix) matches the naive reference", () => {
    const { model, tokens, refTol, tol, weights } = get();
    const V = model.config.vocabSize;
    const long = Array.from({ length: 75 }, (_, i) => tokens[(i * 7) % tokens.length]!);
    const ref = llamaForwardReference(model.config, weights, long);
    expect(maxAbsDiff(fullRun(model, long), ref)).toBeLessThanOrEqual(refTol);
    // Internal chunks of 40 rows, after a 3-token cached prefix: runs start at odd offsets.
    const chunked = new LlamaModel(model.config, model.weights, { prefillChunk: 40 });
    chunked.forward([1, 2], chunked.newCache(4)); // sizes its buffers for a 4-position cache first
    const cache = chunked.newCache(); // …so this pass must grow them (and re-make their views)
    chunked.forward(long.slice(0, 3), cache);
    const rest = chunked.forward(long.slice(3), cache, { allLogits: true });
    expect(maxAbsDiff(rest, ref, 0, 3 * V)).toBeLessThanOrEqual(refTol);
    expect(maxAbsDiff(rest, fullRun(model, long), 0, 3 * V)).toBeLessThanOrEqual(tol);
  });

  it("token-by-token decode gives the full run's logits at every position", () => {
    const { model, tokens, tol } = get();
    const V = model.config.vocabSize;
    const full = fullRun(model, tokens);
    const cache = model.newCache(40);
    for (let t = 0; t < tokens.length; t++) {
      const step = model.forward([tokens[t]!], cache);
      expect(maxAbsDiff(step, full, 0, t * V, V), `position ${t}`).toBeLessThanOrEqual(tol);
    }
    expect(cache.position).toBe(tokens.length);
  });

  it("a prefill in two chunks gives the full run's logits", () => {
    const { model, tokens, tol } = get();
    const V = model.config.vocabSize;
    const full = fullRun(model, tokens);
    for (const split of [1, 7, tokens.length - 1]) {
      const cache = model.newCache();
      const a = model.forward(tokens.slice(0, split), cache, { allLogits: true });
      const b = model.forward(tokens.slice(split), cache, { allLogits: true });
      expect(maxAbsDiff(a, full, 0, 0, split * V), `split ${split}, first chunk`).toBeLessThanOrEqual(tol);
      expect(maxAbsDiff(b, full, 0, split * V), `split ${split}, second chunk`).toBeLessThanOrEqual(tol);
      // Without allLogits: the last position only.
      cache.truncate(split);
      const last = model.forward(tokens.slice(split), cache);
      expect(last.length).toBe(V);
      expect(maxAbsDiff(last, full, 0, (tokens.length - 1) * V, V)).toBeLessThanOrEqual(tol);
    }
  });

  it("internal chunking (prefillChunk smaller than the prompt) gives the same logits", () => {
    const { model, tokens, tol } = get();
    const small = new LlamaModel(model.config, model.weights, { prefillChunk: 3 });
    const d = maxAbsDiff(small.forward(tokens, small.newCache(), { allLogits: true }), fullRun(model, tokens));
    expect(d).toBeLessThanOrEqual(tol);
  });

  it("truncate(pos) then re-feeding gives identical logits", () => {
    const { model, tokens, tol } = get();
    const cache = model.newCache();
    const first = model.forward(tokens, cache, { allLogits: true });
    const V = model.config.vocabSize;
    for (const pos of [tokens.length - 1, 9, 0]) {
      cache.truncate(pos);
      expect(cache.position).toBe(pos);
      const again = model.forward(tokens.slice(pos), cache, { allLogits: true });
      expect(maxAbsDiff(again, first, 0, pos * V)).toBeLessThanOrEqual(tol);
    }
    // The same computation twice from the same cache state is bit-identical.
    cache.truncate(9);
    const x1 = model.forward(tokens.slice(9), cache, { allLogits: true });
    cache.truncate(9);
    const x2 = model.forward(tokens.slice(9), cache, { allLogits: true });
    expect(x2).toEqual(x1);
    // Re-feeding different tokens after a truncate must not see the old ones.
    cache.truncate(4);
    const other = model.forward([5, 6, 7], cache);
    const fresh = model.forward([...tokens.slice(0, 4), 5, 6, 7], model.newCache());
    expect(maxAbsDiff(other, fresh)).toBeLessThanOrEqual(tol);
    cache.clear();
    expect(cache.position).toBe(0);
  });
});

describe("WASM memory growth", () => {
  it("re-makes every view after the memory grew between calls", () => {
    const { model, tokens } = cases[1]!;
    const V = model.config.vocabSize;
    const full = fullRun(model, tokens);
    const cache = model.newCache();
    model.forward(tokens.slice(0, 10), cache);
    // What a growth does: detach every view of the old buffer and bump the generation.
    heap.memory.grow(1);
    heap.generation++;
    const next = model.forward(tokens.slice(10, 11), cache);
    expect(maxAbsDiff(next, full, 0, 10 * V, V)).toBeLessThanOrEqual(TOL);
  });
});

describe("sliding window", () => {
  it("matters: without it the logits past the window differ", () => {
    const { model, tokens, weights } = cases[1]!;
    const noWindow: LlamaConfig = { ...model.config, slidingWindow: null };
    const V = model.config.vocabSize;
    const windowed = llamaForwardReference(model.config, weights, tokens);
    const full = llamaForwardReference(noWindow, weights, tokens);
    // Inside the window (positions < 5) both agree; beyond it they must not.
    expect(maxAbsDiff(windowed, full, 0, 0, 5 * V)).toBeLessThan(1e-9);
    expect(maxAbsDiff(windowed, full, 5 * V, 5 * V)).toBeGreaterThan(100 * TOL);
    const unwindowedModel = new LlamaModel(noWindow, model.weights);
    expect(maxAbsDiff(fullRun(unwindowedModel, tokens), full)).toBeLessThanOrEqual(TOL);
  });
});

describe("errors", () => {
  it("names both lengths when the tokens do not fit", () => {
    const { model } = cases[0]!;
    const prompt = Array.from({ length: 530 }, (_, i) => (i % 100) + 3);
    expect(() => model.forward(prompt, model.newCache())).toThrow("prompt is 530 tokens; context length is 512");
    const cache = model.newCache(16);
    model.forward(prompt.slice(0, 10), cache);
    expect(() => model.forward(prompt.slice(0, 7), cache)).toThrow("10 cached + 7 new tokens = 17 tokens; context length is 16");
    expect(cache.position).toBe(10); // a refused forward leaves the cache as it was
  });

  it("refuses bad token ids, empty input, bad truncate and a cache of another shape", () => {
    const [story, mistral] = [cases[0]!.model, cases[1]!.model];
    expect(() => story.forward([1, 5000], story.newCache())).toThrow("tokens[1] = 5000 is not a token id in [0, 2048)");
    expect(() => story.forward([], story.newCache())).toThrow("no tokens");
    const cache = story.newCache();
    story.forward([1, 2, 3], cache);
    expect(() => cache.truncate(4)).toThrow("[0, 3]");
    expect(() => story.forward([1], mistral.newCache())).toThrow("does not fit this model");
    expect(() => story.newCache(513)).toThrow("[1, 512]");
  });
});

// Keep the config file honest: the chat model's config is what the bench synthesizes.
describe("synthesized model directory", () => {
  it("is deterministic in its seed and loads with the config's shapes", async () => {
    const chat = JSON.parse(readFileSync(`${SHARED}/models/chat-tokenizer/config.json`, "utf8")) as Record<string, unknown>;
    const small = { ...chat, num_hidden_layers: 1, hidden_size: 48, intermediate_size: 64, num_attention_heads: 6, num_key_value_heads: 2 };
    const a = synthesizeModelDir({ config: small, outDir: join(tmp, "a"), seed: 11, tokenizerDir: `${SHARED}/models/chat-tokenizer` });
    const b = synthesizeModelDir({ config: small, outDir: join(tmp, "b"), seed: 11 });
    const c = synthesizeModelDir({ config: small, outDir: join(tmp, "c"), seed: 12 });
    const bytes = (d: string): Buffer => readFileSync(join(d, "model.safetensors"));
    expect(bytes(a).equals(bytes(b))).toBe(true);
    expect(bytes(a).equals(bytes(c))).toBe(false);
    const loaded = await loadModelDir(a);
    expect(loaded.config.slidingWindow).toBe(1024);
    expect(loaded.tokenizerFile).toBe(join(a, "tokenizer.json"));
    expect(loaded.eosTokenIds).toEqual([32000]);
    expect(loaded.model.weights.lmHead).not.toBe(loaded.model.weights.embed);
    expect(loaded.model.weights.finalNorm.data.every((v) => v === 1)).toBe(true);
    loaded.model.dispose();
  });
});
