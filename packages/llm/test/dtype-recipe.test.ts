/**
 * The dtype recipe (dtype-recipe.ts): under q4_0 and q4_k the output matrix (lm_head, or the tied
 * embedding) is held in q6_k where its rows are whole 256-weight super-blocks, else in q8_0, and
 * every loader applies it the same way: a model directory, in-memory files, f32 weights handed to
 * LlamaModel, a GGUF file converted at load, and the GGUF writer (as llama-quantize types a Q4_0
 * file; its Q4_K matrices are ggml's quantizer's bytes, the loaders' a faster scale choice's). The
 * heap budget counts each matrix in the dtype it is held in.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { quantize, type Tensor, WeightMatrix, type WeightDtype } from "@mini/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { tokenizerFromJson } from "../src/index.js";
import { heldWeightBytes } from "../src/loaders/gguf/load.js";
import { LlamaModel, loadGgufModel, loadModelDir, loadModelFromFiles, openSafetensorsSource, writeModelGguf } from "../src/models/index.js";
import { isOutputMatrix, matrixDtype, outputMatrixDtype } from "../src/models/llama/dtype-recipe.js";
import { llamaWeightBytes } from "../src/models/llama/heap-budget.js";
import { loadLlamaWeights, type LlamaWeights } from "../src/models/llama/weights.js";
import { synthesizeModelDir } from "../src/testing.js";
import { ggufTokenizerMetadata } from "../src/tokenizers/index.js";
import { CONFIG, gpt2Json } from "./tokenizers/byte-level-fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "mini-dtype-recipe-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tok = tokenizerFromJson(gpt2Json(), CONFIG);
const tokMeta = ggufTokenizerMetadata(gpt2Json(), tok, tok.vocabSize);

describe("the rule", () => {
  it("q4_0, q4_k and q5_k keep the output matrix at q6_k (rows of whole 256-weight super-blocks) or q8_0; nothing else changes", () => {
    expect(outputMatrixDtype("q4_0", 512)).toBe("q6_k");
    expect(outputMatrixDtype("q4_0", 576)).toBe("q8_0"); // SmolLM2-135M's hidden size: llama.cpp falls back to Q8_0 too
    expect(outputMatrixDtype("q4_0", 312)).toBe("q8_0");
    expect(outputMatrixDtype("q4_k", 256)).toBe("q6_k");
    expect(outputMatrixDtype("q5_k", 256)).toBe("q6_k"); // llama.cpp's Q5_K_M / Q5_K_S: output.weight Q6_K
    expect(outputMatrixDtype("q5_k", 576)).toBe("q8_0");
    for (const d of ["f32", "bf16", "f16", "q8_0", "q6_k"] as const) expect(outputMatrixDtype(d, 512)).toBe(d);
    expect(isOutputMatrix("lm_head.weight", false)).toBe(true);
    expect(isOutputMatrix("model.embed_tokens.weight", true)).toBe(true);
    expect(isOutputMatrix("model.embed_tokens.weight", false)).toBe(false); // an untied embedding keeps the model dtype, as in llama.cpp's Q4_0
    expect(matrixDtype("q4_0", "model.embed_tokens.weight", 512, false)).toBe("q4_0");
    expect(matrixDtype("q4_0", "model.layers.0.mlp.down_proj.weight", 512, true)).toBe("q4_0");
  });
});

/** HF config of a 1-layer model, `hidden` wide, tied or not. */
const hfConfig = (hidden: number, tied: boolean) => ({
  model_type: "llama", vocab_size: tok.vocabSize, hidden_size: hidden, intermediate_size: 2 * hidden, num_hidden_layers: 1,
  num_attention_heads: 4, num_key_value_heads: 2, max_position_embeddings: 64, rms_norm_eps: 1e-5, tie_word_embeddings: tied,
});

/** The matrices of loaded weights by HF name (a tied lm_head is the embedding: listed once). */
function matricesOf(w: LlamaWeights): Map<string, WeightMatrix | Tensor> {
  const l = w.layers[0]!;
  const p = "model.layers.0.";
  const m = new Map<string, WeightMatrix | Tensor>([["model.embed_tokens.weight", w.embed]]);
  if (w.lmHead !== w.embed) m.set("lm_head.weight", w.lmHead);
  const named = { "self_attn.q_proj": l.wq, "self_attn.k_proj": l.wk, "self_attn.v_proj": l.wv, "self_attn.o_proj": l.wo, "mlp.gate_proj": l.wGate!, "mlp.up_proj": l.wUp!, "mlp.down_proj": l.wDown! };
  for (const [n, t] of Object.entries(named)) m.set(`${p}${n}.weight`, t);
  return m;
}

/** Each matrix's dtype and bytes; expects every one a WeightMatrix. */
function held(w: LlamaWeights): Map<string, { dtype: WeightDtype; bytes: Uint8Array }> {
  const out = new Map<string, { dtype: WeightDtype; bytes: Uint8Array }>();
  for (const [name, m] of matricesOf(w)) {
    expect(m, name).toBeInstanceOf(WeightMatrix);
    out.set(name, { dtype: (m as WeightMatrix).dtype, bytes: (m as WeightMatrix).bytes().slice() });
  }
  return out;
}

