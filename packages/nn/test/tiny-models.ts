import { type Variable, add, relu } from "@mini/autograd";
import { Tensor, createRng } from "@mini/tensor";
import {
  Embedding,
  LayerNorm,
  Linear,
  Module,
  type ParamSource,
  PositionalEmbedding,
  TransformerBlock,
  crossEntropyLoss,
  init,
} from "../src/index.js";

/** Two-layer MLP: Linear(2, hidden) → ReLU → Linear(hidden, 2), trained as a 2-class classifier. */
export class Mlp extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;
  constructor(ps: ParamSource, hidden: number) {
    super();
    this.fc1 = new Linear(ps.pp("fc1"), 2, hidden);
    this.fc2 = new Linear(ps.pp("fc2"), hidden, 2);
  }
  override forward(x: Variable): Variable {
    return this.fc2.forward(relu(this.fc1.forward(x)));
  }
}

export interface TinyGptConfig {
  vocab: number;
  dModel: number;
  nHeads: number;
  maxLen: number;
  ffnHidden: number;
  /** Residual dropout in the block (default none); its generator is seeded with `dropoutSeed`. */
  dropout?: number;
  dropoutSeed?: number;
}

/** One-block GPT: token + learned position embeddings, a pre-norm block, final norm, linear head. */
export class TinyGpt extends Module {
  readonly embed: Embedding;
  readonly pos: PositionalEmbedding;
  readonly block: TransformerBlock;
  readonly norm: LayerNorm;
  readonly head: Linear;
  constructor(ps: ParamSource, readonly cfg: TinyGptConfig) {
    super();
    this.embed = new Embedding(ps.pp("wte"), cfg.vocab, cfg.dModel, { init: init.normal(0.1) });
    this.pos = new PositionalEmbedding(ps.pp("wpe"), cfg.maxLen, cfg.dModel, { init: init.normal(0.1) });
    this.block = new TransformerBlock(ps.pp("h.0"), {
      dModel: cfg.dModel,
      nHeads: cfg.nHeads,
      ffnHidden: cfg.ffnHidden,
      ffnKind: "gelu",
      norm: { kind: "layer" },
      normPlacement: "pre",
      ...(cfg.dropout ? { dropout: { p: cfg.dropout, rng: createRng(cfg.dropoutSeed ?? 0) } } : {}),
    });
    this.norm = new LayerNorm(ps.pp("ln_f"), cfg.dModel);
    this.head = new Linear(ps.pp("lm_head"), cfg.dModel, cfg.vocab, { bias: false });
  }
  /** ids [B·T] → logits [B, T, vocab] */
  override forward(ids: ArrayLike<number>, B: number, T: number): Variable {
    const h = this.pos.forward(this.embed.forward(ids, [B, T]));
    return this.head.forward(this.norm.forward(this.block.forward(h)));
  }
}

/**
 * Reverse task: [a b c d SEP d c b a]; only the positions predicting the reversed half count.
 * Token 0 = SEP, content tokens 1..vocab−1. The batch for a step depends only on (seed, step),
 * so a resumed run sees the same data as an uninterrupted one.
 */
export function reverseBatch(step: number, B: number, n: number, vocab: number, seed = 1): { ids: Int32Array; targets: Int32Array; T: number } {
  const rng = createRng(seed * 100003 + step);
  const T = 2 * n + 1;
  const ids = new Int32Array(B * T);
  const targets = new Int32Array(B * T).fill(-100);
  for (let b = 0; b < B; b++) {
    const seq = Array.from({ length: n }, () => 1 + rng.int(vocab - 1));
    const row = [...seq, 0, ...[...seq].reverse()];
    for (let t = 0; t < T; t++) ids[b * T + t] = row[t]!;
    // position t predicts token t + 1; count from SEP (index n) to the second-to-last
    for (let t = n; t < T - 1; t++) targets[b * T + t] = row[t + 1]!;
  }
  return { ids, targets, T };
}

export function lmLoss(model: TinyGpt, batch: { ids: Int32Array; targets: Int32Array; T: number }, B: number): Variable {
  return crossEntropyLoss(model.forward(batch.ids, B, batch.T), batch.targets);
}

export function xorBatch(): { x: Tensor; y: Int32Array } {
  return { x: Tensor.from(new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]), [4, 2]), y: new Int32Array([0, 1, 1, 0]) };
}

export { add };
