/**
 * The weights of the inference Llama, by HF name, checked for presence and shape before any is
 * loaded. Every matrix keeps HF's Linear layout [out, in], so a projection is x·Wᵀ
 * (matmulTransB) and no weight is ever transposed or permuted on load.
 */
import { Tensor } from "@mini/tensor";
import { ModelLoadError } from "../../loaders/errors.js";
import type { LinearWeight } from "./compact-weights.js";
import type { LlamaConfig } from "./config.js";
import type { RoutedMlpWeights } from "./routed-mlp.js";

/** Where weights come from: one safetensors file, several shards, or tensors in memory. */
export interface TensorSource {
  has(name: string): boolean;
  /** Every stored tensor name (aliases from `__metadata__` included). */
  names(): string[];
  /** The stored shape (no data read). */
  shape(name: string): readonly number[];
  /** The tensor as f32 in the WASM heap (converted from F16/BF16 if stored so). */
  load(name: string): Tensor;
  /** The file that holds `name` (or would, for a missing one), for error messages. */
  fileOf(name: string): string;
}

export interface LayerWeights {
  /** input_layernorm: [hidden] */
  readonly attnNorm: Tensor;
  /** q_proj [nHeads·headDim, hidden], k_proj and v_proj [nKvHeads·headDim, hidden], o_proj [hidden, nHeads·headDim] */
  readonly wq: LinearWeight;
  readonly wk: LinearWeight;
  readonly wv: LinearWeight;
  readonly wo: LinearWeight;
  /** q/k/v_proj biases [nHeads·headDim | nKvHeads·headDim] (config qkvBias), o_proj's [hidden] (oBias); else null. */
  readonly bq: Tensor | null;
  readonly bk: Tensor | null;
  readonly bv: Tensor | null;
  readonly bo: Tensor | null;
  /** self_attn.q_norm / k_norm: [headDim] (config qkNorm, Qwen3); else null. */
  readonly qNorm: Tensor | null;
  readonly kNorm: Tensor | null;
  /** post_attention_layernorm: [hidden] */
  readonly mlpNorm: Tensor;
  /** Dense MLP: gate_proj and up_proj [intermediate, hidden], down_proj [hidden, intermediate]; null in a routed layer. */
  readonly wGate: LinearWeight | null;
  readonly wUp: LinearWeight | null;
  readonly wDown: LinearWeight | null;
  /** Mixtral's block_sparse_moe (router and experts); null in a dense layer. */
  readonly moe: RoutedMlpWeights | null;
}

/** Every tensor of a layer (the present ones). */
export function layerTensors(l: LayerWeights): LinearWeight[] {
  const ts = [l.attnNorm, l.wq, l.wk, l.wv, l.wo, l.bq, l.bk, l.bv, l.bo, l.qNorm, l.kNorm, l.mlpNorm, l.wGate, l.wUp, l.wDown];
  if (l.moe !== null) ts.push(l.moe.router, ...l.moe.experts.flatMap((e) => [e.w1, e.w2, e.w3]));
  return ts.filter((t): t is LinearWeight => t !== null);
}

export interface LlamaWeights {
  /** model.embed_tokens: [vocab, hidden] */
  readonly embed: LinearWeight;
  readonly layers: readonly LayerWeights[];
  /** model.norm: [hidden] */
  readonly finalNorm: Tensor;
  /** lm_head: [vocab, hidden]; the same Tensor as `embed` when the embeddings are tied. */
  readonly lmHead: LinearWeight;
}

/**
 * The HF names and shapes of every tensor the config calls for (lm_head only when untied):
 *
 *   model.embed_tokens.weight                                [vocab, hidden]
 *   model.layers.N.input_layernorm.weight                    [hidden]
 *   model.layers.N.self_attn.{q,k,v}_proj.weight             [nHeads·hd | nKv·hd, hidden]   (.bias [out] with qkvBias)
 *   model.layers.N.self_attn.o_proj.weight                   [hidden, nHeads·hd]            (.bias [hidden] with oBias)
 *   model.layers.N.self_attn.{q,k}_norm.weight               [hd]                           (qkNorm: Qwen3)
 *   model.layers.N.post_attention_layernorm.weight           [hidden]
 *   dense:  model.layers.N.mlp.{gate,up}_proj.weight         [I, hidden];  mlp.down_proj.weight [hidden, I]
 *   routed: model.layers.N.block_sparse_moe.gate.weight      [experts, hidden]  (the router)
 *           model.layers.N.block_sparse_moe.experts.E.{w1,w3}.weight [I, hidden];  .w2.weight [hidden, I]
 *   model.norm.weight, lm_head.weight                        [hidden], [vocab, hidden]
 */
