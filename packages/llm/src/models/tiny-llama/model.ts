/**
 * The trainable Llama: what HF `LlamaForCausalLM` computes, built from @mini/nn so autograd
 * trains it, with HF tensor names so its state dict is a Llama `model.safetensors`:
 *
 *   model.embed_tokens.weight                              [V, d]
 *   model.layers.N.input_layernorm.weight                  [d]
 *   model.layers.N.self_attn.{q,k,v,o}_proj.weight         [H·hd, d] / [Hkv·hd, d] / [d, H·hd]
 *   model.layers.N.post_attention_layernorm.weight         [d]
 *   model.layers.N.mlp.{gate,up}_proj.weight               [I, d];  mlp.down_proj.weight [d, I]
 *   model.norm.weight                                      [d]
 *   lm_head.weight                                         [V, d]
 *
 * x = embed(ids); per layer: x += attn(rmsnorm(x)) (RoPE rotate-half, causal), x += mlp(rmsnorm(x))
 * (SwiGLU); logits = lm_head(rmsnorm(x)). Untied head; by default no biases. The config's
 * qkvBias / outputBias / qkNorm add q/k/v (and o) biases and Qwen3's per-head q_norm / k_norm
 * ([headDim]), saved as the family that computes them (config.ts).
 */
import type { Variable } from "@mini/autograd";
import { Embedding, Linear, Module, type ParamSource, RMSNorm, TransformerBlock, init } from "@mini/nn";
import { TrainableModel, type RunInputs } from "../../training/trainable-model.js";
import { headDimOf, type TinyLlamaConfig } from "./config.js";

/** HF's initializer_range: every projection and the embedding start as N(0, 0.02²). */
const INIT_STD = 0.02;

class TinyLlamaModule extends Module {
  readonly embedTokens: Embedding;
  readonly layers: TransformerBlock[];
  readonly norm: RMSNorm;
  readonly lmHead: Linear;

  constructor(ps: ParamSource, c: TinyLlamaConfig) {
    super();
    const m = ps.pp("model");
    const w = init.normal(INIT_STD);
    this.embedTokens = new Embedding(m.pp("embed_tokens"), c.vocabSize, c.hiddenSize, { init: w });
    this.layers = [];
    for (let l = 0; l < c.numLayers; l++) {
      this.layers.push(
        new TransformerBlock(m.pp("layers").pp(l), {
          dModel: c.hiddenSize,
          nHeads: c.numHeads,
          nKvHeads: c.numKvHeads,
          headDim: headDimOf(c),
          rope: { theta: c.ropeTheta, style: "half" },
          qkvBias: c.qkvBias,
          outputBias: c.outputBias,
          qkNorm: c.qkNorm ? { eps: c.rmsNormEps } : null,
          ffnHidden: c.intermediateSize,
          ffnKind: "swiglu",
          ffnBias: false,
          norm: { kind: "rms", eps: c.rmsNormEps },
          normPlacement: "pre",
          init: w,
        }),
      );
    }
    this.norm = new RMSNorm(m.pp("norm"), c.hiddenSize, { eps: c.rmsNormEps });
    this.lmHead = new Linear(ps.pp("lm_head"), c.hiddenSize, c.vocabSize, { bias: false, init: w });
  }
}

export class TinyLlama extends TrainableModel<TinyLlamaConfig, TinyLlamaModule> {
  /** `ps`: ParamSource.init(seed) for a fresh model, or ParamSource.fromTensors(file) to load one. */
  constructor(config: TinyLlamaConfig, ps: ParamSource) {
    super(config, new TinyLlamaModule(ps, config), "tiny-llama");
  }

  protected run(ids: Int32Array, batch: number, seqLen: number, inputs: RunInputs): Variable {
    const m = this.module;
    let x = m.embedTokens.forward(ids, [batch, seqLen]); // [B, T, d]
    for (const layer of m.layers) x = layer.forward(x, inputs);
    return m.lmHead.forward(m.norm.forward(x)); // [B, T, V]
  }
}
