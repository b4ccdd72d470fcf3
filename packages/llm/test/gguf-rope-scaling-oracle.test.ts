/**
 * Linear and YaRN rope scaling through GGUF: files written by mini's writer (rope.scaling.* keys)
 * read back to the same config, and run by llama.cpp (node-llama-cpp's prebuilt binary) and by mini
 * with the same next-token log-probabilities (F32, within 1e-4) at prompt lengths past the original
 * context, where the scaling matters, and the same greedy continuation.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readGguf } from "@mini/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { tokenizerFromJson } from "../src/index.js";
import { LlamaModel, loadGgufModel, type LlamaConfig } from "../src/models/index.js";
import { ggufTokenizerMetadata } from "../src/tokenizers/index.js";
import { gpt2Json, CONFIG } from "./tokenizers/byte-level-fixtures.js";
import { expectHfGgufAgrees, maxLogProbGap, miniGreedy, miniLogProbs, openOracle, oracleGreedy, oracleLogProbs, writeSynthGguf } from "./gguf-oracle-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "mini-gguf-rope-scaling-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TOLERANCE = 1e-4; // F32 weights, F32 KV cache: both are float32 computations
const ORIGINAL = 16;
const TEXT = "Once upon a time, in a land far away, there lived a small dragon who loved to read books about the sea and the stars.";

describe("linear and yarn rope scaling through GGUF: mini and llama.cpp", () => {
  const tokJson = gpt2Json();
  const tok = tokenizerFromJson(tokJson, CONFIG);
  const vocab = Math.ceil(tok.vocabSize / 32) * 32;
  const md = ggufTokenizerMetadata(tokJson, tok, vocab);
  // head_dim 32, θ 10000, original context 16: with the default betas pairs 0–2 keep most of their frequency, 3+ are interpolated.
  const cases: [string, Record<string, unknown>, Record<string, number>][] = [
    ["llama, linear ×4", { model_type: "llama", rope_scaling: { rope_type: "linear", factor: 4.0 } }, { "llama.rope.scaling.factor": 4 }],
    ["llama, yarn ×4", { model_type: "llama", rope_scaling: { rope_type: "yarn", factor: 4.0, original_max_position_embeddings: ORIGINAL } }, { "llama.rope.scaling.original_context_length": ORIGINAL }],
    ["qwen2, yarn ×8", { model_type: "qwen2", tie_word_embeddings: true, rope_scaling: { rope_type: "yarn", factor: 8.0, original_max_position_embeddings: ORIGINAL } }, { "qwen2.rope.scaling.factor": 8 }],
  ];
  cases.forEach(([name, extra, keys], c) => {
    it(`${name}: keys written and read back; llama.cpp's log-probs within ${TOLERANCE} of mini's past the original context, and the same greedy 20 tokens`, async () => {
      const path = join(dir, `case-${c}.gguf`);
      const hf = { vocab_size: vocab, hidden_size: 128, intermediate_size: 256, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, rope_theta: 10000, ...extra };
      const config = writeSynthGguf(path, hf, md, "F32", 31 + c);
      const file = readGguf(path);
      for (const [k, v] of Object.entries(keys)) expect(file.value(k)).toBeCloseTo(v, 6);
      const mini = loadGgufModel(path);
      expect(mini.config.ropeScaling).toEqual(roundTripped(config));
      const plain = new LlamaModel({ ...mini.config, ropeScaling: null }, mini.model.weights);
      const oracle = await openOracle(path);
      try {
        const ids = [...mini.tokenizer.encode(TEXT, { addSpecialTokens: false })];
        expect(ids.length).toBeGreaterThan(3 * ORIGINAL);
        for (const n of [ORIGINAL + 8, 2 * ORIGINAL + 5, ids.length]) {
          const prompt = ids.slice(0, n);
          const ours = miniLogProbs(mini.model, prompt);
          const theirs = await oracleLogProbs(oracle, prompt, vocab);
          const gap = maxLogProbGap(ours, theirs);
          const plainGap = maxLogProbGap(miniLogProbs(plain, prompt), theirs);
          console.log(`${name}, ${n} tokens: |Δ log p| mini vs llama.cpp ${gap.toExponential(2)}; unscaled mini vs llama.cpp ${plainGap.toExponential(2)}`);
          expect(Math.max(...ours) - Math.min(...ours)).toBeGreaterThan(5);
          expect(gap).toBeLessThan(TOLERANCE);
          expect(plainGap).toBeGreaterThan(1e-2); // the scaling changes the answer there
        }
        const prompt = ids.slice(0, 2 * ORIGINAL);
        expect(await oracleGreedy(oracle, prompt, 20)).toEqual(miniGreedy(mini.model, prompt, 20));
      } finally {
        await oracle.dispose();
        plain.dispose();
        mini.model.dispose();
      }
      await expectHfGgufAgrees(path);
    });
  });

  // llama.cpp runs beta 32 / 1 and its own attention factor for llama / qwen2 / qwen3 whatever the
  // yarn_beta_* / yarn_attn_factor keys say (measured: beta_fast 1.2, beta_slow 0.5 on qwen2 gave a gap of
  // 2.9, attention_factor 1.3 one of 1.5 whether written as 1.3 or as 1.3 / mscale), so mini writes neither.
  it("yarn with non-default betas or attention factor is refused by the writer (llama.cpp would run the defaults)", () => {
    const hf = { vocab_size: vocab, hidden_size: 128, intermediate_size: 256, num_hidden_layers: 1, num_attention_heads: 4, num_key_value_heads: 2, rope_theta: 10000 };
    const yarn = { rope_type: "yarn", factor: 4.0, original_max_position_embeddings: ORIGINAL };
    const write = (extra: object) => () => writeSynthGguf(join(dir, "refused.gguf"), { ...hf, rope_scaling: { ...yarn, ...extra } }, md, "F32", 1);
    expect(write({ attention_factor: 1.3 })).toThrow("yarn scaling with attention factor 1.3 (not 0.1·ln(factor) + 1) is not written to GGUF (llama.cpp's llama runs beta_fast 32");
    expect(write({ beta_fast: 8.0 })).toThrow("yarn scaling with beta_fast 8, beta_slow 1 is not written to GGUF");
    expect(write({ beta_slow: 2.0 })).toThrow("beta_fast 32, beta_slow 2 is not written");
  });
});

/** The scaling as the GGUF keys carry it: an f32 factor. */
function roundTripped(c: LlamaConfig): unknown {
  const s = c.ropeScaling!;
  const f = Math.fround;
  if (s.type === "linear") return { type: "linear", factor: f(s.factor) };
  if (s.type !== "yarn") return s;
  return expect.objectContaining({ type: "yarn", factor: f(s.factor), originalMaxPositionEmbeddings: s.originalMaxPositionEmbeddings, betaFast: f(s.betaFast), betaSlow: f(s.betaSlow), truncate: true, attentionFactor: expect.closeTo(s.attentionFactor, 6) });
}
