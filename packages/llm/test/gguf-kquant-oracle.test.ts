/**
 * Q4_K_M- and Q5_K_M-style GGUF files run by mini with their K-quants held as stored (q4_k / q5_k /
 * q6_k WeightMatrix, kquant.wat) and by llama.cpp (node-llama-cpp's prebuilt binary). The files are
 * laid out as llama.cpp's quantize writes Q4_K_M / Q5_K_M: Q4_K / Q5_K matrices, Q6_K for attn_v,
 * ffn_down and output, F32 norms; the weights are a synthesized Llama (hidden 256, intermediate
 * 512: every row whole 256-weight super-blocks).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gguf, quantize, readGguf, type Tensor, WeightMatrix, writeGguf, type GgmlType, type WeightDtype } from "@mini/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { tokenizerFromJson } from "../src/index.js";
import { heldWeightBytes } from "../src/loaders/gguf/load.js";
import { loadGgufModel } from "../src/models/index.js";
import type { LlamaWeights } from "../src/models/llama/weights.js";
import { layerTensors } from "../src/models/llama/weights.js";
import { ggufTokenizerMetadata } from "../src/tokenizers/index.js";
import { miniGreedy, miniLogProbs, openOracle, oracleGreedy, oracleLogProbs, worstShortfall, writeSynthGguf } from "./gguf-oracle-helpers.js";
import { CONFIG, gpt2Json } from "./tokenizers/byte-level-fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "mini-gguf-kquant-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tokJson = gpt2Json();
const tok = tokenizerFromJson(tokJson, CONFIG);
const vocab = Math.ceil(tok.vocabSize / 256) * 256; // token_embd / output rows: any count; 256 keeps the shapes round
const md = ggufTokenizerMetadata(tokJson, tok, vocab);
const HF = { vocab_size: vocab, hidden_size: 256, intermediate_size: 512, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, tie_word_embeddings: false, rope_theta: 10000 };
const PROMPT = "Once upon a time, 日本語 😀 they'll say";

/**
 * The two mixes: llama.cpp's choice for a tensor (llama-quant.cpp, simplified: every attn_v and
 * ffn_down Q6_K, not half of them), the main type's held dtype, general.file_type (LLAMA_FTYPE_MOSTLY_*).
 */
const MIXES = [
  { name: "Q4_K_M", main: "Q4_K", dtype: "q4_k", ftype: 15 },
  { name: "Q5_K_M", main: "Q5_K", dtype: "q5_k", ftype: 17 },
] as const satisfies readonly { name: string; main: GgmlType; dtype: WeightDtype; ftype: number }[];
const mixType = (main: GgmlType, name: string, dims: number): GgmlType => (dims === 1 ? "F32" : /attn_v|ffn_down|^output\./.test(name) ? "Q6_K" : main);

/** The F32 file's tensors re-quantized as the mix (rows stay in the file's order, so Wq/Wk stay permuted). */
function writeMix(from: string, to: string, main: GgmlType, ftype: number): void {
  const f = readGguf(from);
  const metadata = new Map(f.metadata);
  metadata.set("general.file_type", gguf.u32(ftype));
  writeGguf(
    to,
    metadata,
    f.tensors.map((t) => {
      const type = mixType(main, t.name, t.shape.length);
      return { name: t.name, type, shape: t.shape, data: () => quantize(type, f.getF32(t.name).data) };
    }),
  );
}

const source = join(dir, "synth-f32.gguf");
writeSynthGguf(source, HF, md, "F32", 11);
const files = MIXES.map((m) => {
  const path = join(dir, `synth-${m.name}.gguf`);
  writeMix(source, path, m.main, m.ftype);
  return { ...m, path };
});

const matrixCount = (w: LlamaWeights) => [w.embed, w.lmHead, ...w.layers.flatMap((l) => [l.wq, l.wk, l.wv, l.wo, l.wGate!, l.wUp!, l.wDown!])].length;

