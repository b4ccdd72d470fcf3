/**
 * GGUF model files that mini cannot run are refused before any weight is loaded, with one line
 * naming the file and the key or tensor: variants of a valid tiny file, each with one fault.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gguf, parseGguf, serializeGguf, type GgmlType, type GgufValue } from "@mini/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { ModelLoadError, TokenizerLoadError, tokenizerFromJson } from "../src/index.js";
import { loadGgufModel } from "../src/models/index.js";
import { ggufTokenizerMetadata } from "../src/tokenizers/index.js";
import { CONFIG, gpt2Json } from "./tokenizers/byte-level-fixtures.js";
import { writeSynthGguf } from "./gguf-oracle-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "mini-gguf-bad-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tok = tokenizerFromJson(gpt2Json(), CONFIG);
const vocab = tok.vocabSize;
const base = join(dir, "base.gguf");
writeSynthGguf(base, { vocab_size: vocab, hidden_size: 64, intermediate_size: 128, num_hidden_layers: 1, num_attention_heads: 2 }, ggufTokenizerMetadata(gpt2Json(), tok, vocab), "Q8_0", 1);
const good = parseGguf(new Uint8Array(readFileSync(base)), base);

interface Edit {
  metadata?: (m: Map<string, GgufValue>) => void;
  tensors?: (t: { name: string; type: GgmlType; shape: readonly number[]; data: Uint8Array }[]) => void;
}

/** A copy of the base file with `edit` applied to its metadata and tensor list. */
function variant(name: string, edit: Edit): string {
  const metadata = new Map(good.metadata);
  edit.metadata?.(metadata);
  const tensors = good.tensors.map((t) => ({ name: t.name, type: t.type.name as GgmlType, shape: t.shape, data: good.bytes(t.name) }));
  edit.tensors?.(tensors);
  const path = join(dir, `${name}.gguf`);
  writeFileSync(path, serializeGguf(metadata, tensors));
  return path;
}

/** One token fewer than the embedding has rows (its type entry too). */
function shorterVocab(m: Map<string, GgufValue>): void {
  for (const key of ["tokenizer.ggml.tokens", "tokenizer.ggml.token_type"]) {
    const v = m.get(key) as Extract<GgufValue, { type: "array" }>;
    m.set(key, gguf.array(v.itemType, v.value.slice(0, -1)));
  }
}

/** Patches the stored type id of tensor `name` (its u32 right after the dims). */
function withTypeId(path: string, name: string, typeId: number): string {
  const bytes = new Uint8Array(readFileSync(path));
  const key = new TextEncoder().encode(name);
  const at = bytes.findIndex((_, i) => key.every((b, j) => bytes[i + j] === b) && bytes[i - 8] === key.length);
  const dv = new DataView(bytes.buffer);
  const nDims = dv.getUint32(at + key.length, true);
  dv.setUint32(at + key.length + 4 + 8 * nDims, typeId, true);
  const out = path.replace(/\.gguf$/, `-type${typeId}.gguf`);
  writeFileSync(out, bytes);
  return out;
}