export function expectedTensors(c: LlamaConfig): Map<string, number[]> {
  const m = new Map<string, number[]>();
  const h = c.hiddenSize;
  const I = c.intermediateSize;
  const qDim = c.numHeads * c.headDim;
  const kvDim = c.numKvHeads * c.headDim;
  m.set("model.embed_tokens.weight", [c.vocabSize, h]);
  for (let l = 0; l < c.numLayers; l++) {
    const p = `model.layers.${l}.`;
    m.set(`${p}input_layernorm.weight`, [h]);
    for (const [proj, out] of [["q_proj", qDim], ["k_proj", kvDim], ["v_proj", kvDim]] as const) {
      m.set(`${p}self_attn.${proj}.weight`, [out, h]);
      if (c.qkvBias) m.set(`${p}self_attn.${proj}.bias`, [out]);
    }
    m.set(`${p}self_attn.o_proj.weight`, [h, qDim]);
    if (c.oBias) m.set(`${p}self_attn.o_proj.bias`, [h]);
    if (c.qkNorm) {
      m.set(`${p}self_attn.q_norm.weight`, [c.headDim]);
      m.set(`${p}self_attn.k_norm.weight`, [c.headDim]);
    }
    m.set(`${p}post_attention_layernorm.weight`, [h]);
    if (c.moe === null) {
      m.set(`${p}mlp.gate_proj.weight`, [I, h]);
      m.set(`${p}mlp.up_proj.weight`, [I, h]);
      m.set(`${p}mlp.down_proj.weight`, [h, I]);
    } else {
      const moe = `${p}block_sparse_moe.`;
      m.set(`${moe}gate.weight`, [c.moe.numExperts, h]);
      for (let e = 0; e < c.moe.numExperts; e++) {
        m.set(`${moe}experts.${e}.w1.weight`, [I, h]);
        m.set(`${moe}experts.${e}.w2.weight`, [h, I]);
        m.set(`${moe}experts.${e}.w3.weight`, [I, h]);
      }
    }
  }
  m.set("model.norm.weight", [h]);
  if (!c.tieWordEmbeddings) m.set("lm_head.weight", [c.vocabSize, h]);
  return m;
}

/** Non-learned buffers some HF checkpoints store (RoPE frequencies are recomputed from rope_theta). */
const IGNORED_BUFFERS = /^model\.layers\.\d+\.self_attn\.rotary_emb\.inv_freq$/;

/**
 * Checks every tensor's presence and shape, then loads them all into the WASM heap.
 * Tied embeddings: either name may hold the shared matrix (the other may be absent or an alias).
 */
