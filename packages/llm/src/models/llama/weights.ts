/**
 * The weights of the inference Llama family, by HF name. `llamaTensors` is the one place their
 * names and shapes are written: read through a ParamSource (nn's VarBuilder idea, as the training
 * models are) to load them, or through a ShapeRecorder to list them (expectedTensors). Every matrix
 * keeps HF's Linear layout [out, in], so a projection is x·Wᵀ (matmulTransB) and no weight is ever
 * transposed or permuted on load.
 */
import { ParamSource, ShapeRecorder, type TensorScope } from "@mini/nn";
import { Tensor, type TensorSource } from "@mini/tensor";
import { ModelLoadError } from "../../loaders/errors.js";
import type { LinearWeight } from "./compact-weights.js";
import type { LlamaConfig } from "./config.js";

export interface LayerWeightsOf<M, V = M> {
  /** input_layernorm: [hidden] */
  readonly attnNorm: V;
  /** q_proj [nHeads·headDim, hidden], k_proj and v_proj [nKvHeads·headDim, hidden], o_proj [hidden, nHeads·headDim] */
  readonly wq: M;
  readonly wk: M;
  readonly wv: M;
  readonly wo: M;
  /** q/k/v_proj.bias [out] (qkvBias), o_proj.bias [hidden] (oBias); else null */
  readonly bq: V | null;
  readonly bk: V | null;
  readonly bv: V | null;
  readonly bo: V | null;
  /** self_attn.q_norm / k_norm: [headDim] (qkNorm: Qwen3); else null */
  readonly qNorm: V | null;
  readonly kNorm: V | null;
  /** post_attention_layernorm: [hidden] */
  readonly mlpNorm: V;
  /** Dense MLP: mlp.gate_proj and up_proj [intermediate, hidden], down_proj [hidden, intermediate]; null in a routed layer */
  readonly wGate: M | null;
  readonly wUp: M | null;
  readonly wDown: M | null;
  /** Routed MLP (Mixtral's block_sparse_moe): the router gate [experts, hidden] and each expert's w1, w3 [I, hidden], w2 [hidden, I] */
  readonly moe: { readonly router: V; readonly experts: readonly { readonly w1: M; readonly w2: M; readonly w3: M }[] } | null;
}

export interface LlamaWeightsOf<M, V = M> {
  /** model.embed_tokens: [vocab, hidden] */
  readonly embed: M;
  readonly layers: readonly LayerWeightsOf<M, V>[];
  /** model.norm: [hidden] */
  readonly finalNorm: V;
  /** lm_head: [vocab, hidden]; the same value as `embed` when the embeddings are tied. */
  readonly lmHead: M;
}

/** As loaded and run: matrices f32 Tensors or compact WeightMatrix (the dtype option, compact-weights.ts); vectors f32. */
export type LayerWeights = LayerWeightsOf<LinearWeight, Tensor>;
export type LlamaWeights = LlamaWeightsOf<LinearWeight, Tensor>;

/**
 * The tensors a config calls for, by HF name (the family's one name table):
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
 *   model.norm.weight, lm_head.weight (untied only)          [hidden], [vocab, hidden]
 */