describe("Q4_K_M / Q5_K_M files held as stored", () => {
  for (const { name, dtype, path } of files) it(`${name}: every matrix is a ${dtype} / q6_k WeightMatrix of the file's bytes, and the memory held is the file's tensor bytes`, () => {
    const g = loadGgufModel(path);
    const w = g.model.weights;
    const fileBytes = g.gguf.tensors.reduce((s, t) => s + t.byteLength, 0);
    const tensors = [...new Set([w.embed, w.finalNorm, w.lmHead, ...w.layers.flatMap(layerTensors)])];
    let held = 0, kquant = 0;
    for (const t of tensors) {
      if (t instanceof WeightMatrix) {
        held += t.byteLength;
        kquant += t.dtype === dtype || t.dtype === "q6_k" ? 1 : 0;
      } else {
        expect((t as Tensor).shape.length, "only vectors stay f32").toBe(1);
        held += 4 * (t as Tensor).size;
      }
    }
    expect(kquant).toBe(matrixCount(w));
    expect(held).toBe(fileBytes);
    expect(heldWeightBytes(g.gguf, undefined)).toBe(fileBytes);
    expect((w.lmHead as WeightMatrix).dtype).toBe("q6_k");
    expect((w.layers[0]!.wv as WeightMatrix).dtype).toBe("q6_k");
    expect((w.layers[1]!.wUp as WeightMatrix).dtype).toBe(dtype);
    expect((w.layers[1]!.wUp as WeightMatrix).bytes()).toEqual(g.gguf.bytes("blk.1.ffn_up.weight"));
    expect((w.layers[1]!.wDown as WeightMatrix).bytes()).toEqual(g.gguf.bytes("blk.1.ffn_down.weight"));
    expect((w.embed as WeightMatrix).bytes()).toEqual(g.gguf.bytes("token_embd.weight"));
    g.model.dispose();
  });
});

describe("Q4_K_M / Q5_K_M files: mini and llama.cpp", () => {
  /**
   * Both decode the same stored blocks and quantize the activations the same way (8-bit, one scale
   * per 256: llama.cpp's Q8_K, mini's quantizeActsK; they round differently). Measured on the Q4_K_M
   * file (log-probs spread over ~9.7 units; gaps over the tokens llama.cpp gives p > 1e-4):
   *   mini as stored vs llama.cpp as stored                          0.072
   *   mini as stored vs mini on the decoded weights in f32           0.18  (the activation rounding)
   *   llama.cpp as stored vs llama.cpp on the decoded weights in F32  0.18
   *   mini in f32 vs llama.cpp on the decoded weights in F32          7e-6
   * and teacher-forced along llama.cpp's 20 greedy ids, mini's largest shortfall 0.017. A wrong
   * layout (a scale or a nibble order) gives gaps of several units. On the Q5_K_M file (same
   * weights) the gap is 8.4e-7 and the shortfall 0: float rounding alone — llama.cpp's prebuilt CPU
   * binary evidently takes its plain Q5_K·Q8_K dot there, whose activation rounding is
   * quantizeActsK's, and for Q4_K another path (presumably its repacked Q4_K kernels) that rounds
   * the activations differently.
   */
  const LOGPROB_TOLERANCE = 0.15;
  const SHORTFALL_TOLERANCE = 0.1;

  for (const { name, path } of files) it(`${name}: next-token log-probs within ${LOGPROB_TOLERANCE} of llama.cpp's; its greedy 20 tokens within ${SHORTFALL_TOLERANCE} of mini's best logit`, async () => {
    const mini = loadGgufModel(path);
    const prompt = [...mini.tokenizer.encode(PROMPT, { addSpecialTokens: false })];
    const ours = miniLogProbs(mini.model, prompt);
    expect(Math.max(...ours) - Math.min(...ours)).toBeGreaterThan(5); // the comparison means something
    const oracle = await openOracle(path);
    try {
      const theirs = await oracleLogProbs(oracle, prompt, vocab);
      let gap = 0;
      for (let i = 0; i < vocab; i++) if (theirs[i]! > Math.log(1e-4)) gap = Math.max(gap, Math.abs(ours[i]! - theirs[i]!));
      expect(gap).toBeLessThan(LOGPROB_TOLERANCE);
      console.log(`${name}: mini vs llama.cpp, max log-prob gap ${gap.toExponential(2)}`);
      // Greedy: random weights make near-ties common, and each engine's own activation rounding
      // moves its greedy path off its f32 one within a few tokens (measured on this prompt: llama.cpp
      // as stored vs llama.cpp on the decoded weights in F32 agree on 2 tokens, mini as stored vs
      // mini in f32 on 2; mini and llama.cpp as stored on 3, then a near-tie within 0.017). So the
      // first token must agree, and the 20 are checked teacher-forced on llama.cpp's ids: at every
      // step mini's logit for llama.cpp's choice is within SHORTFALL_TOLERANCE of mini's best.
      const cppIds = await oracleGreedy(oracle, prompt, 20);
      expect(miniGreedy(mini.model, prompt, 1)[0]).toBe(cppIds[0]);
      const worst = worstShortfall(mini.model, prompt, cppIds);
      console.log(`${name}: worst teacher-forced shortfall ${worst.toExponential(2)}`);
      expect(worst).toBeLessThan(SHORTFALL_TOLERANCE);
    } finally {
      await oracle.dispose();
      mini.model.dispose();
    }
  });
});