export function loadLlamaWeights(c: LlamaConfig, src: TensorSource): LlamaWeights {
  const expected = expectedTensors(c);
  const EMBED = "model.embed_tokens.weight";
  const HEAD = "lm_head.weight";
  // With tied embeddings the shared matrix may be stored under lm_head only.
  let embedName = EMBED;
  if (c.tieWordEmbeddings && !src.has(EMBED) && src.has(HEAD)) {
    embedName = HEAD;
    expected.delete(EMBED);
    expected.set(HEAD, [c.vocabSize, c.hiddenSize]);
  }
  for (const [name, shape] of expected) {
    if (!src.has(name)) {
      const hint = name === HEAD ? " (config.json has tie_word_embeddings: false, so lm_head.weight is required)" : "";
      throw new ModelLoadError(src.fileOf(name), `tensor "${name}"`, `missing${hint}`);
    }
    const got = src.shape(name);
    if (got.length !== shape.length || got.some((d, i) => d !== shape[i])) {
      throw new ModelLoadError(src.fileOf(name), `tensor "${name}"`, `expected shape [${shape.join(", ")}], got [${got.join(", ")}]`);
    }
  }

  // A tensor the architecture does not use (a q_proj.bias, a LoRA adapter, another model's layers)
  // means the file is not what config.json says: refuse it rather than silently compute without it.
  const unused = src.names().filter((n) => !expected.has(n) && n !== EMBED && n !== HEAD && !IGNORED_BUFFERS.test(n));
  if (unused.length > 0) {
    const shown = unused.slice(0, 5).map((n) => `"${n}"`).join(", ");
    throw new ModelLoadError(
      src.fileOf(unused[0]!),
      `tensor ${shown}${unused.length > 5 ? ` and ${unused.length - 5} more` : ""}`,
      `not part of a ${c.modelType} model with this config.json (unexpected bias or extra weights); refusing to ignore it`,
    );
  }

  const embed = src.load(embedName);
  const layers: LayerWeights[] = [];
  for (let l = 0; l < c.numLayers; l++) {
    const p = `model.layers.${l}.`;
    const attn = `${p}self_attn.`;
    const opt = (name: string, present: boolean): Tensor | null => (present ? src.load(name) : null);
    const dense = c.moe === null;
    const moe = `${p}block_sparse_moe.`;
    layers.push({
      attnNorm: src.load(`${p}input_layernorm.weight`),
      wq: src.load(`${attn}q_proj.weight`),
      wk: src.load(`${attn}k_proj.weight`),
      wv: src.load(`${attn}v_proj.weight`),
      wo: src.load(`${attn}o_proj.weight`),
      bq: opt(`${attn}q_proj.bias`, c.qkvBias),
      bk: opt(`${attn}k_proj.bias`, c.qkvBias),
      bv: opt(`${attn}v_proj.bias`, c.qkvBias),
      bo: opt(`${attn}o_proj.bias`, c.oBias),
      qNorm: opt(`${attn}q_norm.weight`, c.qkNorm),
      kNorm: opt(`${attn}k_norm.weight`, c.qkNorm),
      mlpNorm: src.load(`${p}post_attention_layernorm.weight`),
      wGate: opt(`${p}mlp.gate_proj.weight`, dense),
      wUp: opt(`${p}mlp.up_proj.weight`, dense),
      wDown: opt(`${p}mlp.down_proj.weight`, dense),
      moe:
        c.moe === null
          ? null
          : {
              router: src.load(`${moe}gate.weight`),
              experts: Array.from({ length: c.moe.numExperts }, (_, e) => ({
                w1: src.load(`${moe}experts.${e}.w1.weight`),
                w2: src.load(`${moe}experts.${e}.w2.weight`),
                w3: src.load(`${moe}experts.${e}.w3.weight`),
              })),
            },
    });
  }
  const finalNorm = src.load("model.norm.weight");
  const lmHead = c.tieWordEmbeddings ? embed : src.load(HEAD);
  const weights = { embed, layers, finalNorm, lmHead };
  touchPages(weights);
  return weights;
}

let touched = 0;
/**
 * Reads one float per 4 KiB page of every weight, once, after loading. Weights are read from the
 * file straight into the WASM heap by read(2), and on this project's benchmark machine (a sandboxed
 * VM) the first access from user code to pages filled that way is slow, as if each page were mapped
 * again (measured: the first pass over the 32M model's 131 MB took 30-60 ms, the second 1 ms; the
 * mechanism is the VM's, not verified). Without this sweep the first forward pass paid it; here it
 * is part of loading. Where the pages are mapped already it costs ~1 ms.
 */
function touchPages(w: LlamaWeights): void {
  let s = 0;
  const all = [w.embed, w.finalNorm, w.lmHead, ...w.layers.flatMap(layerTensors)];
  for (const t of all) {
    if (!(t instanceof Tensor)) continue; // compact weights were written by the CPU: pages mapped
    const d = t.data;
    for (let i = 0; i < d.length; i += 1024) s += d[i]!;
  }
  touched += s; // a use of s, so the loads are not optimized away
}

/** A TensorSource over tensors already in memory (tests, conversions, the trainable model's weights). */
export function tensorRecordSource(tensors: Record<string, Tensor>, label = "<tensors>"): TensorSource {
  return {
    has: (name) => Object.hasOwn(tensors, name),
    names: () => Object.keys(tensors),
    shape: (name) => tensors[name]!.shape,
    load: (name) => tensors[name]!.toPinned(),
    fileOf: () => label,
  };
}

/** Frees every weight's WASM memory now. */
export function disposeLlamaWeights(w: LlamaWeights): void {
  w.embed.dispose();
  if (w.lmHead !== w.embed) w.lmHead.dispose();
  w.finalNorm.dispose();
  for (const l of w.layers) for (const t of layerTensors(l)) t.dispose();
}