export function llamaTensors<T>(s: TensorScope<T>, c: LlamaConfig): LlamaWeightsOf<T> {
  const h = c.hiddenSize;
  const I = c.intermediateSize;
  const qDim = c.numHeads * c.headDim;
  const kvDim = c.numKvHeads * c.headDim;
  const m = s.pp("model");
  const embed = m.pp("embed_tokens").tensor("weight", [c.vocabSize, h]);
  const layers: LayerWeightsOf<T>[] = [];
  for (let l = 0; l < c.numLayers; l++) {
    const p = m.pp("layers").pp(l);
    const attn = p.pp("self_attn");
    const attnNorm = p.pp("input_layernorm").tensor("weight", [h]);
    const proj = (name: string, out: number, inDim: number, bias: boolean) => {
      const w = attn.pp(name).tensor("weight", [out, inDim]);
      return [w, bias ? attn.pp(name).tensor("bias", [out]) : null] as const;
    };
    const [wq, bq] = proj("q_proj", qDim, h, c.qkvBias);
    const [wk, bk] = proj("k_proj", kvDim, h, c.qkvBias);
    const [wv, bv] = proj("v_proj", kvDim, h, c.qkvBias);
    const [wo, bo] = proj("o_proj", h, qDim, c.oBias);
    const qNorm = c.qkNorm ? attn.pp("q_norm").tensor("weight", [c.headDim]) : null;
    const kNorm = c.qkNorm ? attn.pp("k_norm").tensor("weight", [c.headDim]) : null;
    const mlpNorm = p.pp("post_attention_layernorm").tensor("weight", [h]);
    let dense: { wGate: T; wUp: T; wDown: T } | null = null;
    let moe: LayerWeightsOf<T>["moe"] = null;
    if (c.moe === null) {
      const mlp = p.pp("mlp");
      dense = { wGate: mlp.pp("gate_proj").tensor("weight", [I, h]), wUp: mlp.pp("up_proj").tensor("weight", [I, h]), wDown: mlp.pp("down_proj").tensor("weight", [h, I]) };
    } else {
      const b = p.pp("block_sparse_moe");
      const router = b.pp("gate").tensor("weight", [c.moe.numExperts, h]);
      const experts = Array.from({ length: c.moe.numExperts }, (_, e) => {
        const x = b.pp("experts").pp(e);
        return { w1: x.pp("w1").tensor("weight", [I, h]), w2: x.pp("w2").tensor("weight", [h, I]), w3: x.pp("w3").tensor("weight", [I, h]) };
      });
      moe = { router, experts };
    }
    layers.push({ attnNorm, wq, wk, wv, wo, bq, bk, bv, bo, qNorm, kNorm, mlpNorm, wGate: dense?.wGate ?? null, wUp: dense?.wUp ?? null, wDown: dense?.wDown ?? null, moe });
  }
  const finalNorm = m.pp("norm").tensor("weight", [h]);
  const lmHead = c.tieWordEmbeddings ? embed : s.pp("lm_head").tensor("weight", [c.vocabSize, h]);
  return { embed, layers, finalNorm, lmHead };
}

/** The HF names and shapes of every tensor the config calls for (lm_head only when untied), in llamaTensors' order. */
export function expectedTensors(c: LlamaConfig): Map<string, number[]> {
  const r = ShapeRecorder.create();
  llamaTensors(r, c);
  return r.shapes;
}

/** The HF names of the embedding and of an untied lm_head (the output matrix: dtype-recipe.ts). */
export const EMBED_NAME = "model.embed_tokens.weight";
export const LM_HEAD_NAME = "lm_head.weight";

/** Non-learned buffers some HF checkpoints store (RoPE frequencies are recomputed from the config). */
const IGNORED_BUFFERS = /^model\.layers\.\d+\.self_attn\.rotary_emb\.inv_freq$/;

/**
 * A ParamSource over `src` for this config: with tied embeddings the shared matrix may be stored
 * under either name (model.embed_tokens.weight falls back to lm_head.weight), besides the
 * source's own aliases (safetensors `__metadata__`).
 */
export function llamaParamSource(c: LlamaConfig, src: TensorSource): ParamSource {
  return ParamSource.fromTensors(src, {
    pinned: true,
    name: src.fileOf?.(EMBED_NAME) ?? "weights",
    ...(c.tieWordEmbeddings ? { aliases: { [EMBED_NAME]: LM_HEAD_NAME } } : {}),
  });
}

/**
 * Checks every tensor's presence and shape, and that the source holds nothing else, before any
 * data is read; then loads them all into the WASM heap.
 */
