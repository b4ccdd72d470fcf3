import { add, type Variable } from "@mini/autograd";
import type { Rng } from "@mini/tensor";
import { ConfigError } from "../errors.js";
import type { Init } from "../init.js";
import { Module, at } from "../module.js";
import type { ParamSource } from "../param-source.js";
import { CausalSelfAttention, type AttentionConfig, type AttentionInputs } from "./attention.js";
import { Dropout } from "./dropout.js";
import { FeedForward, type FeedForwardKind } from "./feed-forward.js";
import { LayerNorm } from "./layer-norm.js";
import { RMSNorm } from "./rms-norm.js";
import { asVariable, type Input } from "../input.js";

export type NormConfig =
  | { kind: "rms"; eps?: number }
  | { kind: "layer"; eps?: number; bias?: boolean; epsPlacement?: "inside" | "outside" };

export interface TransformerBlockConfig extends Omit<AttentionConfig, "names" | "init"> {
  /** FFN hidden width. */
  ffnHidden: number;
  ffnKind: FeedForwardKind;
  /** Biases in the FFN (default: true for relu/gelu, false for swiglu). */
  ffnBias?: boolean;
  norm: NormConfig;
  /**
   * "pre" (GPT-2, Llama): x + attn(norm1(x)), then + ffn(norm2(·)).
   * "post" (original Transformer, RustGPT): norm1(x + attn(x)), then norm2(· + ffn(·)).
   */
  normPlacement: "pre" | "post";
  /** Residual dropout after attention and after the FFN (training mode only). */
  dropout?: { p: number; rng: Rng };
  /** Tensor names (defaults: HF Llama's self_attn, mlp, input_layernorm, post_attention_layernorm). */
  names?: { attn?: string; mlp?: string; norm1?: string; norm2?: string; attnNames?: AttentionConfig["names"] };
  /** Weight init of every projection (default: PyTorch's Linear init). */
  init?: Init;
}

/** One transformer layer: attention and FFN sub-blocks with residuals. x [B, T, dModel] → same. */
export class TransformerBlock extends Module {
  /** The ParamSource path this layer was built under (for error messages). */
  readonly path: string;
  readonly attn: CausalSelfAttention;
  readonly mlp: FeedForward;
  readonly norm1: LayerNorm | RMSNorm;
  readonly norm2: LayerNorm | RMSNorm;
  readonly dropout: Dropout | null;
  readonly normPlacement: "pre" | "post";

  constructor(ps: ParamSource, cfg: TransformerBlockConfig) {
    super();
    this.path = ps.prefix;
    if (cfg.normPlacement !== "pre" && cfg.normPlacement !== "post") {
      throw new ConfigError(`TransformerBlock ${at(ps.prefix)}: normPlacement must be "pre" or "post", got "${String(cfg.normPlacement)}"`);
    }
    this.normPlacement = cfg.normPlacement;
    const n = { attn: "self_attn", mlp: "mlp", norm1: "input_layernorm", norm2: "post_attention_layernorm", ...cfg.names };
    const init = cfg.init ? { init: cfg.init } : {};
    this.norm1 = makeNorm(ps.pp(n.norm1), cfg.dModel, cfg.norm);
    this.attn = new CausalSelfAttention(ps.pp(n.attn), { ...cfg, names: n.attnNames, ...init });
    this.norm2 = makeNorm(ps.pp(n.norm2), cfg.dModel, cfg.norm);
    this.mlp = new FeedForward(ps.pp(n.mlp), {
      dModel: cfg.dModel,
      hidden: cfg.ffnHidden,
      kind: cfg.ffnKind,
      ...(cfg.ffnBias !== undefined ? { bias: cfg.ffnBias } : {}),
      ...init,
    });
    this.dropout = cfg.dropout && cfg.dropout.p > 0 ? new Dropout(cfg.dropout.p, cfg.dropout.rng) : null;
  }

  override forward(input: Input, inputs: AttentionInputs = {}): Variable {
    const x = asVariable(input);
    if (this.normPlacement === "pre") {
      const h = add(x, this.drop(this.attn.forward(this.norm1.forward(x), inputs)));
      return add(h, this.drop(this.mlp.forward(this.norm2.forward(h))));
    }
    const h = this.norm1.forward(add(x, this.drop(this.attn.forward(x, inputs))));
    return this.norm2.forward(add(h, this.drop(this.mlp.forward(h))));
  }

  /** Residual dropout (identity without it, or in eval mode). */
  private drop(h: Variable): Variable {
    return this.dropout ? this.dropout.forward(h) : h;
  }
}

function makeNorm(ps: ParamSource, dim: number, cfg: NormConfig): LayerNorm | RMSNorm {
  if (cfg.kind === "rms") return new RMSNorm(ps, dim, cfg.eps !== undefined ? { eps: cfg.eps } : {});
  if (cfg.kind === "layer") return new LayerNorm(ps, dim, cfg);
  throw new ConfigError(`TransformerBlock ${at(ps.prefix)}: norm.kind must be "rms" or "layer", got "${String((cfg as { kind: unknown }).kind)}"`);
}
