/**
 * RustGPT's model (tekaratzas/RustGPT), with exact gradients from autograd:
 *
 *   x = token_embedding[ids] + position_embedding[0..T)                 [B, T, d]
 *   per block (post-norm): x = norm1(x + attn(x)); x = norm2(x + ffn(x))
 *     attn: single head, causal, softmax(q·kᵀ/√d)·v, no output projection
 *     ffn:  relu(x·W1ᵀ + b1)·W2ᵀ + b2                                 d → h → d
 *     norm: (x − μ)/(σ + ε)·γ + β, ε on the standard deviation as RustGPT
 *   logits = x·Woutᵀ + bout                                              [B, T, V]
 *
 * Initialisation as RustGPT's: embeddings N(0, 0.02²); q/k/v and the output layer N(0, 2/d); W1
 * N(0, 2/d), W2 N(0, 2/h) (He); biases 0; LayerNorm γ 1, β 0. Weights use the [out, in] layout of
 * @mini/nn's Linear (RustGPT stores [in, out]); the function is the same.
 */
import type { Variable } from "@mini/autograd";
import { Embedding, Linear, Module, type ParamSource, PositionalEmbedding, TransformerBlock, init, type Parameter } from "@mini/nn";
import { TrainableModel, type RunInputs } from "../../training/trainable-model.js";
import type { RustGptConfig } from "./config.js";

class RustGptModule extends Module {
  readonly tokenEmbedding: Embedding;
  readonly positionEmbedding: PositionalEmbedding;
  readonly blocks: TransformerBlock[];
  readonly output: Linear;

  constructor(ps: ParamSource, c: RustGptConfig) {
    super();
    const d = c.hiddenSize;
    this.tokenEmbedding = new Embedding(ps.pp("token_embedding"), c.vocabSize, d, { init: init.normal(0.02) });
    this.positionEmbedding = new PositionalEmbedding(ps.pp("position_embedding"), c.maxSeqLen, d, { init: init.normal(0.02) });
    this.blocks = [];
    for (let l = 0; l < c.numLayers; l++) {
      const block = new TransformerBlock(ps.pp("blocks").pp(l), {
        dModel: d,
        nHeads: c.numHeads,
        outputProjection: false,
        rope: null,
        ffnHidden: c.intermediateSize,
        ffnKind: "relu",
        ffnBias: true,
        norm: { kind: "layer", eps: c.layerNormEps, epsPlacement: "outside" },
        normPlacement: "post",
        names: { attn: "attention", mlp: "feed_forward", norm1: "norm1", norm2: "norm2" },
        init: init.normal(Math.sqrt(2 / d)),
      });
      // W2 (down, fan-in h) gets its own He std; biases start at 0 as RustGPT's.
      rescaleInit(block.mlp.down.weight, Math.sqrt(2 / d), Math.sqrt(2 / c.intermediateSize), ps);
      if (block.mlp.up.bias) zeroUnlessLoading(block.mlp.up.bias, ps);
      if (block.mlp.down.bias) zeroUnlessLoading(block.mlp.down.bias, ps);
      this.blocks.push(block);
    }
    this.output = new Linear(ps.pp("output"), d, c.vocabSize, { bias: true, init: init.normal(Math.sqrt(2 / d)), biasInit: init.zeros() });
  }
}

/** Rescales a freshly drawn N(0, from²) parameter to N(0, to²) (the same draw, so the run stays seeded). */
function rescaleInit(p: Parameter, from: number, to: number, ps: ParamSource): void {
  if (ps.isLoading) return;
  const data = p.value.data;
  const k = to / from;
  for (let i = 0; i < data.length; i++) data[i] = data[i]! * k;
}

function zeroUnlessLoading(p: Parameter, ps: ParamSource): void {
  if (!ps.isLoading) p.value.data.fill(0);
}

export class RustGptModel extends TrainableModel<RustGptConfig, RustGptModule> {
  constructor(config: RustGptConfig, ps: ParamSource) {
    super(config, new RustGptModule(ps, config), "rustgpt");
  }

  protected run(ids: Int32Array, batch: number, seqLen: number, inputs: RunInputs): Variable {
    const m = this.module;
    let x = m.positionEmbedding.forward(m.tokenEmbedding.forward(ids, [batch, seqLen])); // [B, T, d]
    for (const block of m.blocks) x = block.forward(x, inputs);
    return m.output.forward(x); // [B, T, V]
  }
}