export function loadLlamaWeights(c: LlamaConfig, src: TensorSource, loadMatrix?: MatrixLoader): LlamaWeights {
  const ps = llamaParamSource(c, src);
  const expected = expectedTensors(c);
  for (const [name, shape] of expected) {
    const got = ps.storedShape(name);
    if (got === null) {
      const hint = name === LM_HEAD_NAME ? " (config.json has tie_word_embeddings: false, so lm_head.weight is required)" : "";
      throw new ModelLoadError(ps.fileOf(name), `tensor "${name}"`, `missing${hint}`);
    }
    if (got.length !== shape.length || got.some((d, i) => d !== shape[i])) {
      throw new ModelLoadError(ps.fileOf(name), `tensor "${name}"`, `expected shape [${shape.join(", ")}], got [${got.join(", ")}]`);
    }
  }

  // A tensor the architecture does not use (a q_proj.bias, a LoRA adapter, another model's layers)
  // means the file is not what config.json says: refuse it rather than silently compute without it.
  // (With tied embeddings a stored lm_head.weight is ignored, as transformers does.)
  const unused = ps.unusedNames(expected.keys()).filter((n) => !IGNORED_BUFFERS.test(n) && !(c.tieWordEmbeddings && n === LM_HEAD_NAME));
  if (unused.length > 0) {
    const shown = unused.slice(0, 5).map((n) => `"${n}"`).join(", ");
    throw new ModelLoadError(
      ps.fileOf(unused[0]!),
      `tensor ${shown}${unused.length > 5 ? ` and ${unused.length - 5} more` : ""}`,
      `not part of a ${c.modelType} model with this config.json (unexpected bias or extra weights); refusing to ignore it`,
    );
  }

  const weights = loadMatrix === undefined ? llamaTensors<Tensor>(ps, c) : (llamaTensors<LinearWeight>(matrixScope(ps, loadMatrix, ""), c) as LlamaWeights);
  touchPages(weights);
  return weights;
}

/**
 * A source's own way to hold a matrix (a GGUF file's blocks as a compact WeightMatrix), by stored
 * name (and the HF name the Llama asked for, which says whether it is the output matrix:
 * dtype-recipe.ts); loadLlamaWeights uses it for every dense 2-D weight, the source's f32 `get`
 * for the rest.
 */
export type MatrixLoader = (storedName: string, hfName: string) => LinearWeight;

/** `ps` as a scope whose 2-D tensors (Mixtral's router excepted: kept f32) come from `loadMatrix`. */
function matrixScope(ps: ParamSource, loadMatrix: MatrixLoader, prefix: string): TensorScope<LinearWeight> {
  return {
    pp: (name) => matrixScope(ps, loadMatrix, `${prefix}${name}.`),
    tensor: (name, shape) => {
      const full = prefix + name;
      if (shape.length !== 2 || full.endsWith(".block_sparse_moe.gate.weight")) return ps.tensor(full, shape);
      return loadMatrix(ps.resolve(full) ?? full, full);
    },
  };
}

/** Every tensor of a layer (the present ones). */
export function layerTensors(l: LayerWeights): LinearWeight[] {
  const ts = [l.attnNorm, l.wq, l.wk, l.wv, l.wo, l.bq, l.bk, l.bv, l.bo, l.qNorm, l.kNorm, l.mlpNorm, l.wGate, l.wUp, l.wDown];
  if (l.moe !== null) ts.push(l.moe.router, ...l.moe.experts.flatMap((e) => [e.w1, e.w2, e.w3]));
  return ts.filter((t): t is LinearWeight => t !== null);
}

/** Every distinct tensor of the weights (the tied lm_head once). */
function allWeightTensors(w: LlamaWeights): LinearWeight[] {
  return [...new Set([w.embed, w.finalNorm, w.lmHead, ...w.layers.flatMap(layerTensors)])];
}

// biome-ignore lint/correctness/noUnusedVariables: written only, so the page reads in touchPages are not optimized away
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
  for (const t of allWeightTensors(w)) {
    if (!(t instanceof Tensor)) continue; // compact weights were written by the CPU: pages mapped
    const d = t.data;
    for (let i = 0; i < d.length; i += 1024) s += d[i]!;
  }
  touched += s; // a use of s, so the loads are not optimized away
}

/** Frees every weight's WASM memory now. */
export function disposeLlamaWeights(w: LlamaWeights): void {
  for (const t of allWeightTensors(w)) t.dispose();
}
