/**
 * Files as people download them: quantized by llama.cpp's own quantizer (llama_model_quantize,
 * what `llama-quantize` runs; node-llama-cpp's library through koffi, no imatrix) from a synthetic
 * F32 Llama, then loaded by mini and run by llama.cpp. On SmolLM2's width (576-wide rows) the
 * files carry llama.cpp's fallbacks (Q5_0, Q5_1, Q4_0, IQ4_NL, Q8_0) beside its K-quants.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GgmlType } from "@mini/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { loadGgufModel } from "../src/models/index.js";
import { byteLevelGgufTokenizer, maxLogProbGap, miniLogProbs, openOracle, oracleGreedy, oracleLogProbs, worstShortfall, writeSynthGguf } from "./gguf-oracle-helpers.js";
import { llamaQuantize, type LLAMA_FTYPE } from "./llamacpp-native.js";

const dir = mkdtempSync(join(tmpdir(), "mini-gguf-llamacpp-quantized-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const { vocab, md, prompt: PROMPT } = byteLevelGgufTokenizer();
const BASE = { vocab_size: vocab, num_hidden_layers: 2, rope_theta: 10000 };
const SHAPES = {
  // SmolLM2-135M's width: 576 = 2.25 super-blocks, so llama.cpp falls back on most matrices
  smol: { ...BASE, hidden_size: 576, intermediate_size: 1536, num_attention_heads: 9, num_key_value_heads: 3, tie_word_embeddings: false },
  // every row whole super-blocks; the embedding is the output matrix
  tied256: { ...BASE, hidden_size: 256, intermediate_size: 512, num_attention_heads: 4, num_key_value_heads: 2, tie_word_embeddings: true },
};

/** The files: shape, llama.cpp file type, and the decoded-at-load types it must hold (so the case tests them). */
const CASES: [keyof typeof SHAPES, keyof typeof LLAMA_FTYPE, GgmlType[]][] = [
  ["smol", "Q4_K_M", ["Q5_0"]],
  ["smol", "Q5_K_M", ["Q5_1", "Q5_K"]],
  ["smol", "Q3_K_M", ["Q5_0", "Q5_1"]],
  ["tied256", "IQ4_XS", ["IQ4_XS"]],
  ["tied256", "Q2_K", ["Q2_K", "Q3_K"]],
  ["tied256", "Q4_1", ["Q4_1"]],
  ["tied256", "Q5_1", ["Q5_1"]],
];

/**
 * Max |log p_mini − log p_llama.cpp| over the tokens llama.cpp gives p > 1e-4, and mini's
 * teacher-forced shortfall along llama.cpp's 12 greedy ids. Measured (log-probs spread over ~9
 * units): gaps 0.09–0.25, shortfalls ≤ 0.23 (near-ties), as in the files mini writes: llama.cpp
 * multiplies with 8-bit activations, mini the f16-held matrices with f32 ones. A misread block
 * gives gaps of several units.
 */
const LOGPROB_TOLERANCE = 0.4;
const SHORTFALL_TOLERANCE = 0.4;

const sources = new Map<string, string>();
function f32File(shape: keyof typeof SHAPES): string {
  let path = sources.get(shape);
  if (path === undefined) {
    path = join(dir, `${shape}-f32.gguf`);
    writeSynthGguf(path, SHAPES[shape], md, "F32", 5);
    sources.set(shape, path);
  }
  return path;
}

describe("files quantized by llama.cpp: mini loads them and agrees with llama.cpp", () => {
  for (const [shape, ftype, decoded] of CASES) {
    it(`${shape} ${ftype}: holds ${decoded.join(", ")}; log-probs within ${LOGPROB_TOLERANCE}, greedy ids within ${SHORTFALL_TOLERANCE}`, async () => {
      const path = join(dir, `${shape}-${ftype}.gguf`);
      await llamaQuantize(f32File(shape), path, ftype);
      const mini = loadGgufModel(path);
      const oracle = await openOracle(path);
      try {
        const types = new Set(mini.gguf.tensors.map((t) => t.type.name));
        for (const t of decoded) expect(types.has(t), `${ftype} file holds ${t}: ${[...types].join(", ")}`).toBe(true);
        const prompt = [...mini.tokenizer.encode(PROMPT, { addSpecialTokens: false })];
        const ours = miniLogProbs(mini.model, prompt);
        expect(Math.max(...ours) - Math.min(...ours)).toBeGreaterThan(5); // the comparison means something
        expect(maxLogProbGap(ours, await oracleLogProbs(oracle, prompt, vocab))).toBeLessThan(LOGPROB_TOLERANCE);
        const ids = await oracleGreedy(oracle, prompt, 12);
        const worst = worstShortfall(mini.model, prompt, ids);
        expect(worst).toBeLessThan(SHORTFALL_TOLERANCE);
      } finally {
        await oracle.dispose();
        mini.model.dispose();
      }
    });
  }
});
