/**
 * GGUF matrices stay in their stored blocks: a file written as F16/BF16/Q8_0/Q4_0 loads with every
 * Linear matrix, the embedding and lm_head as a WeightMatrix of that dtype, whose bytes are the
 * file's (Wq/Wk rows un-permuted whole), and gives the logits of the same dtype built from the
 * decoded f32 weights (llama-dtype.test.ts's path) bit for bit: decoding a block and re-encoding
 * it gives back the same block. A requested dtype converts; K-quants are held as stored too.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GGUF_COMPACT_DTYPE, ggufHeldDtype, Tensor, WeightMatrix, type GgmlCompactType, type GgmlType, type TensorSource, type WeightDtype } from "@mini/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { tokenizerFromJson } from "../src/index.js";
import { checkFitsInMemory } from "../src/loaders/gguf/load.js";
import { ggufTensorSource } from "../src/loaders/gguf/source.js";
import { LlamaModel, loadGgufModel } from "../src/models/index.js";
import { loadLlamaWeights, type LlamaWeights } from "../src/models/llama/weights.js";
import { ggufTokenizerMetadata } from "../src/tokenizers/index.js";
import { CONFIG, gpt2Json } from "./tokenizers/byte-level-fixtures.js";
import { writeSynthGguf } from "./gguf-oracle-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "mini-gguf-compact-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tok = tokenizerFromJson(gpt2Json(), CONFIG);
const meta = ggufTokenizerMetadata(gpt2Json(), tok, tok.vocabSize);
// model_type llama: Wq/Wk are stored permuted (llama.cpp's interleaved RoPE order), 2 kv heads of 4
const HF = { vocab_size: tok.vocabSize, hidden_size: 128, intermediate_size: 192, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2 };
const PROMPT = [5, 17, 42, 99, 3, 250, 7];

const files = new Map<GgmlCompactType, string>();
// K-quant blocks are 256 values: rows 256 wide (ffn_down's 192-wide rows fall back to Q5_0 / Q8_0, as llama-quantize writes them)
const HF_K = { ...HF, hidden_size: 256, num_hidden_layers: 1 };
function fileOf(type: GgmlCompactType): string {
  let p = files.get(type);
  if (p === undefined) {
    p = join(dir, `${type}.gguf`);
    writeSynthGguf(p, type.endsWith("_K") ? HF_K : HF, meta, type, 7);
    files.set(type, p);
  }
  return p;
}

const matrices = (w: LlamaWeights) => [w.embed, w.lmHead, ...w.layers.flatMap((l) => [l.wq, l.wk, l.wv, l.wo, l.wGate!, l.wUp!, l.wDown!])];
/** The llama.cpp names of matrices(), in the same order (HF's untied config: output.weight present). */
const matrixNames = (layers: number) => ["token_embd.weight", "output.weight", ...Array.from({ length: layers }, (_, i) => ["attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"].map((n) => `blk.${i}.${n}.weight`)).flat()];

/** The same file with every tensor decoded to f32 (no loadMatrix): the path a model directory takes. */
function decodedSource(path: string): { source: TensorSource; config: LlamaModel["config"] } {
  const g = loadGgufModel(path, { dtype: "f32" });
  const { loadMatrix: _, ...source } = ggufTensorSource(g.gguf, g.config.numHeads, g.config.numKvHeads);
  g.model.dispose();
  return { source, config: g.config };
}