describe("loadGgufModel refuses what it cannot run, naming file and key or tensor", () => {
  it("the base file loads", () => {
    const m = loadGgufModel(base);
    expect(m.config.numLayers).toBe(1);
    m.model.dispose();
  });

  const cases: [string, () => string, RegExp][] = [
    ["another architecture", () => variant("arch", { metadata: (m) => m.set("general.architecture", gguf.string("gemma")) }), /key "general.architecture": unsupported architecture "gemma"; supported: llama, qwen2, qwen3$/],
    ["rope scaling", () => variant("rope", { metadata: (m) => m.set("llama.rope.scaling.type", gguf.string("longrope")) }), /key "llama.rope.scaling.type": rope scaling "longrope" is not supported/],
    ["yarn with DeepSeek's log multiplier", () => variant("yarn-log", { metadata: (m) => { m.set("llama.rope.scaling.type", gguf.string("yarn")); m.set("llama.rope.scaling.factor", gguf.f32(4)); m.set("llama.rope.scaling.yarn_log_multiplier", gguf.f32(0.1)); } }), /key "llama.rope.scaling.yarn_log_multiplier": DeepSeek-style YaRN \(mscale_all_dim\) is not supported, got 0.1/],
    ["yarn with an attention factor", () => variant("yarn-attn", { metadata: (m) => { m.set("llama.rope.scaling.type", gguf.string("yarn")); m.set("llama.rope.scaling.factor", gguf.f32(4)); m.set("llama.rope.scaling.yarn_attn_factor", gguf.f32(0.5)); } }), /key "llama.rope.scaling.yarn_attn_factor": llama.cpp ignores this key for llama \(it runs 1\); a file that sets it to 0.5 is not supported \(expected 1\)/],
    ["yarn with beta_fast", () => variant("yarn-beta", { metadata: (m) => { m.set("llama.rope.scaling.type", gguf.string("yarn")); m.set("llama.rope.scaling.factor", gguf.f32(4)); m.set("llama.rope.scaling.yarn_beta_fast", gguf.f32(8)); } }), /key "llama.rope.scaling.yarn_beta_fast": llama.cpp ignores this key for llama \(it runs 32\); a file that sets it to 8 is not supported/],
    ["yarn without a factor", () => variant("yarn-nofactor", { metadata: (m) => m.set("llama.rope.scaling.type", gguf.string("yarn")) }), /key "llama.rope.scaling.factor": yarn scaling needs a factor/],
    ["a missing key", () => variant("nokey", { metadata: (m) => m.delete("llama.block_count") }), /key "llama.block_count": missing$/],
    ["experts without their tensors", () => variant("moe", { metadata: (m) => { m.set("llama.expert_count", gguf.u32(8)); m.set("llama.expert_used_count", gguf.u32(2)); } }), /tensor "blk.0.ffn_gate_inp.weight": missing$/],
    ["experts without expert_used_count", () => variant("moe-used", { metadata: (m) => m.set("llama.expert_count", gguf.u32(8)) }), /key "llama.expert_used_count": missing$/],
    ["partial rotary", () => variant("rot", { metadata: (m) => m.set("llama.rope.dimension_count", gguf.u32(16)) }), /partial rotary embeddings are not supported \(rotating 16 of 32 dims per head\)/],
    ["a missing tensor", () => variant("notensor", { tensors: (t) => t.splice(t.findIndex((x) => x.name === "blk.0.ffn_up.weight"), 1) }), /tensor "blk.0.ffn_up.weight": missing$/],
    ["an extra tensor", () => variant("extra", { tensors: (t) => t.push({ name: "pos_embd.weight", type: "F32", shape: [16], data: new Uint8Array(64) }) }), /tensor "pos_embd.weight": not a tensor of mini's Llama; refusing to ignore it$/],
    ["rope factors of the wrong length", () => variant("freqs-len", { tensors: (t) => t.push({ name: "rope_freqs.weight", type: "F32", shape: [8], data: new Uint8Array(32) }) }), /tensor "rope_freqs.weight": expected F32 \[16\] \(one factor per rotated pair\), got F32 \[8\]$/],
    ["a zero rope factor", () => variant("freqs-zero", { tensors: (t) => t.push({ name: "rope_freqs.weight", type: "F32", shape: [16], data: new Uint8Array(64) }) }), /tensor "rope_freqs.weight": factor 0 is 0, expected a positive number$/],
    ["a wrong shape", () => variant("shape", { metadata: (m) => m.set("llama.feed_forward_length", gguf.u32(96)) }), /tensor "blk.0.ffn_gate.weight": expected shape \[96, 64\] \(row-major\) from the llama.\* keys, got \[128, 64\]/],
    ["an unsupported tensor type", () => withTypeId(base, "blk.0.ffn_down.weight", 39), /tensor "blk.0.ffn_down.weight": tensor type MXFP4 is not supported/],
    ["tokens and embedding rows disagree", () => variant("tokens", { metadata: shorterVocab }), /key "tokenizer.ggml.tokens": \d+ tokens, but token_embd.weight has \d+ rows$/],
  ];
  for (const [what, make, message] of cases) {
    it(what, () => {
      const path = make();
      let err: unknown;
      try {
        loadGgufModel(path).model.dispose();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ModelLoadError);
      expect((err as Error).message.startsWith(path)).toBe(true);
      expect((err as Error).message).toMatch(message);
    });
  }

  it("another tokenizer model is a TokenizerLoadError naming the key", () => {
    const path = variant("bert", { metadata: (m) => m.set("tokenizer.ggml.model", gguf.string("bert")) });
    expect(() => loadGgufModel(path)).toThrow(TokenizerLoadError);
    expect(() => loadGgufModel(path)).toThrow(/bert\.gguf: key "tokenizer.ggml.model": unsupported tokenizer model "bert"; supported: "llama", "gpt2"/);
  });
});