/** `held` with each q4_k matrix re-encoded from the f32 weights by ggml's quantizer (`quantize("Q4_K")`), as the GGUF writer does. */
async function asWritten(h: Map<string, { dtype: WeightDtype; bytes: Uint8Array }>, modelDir: string): Promise<Map<string, { dtype: WeightDtype; bytes: Uint8Array }>> {
  const { model } = await loadModelDir(modelDir);
  const f32 = matricesOf(model.weights);
  const out = new Map([...h].map(([name, m]) => [name, m.dtype === "q4_k" ? { dtype: m.dtype, bytes: quantize("Q4_K", (f32.get(name) as Tensor).data) } : m]));
  model.dispose();
  return out;
}

/** Bytes of each matrix of the model in f32. */
async function f32MatrixBytes(modelDir: string): Promise<number[]> {
  const { model } = await loadModelDir(modelDir);
  const bytes = [...matricesOf(model.weights).values()].map((t) => 4 * (t as Tensor).size);
  model.dispose();
  return bytes;
}

const CASES: { hidden: number; tied: boolean; dtype: "q4_0" | "q4_k"; output: WeightDtype }[] = [
  { hidden: 256, tied: false, dtype: "q4_0", output: "q6_k" },
  { hidden: 256, tied: true, dtype: "q4_0", output: "q6_k" },
  { hidden: 96, tied: true, dtype: "q4_0", output: "q8_0" },
  { hidden: 256, tied: false, dtype: "q4_k", output: "q6_k" },
];

describe.each(CASES)("hidden $hidden, tied $tied, dtype $dtype: output matrix $output", ({ hidden, tied, dtype, output }) => {
  const modelDir = join(dir, `m${hidden}-${tied}`);
  synthesizeModelDir({ config: hfConfig(hidden, tied), outDir: modelDir, seed: 3, std: 0.05 });
  const outputName = tied ? "model.embed_tokens.weight" : "lm_head.weight";

  it("every loader holds the same matrices in the same dtypes: the output matrix in its own, the rest in the model's", async () => {
    const { model, config } = await loadModelDir(modelDir, { dtype });
    const want = held(model.weights);
    for (const [name, { dtype: d }] of want) expect(d, name).toBe(name === outputName ? output : dtype);
    // (an intermediate of 2·96 = 192 cannot be q4_k; the q4_k case is 256 wide)
    const bytes = [...want.values()].reduce((n, m) => n + m.bytes.length, 0);
    const vectors = llamaWeightBytes(config, "f32") - (await f32MatrixBytes(modelDir)).reduce((a, b) => a + b, 0);
    expect(llamaWeightBytes(config, dtype), "the heap budget's weight bytes").toBe(bytes + vectors);

    const files = Object.fromEntries(readdirSync(modelDir).map((f) => [f, readFileSync(join(modelDir, f))]));
    const inMemory = await loadModelFromFiles(files, { dtype });
    expect(held(inMemory.model.weights)).toEqual(want);

    const f32 = loadLlamaWeights(config, await openSafetensorsSource(modelDir));
    const converted = new LlamaModel(config, f32, { dtype }); // compactLlamaWeights
    expect(held(converted.weights)).toEqual(want);
    for (const m of [model, inMemory.model, converted]) m.dispose();
  });

  it("the GGUF writer types the file as llama-quantize does, and a GGUF load (as stored, or converted from F32) holds the same matrices", async () => {
    const { model, config } = await loadModelDir(modelDir, { dtype });
    const want = held(model.weights);
    const type = dtype === "q4_0" ? "Q4_0" : "Q4_K";
    const path = join(dir, `m${hidden}-${tied}-${type}.gguf`);
    const written = writeModelGguf(path, { config, source: await openSafetensorsSource(modelDir), tokenizer: tokMeta, type });
    expect(written.outputType).toBe(output.toUpperCase());
    const stored = loadGgufModel(path);
    const outputGguf = tied ? "token_embd.weight" : "output.weight";
    expect(stored.gguf.tensor(outputGguf).type.name).toBe(output.toUpperCase());
    expect(stored.gguf.tensor("blk.0.ffn_down.weight").type.name).toBe(type);
    if (!tied) expect(stored.gguf.tensor("token_embd.weight").type.name).toBe(type);
    // The writer runs ggml's Q4_K quantizer (its search); converting at load takes the faster direct
    // scale choice (tensor quant/k-scales-direct.ts), so a written Q4_K matrix holds quantize()'s bytes.
    expect(held(stored.model.weights)).toEqual(dtype === "q4_k" ? await asWritten(want, modelDir) : want);
    expect(heldWeightBytes(stored.gguf, undefined)).toBe(llamaWeightBytes(config, dtype));

    const f32Path = join(dir, `m${hidden}-${tied}-F32.gguf`);
    writeModelGguf(f32Path, { config, source: await openSafetensorsSource(modelDir), tokenizer: tokMeta, type: "F32" });
    const converted = loadGgufModel(f32Path, { dtype });
    expect(held(converted.model.weights)).toEqual(want);
    // the held bytes, plus the f32 copy of the largest matrix converted through f32
    const largest = Math.max(...(await f32MatrixBytes(modelDir)));
    expect(heldWeightBytes(converted.gguf, dtype)).toBe(llamaWeightBytes(config, dtype) + largest);
    for (const m of [model, stored.model, converted.model]) m.dispose();
  });
});