describe("loadGgufModel keeps matrices as stored", () => {
  for (const type of ["F16", "BF16", "Q8_0", "Q4_0"] as const) {
    const dtype = GGUF_COMPACT_DTYPE[type]!;
    it(`${type}: every matrix held as ${dtype}, the file's bytes, and the logits of ${dtype} built from the decoded weights, bit for bit`, () => {
      const g = loadGgufModel(fileOf(type));
      for (const [i, m] of matrices(g.model.weights).entries()) {
        expect(m).toBeInstanceOf(WeightMatrix);
        // the writer's recipe: a Q4_0 file's output.weight is Q8_0 (128-wide rows, not whole Q6_K super-blocks)
        expect((m as WeightMatrix).dtype, matrixNames(2)[i]).toBe(i === 1 && type === "Q4_0" ? "q8_0" : dtype);
      }
      for (const l of g.model.weights.layers) expect(l.attnNorm).toBeInstanceOf(Tensor);
      // the un-permuted Wq bytes are whole stored rows: same multiset of rows, and not the stored order
      const stored = g.gguf.bytes("blk.0.attn_q.weight");
      const held = (g.model.weights.layers[0]!.wq as WeightMatrix).bytes();
      expect(held.length).toBe(stored.length);
      expect(Buffer.compare(Buffer.from(held), Buffer.from(stored))).not.toBe(0);
      expect((g.model.weights.layers[0]!.wv as WeightMatrix).bytes()).toEqual(g.gguf.bytes("blk.0.attn_v.weight"));

      const { source, config } = decodedSource(fileOf(type));
      const ref = new LlamaModel(config, loadLlamaWeights(config, source), { dtype });
      for (const [i, m] of matrices(ref.weights).entries()) expect((m as WeightMatrix).bytes()).toEqual((matrices(g.model.weights)[i] as WeightMatrix).bytes());
      const got = g.model.forward(PROMPT, g.model.newCache(), { allLogits: true });
      const want = ref.forward(PROMPT, ref.newCache(), { allLogits: true });
      expect(new Uint32Array(got.buffer, got.byteOffset, got.length)).toEqual(new Uint32Array(want.buffer, want.byteOffset, want.length));
      // and close to the f32 model (the decoded weights, f32 activations)
      const f32 = loadGgufModel(fileOf(type), { dtype: "f32" });
      const exact = f32.model.forward(PROMPT, f32.model.newCache(), { allLogits: true });
      let maxLogit = 0, diff = 0;
      for (let i = 0; i < exact.length; i++) {
        maxLogit = Math.max(maxLogit, Math.abs(exact[i]!));
        diff = Math.max(diff, Math.abs(exact[i]! - got[i]!));
      }
      // 16-bit: only the order of the sums; q8_0/q4_0: the kernels quantize activations to q8 blocks
      expect(diff / maxLogit).toBeLessThanOrEqual(dtype === "f16" || dtype === "bf16" ? 1e-5 : 0.05);
      for (const m of [g.model, ref, f32.model]) m.dispose();
    });
  }

  it("F32 matrices stay f32 Tensors; Q4_K and Q6_K are held as q4_k and q6_k, the file's bytes", () => {
    const f = loadGgufModel(fileOf("F32"));
    for (const m of matrices(f.model.weights)) expect(m).toBeInstanceOf(Tensor);
    f.model.dispose();
    for (const type of ["Q4_K", "Q6_K"] as const) {
      const k = loadGgufModel(fileOf(type));
      const names = matrixNames(k.config.numLayers);
      let kQuants = 0;
      for (const [i, m] of matrices(k.model.weights).entries()) {
        // ffn_down's rows (192 wide) are not whole 256-value K-blocks: the writer stored it in
        // llama-quantize's fallback (Q4_K → Q5_0, held q8_0; Q6_K → Q8_0); output.weight is Q6_K
        // in a Q4_K file (the recipe, dtype-recipe.ts)
        const stored = k.gguf.tensor(names[i]!).type.name as GgmlType;
        const fallback = type === "Q4_K" ? "Q5_0" : "Q8_0";
        expect(stored, names[i]).toBe(names[i] === "blk.0.ffn_down.weight" ? fallback : names[i] === "output.weight" ? "Q6_K" : type);
        kQuants += stored === type ? 1 : 0;
        expect((m as WeightMatrix).dtype, names[i]).toBe(ggufHeldDtype(stored));
        if (!/attn_[qk]/.test(names[i]!) && stored !== "Q5_0") expect((m as WeightMatrix).bytes(), names[i]).toEqual(k.gguf.bytes(names[i]!));
      }
      expect(kQuants).toBeGreaterThan(0);
      k.model.dispose();
    }
  });

  it("a requested dtype converts every matrix (f32 decodes, another dtype re-encodes; q4_0's output matrix q8_0)", () => {
    for (const [type, dtype] of [["Q8_0", "f32"], ["Q8_0", "q4_0"], ["F16", "q8_0"], ["Q4_K", "bf16"], ["F32", "f16"]] as [GgmlCompactType, WeightDtype][]) {
      const g = loadGgufModel(fileOf(type), { dtype });
      for (const [i, m] of matrices(g.model.weights).entries()) {
        if (dtype === "f32") expect(m).toBeInstanceOf(Tensor);
        else expect((m as WeightMatrix).dtype, `${type} → ${dtype}`).toBe(i === 1 && dtype === "q4_0" ? "q8_0" : dtype);
      }
      const logits = g.model.forward(PROMPT, g.model.newCache());
      expect(logits.every(Number.isFinite)).toBe(true);
      g.model.dispose();
    }
  });
});

describe("the memory refusal counts the bytes held", () => {
  // one 32768×32768 matrix: 2³⁰ weights
  const big = (type: string, shape = [32768, 32768]) => ({ file: "big.gguf", tensors: [{ shape, elements: shape.reduce((a, b) => a * b, 1), type: { name: type } }] });
  it("a Q4_0 matrix of 2³⁰ weights fits as stored (0.56 GiB), not as f32 (4 GiB)", () => {
    expect(() => checkFitsInMemory(big("Q4_0"), undefined)).not.toThrow();
    expect(() => checkFitsInMemory(big("Q4_0"), "f32")).toThrow(/^big\.gguf: the weights need 4\.0 GiB with matrices as f32, more than the 3\.5 GiB/);
  });
  it("K-quants count as stored; vectors as f32; a conversion through f32 counts the f32 copy", () => {
    expect(() => checkFitsInMemory(big("Q4_K", [196608, 32768]), undefined)).not.toThrow(); // 3.4 GiB as q4_k
    expect(() => checkFitsInMemory(big("Q6_K", [196608, 32768]), undefined)).toThrow(/4\.9 GiB with matrices as stored, more than/);
    expect(() => checkFitsInMemory(big("F32", [2 ** 30]), undefined)).toThrow(/4\.0 GiB/);
    // held as q4_0: 0.56 GiB, but decoded to f32 first (4 GiB) on the way
    expect(() => checkFitsInMemory(big("Q8_0"), "q4_0")).toThrow(/4\.6 GiB with matrices as q4_0/);
  });
  it("a type decoded at load counts as held (q8_0 for Q5_0 / IQ4_NL, f16 for the rest), not as stored", () => {
    const shape = [65536, 32768]; // 2³¹ weights: 0.8–1.5 GiB in the file
    expect(() => checkFitsInMemory(big("Q5_0", shape), undefined)).not.toThrow(); // 2.1 GiB as q8_0
    expect(() => checkFitsInMemory(big("IQ4_NL", shape), undefined)).not.toThrow();
    expect(() => checkFitsInMemory(big("Q5_K", shape), undefined)).not.toThrow(); // 1.4 GiB as q5_k, as stored
    for (const t of ["Q5_1", "Q4_1", "Q3_K", "Q2_K", "IQ4_XS"]) expect(() => checkFitsInMemory(big(t, shape), undefined), t).toThrow(/4\.0 GiB with matrices as stored, more than/);
    // a requested dtype decodes through a float32 copy in the heap (8 GiB here), counted
    expect(() => checkFitsInMemory(big("Q5_0", shape), "q4_0")).toThrow(/9\.1 GiB with matrices as q4_0/);
  });
  it("a requested K-quant refuses rows that are not whole super-blocks before loading, naming the tensor", () => {
    const f = { file: "m.gguf", tensors: [{ name: "blk.0.ffn_down.weight", shape: [256, 688], elements: 256 * 688, type: { name: "F16" } }] };
    expect(() => checkFitsInMemory(f, "q4_k")).toThrow('m.gguf: tensor "blk.0.ffn_down.weight": q4_k needs rows of whole 256-weight super-blocks, got rows of 688 weights');
    expect(() => checkFitsInMemory(f, "q8_0")).not.toThrow();
  });
});
