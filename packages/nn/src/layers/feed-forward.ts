import { gelu, relu, swiglu, type Variable } from "@mini/autograd";
import { ConfigError } from "../errors.js";
import type { Init } from "../init.js";
import { Module, at } from "../module.js";
import type { ParamSource } from "../param-source.js";
import { Linear } from "./linear.js";
import { asVariable, type Input } from "../input.js";

export type FeedForwardKind = "relu" | "gelu" | "swiglu";

export interface FeedForwardConfig {
  dModel: number;
  /** Width of the hidden layer. */
  hidden: number;
  /**
   * "relu" / "gelu" (tanh form): down(act(up(x))).
   * "swiglu" (Llama's gated MLP): down(silu(gate(x)) · up(x)).
   */
  kind: FeedForwardKind;
  /** Biases on the projections (default: true for relu/gelu, false for swiglu as in Llama). */
  bias?: boolean;
  /** Tensor names of the projections (defaults: HF Llama's gate_proj, up_proj, down_proj). */
  names?: { gate?: string; up?: string; down?: string };
  /** Weight init of every projection (default: PyTorch's Linear init). */
  init?: Init;
}

/** Position-wise MLP: x [..., dModel] → [..., dModel]. */
export class FeedForward extends Module {
  /** The ParamSource path this layer was built under (for error messages). */
  readonly path: string;
  readonly kind: FeedForwardKind;
  readonly gate: Linear | null; // [hidden, dModel], swiglu only
  readonly up: Linear; // [hidden, dModel]
  readonly down: Linear; // [dModel, hidden]

  constructor(ps: ParamSource, cfg: FeedForwardConfig) {
    super();
    this.path = ps.prefix;
    if (!["relu", "gelu", "swiglu"].includes(cfg.kind)) {
      throw new ConfigError(`FeedForward ${at(ps.prefix)}: kind must be "relu", "gelu" or "swiglu", got "${String(cfg.kind)}"`);
    }
    for (const f of ["dModel", "hidden"] as const) {
      if (!Number.isInteger(cfg[f]) || cfg[f] <= 0) throw new ConfigError(`FeedForward ${at(ps.prefix)}: ${f} must be a positive integer, got ${cfg[f]}`);
    }
    this.kind = cfg.kind;
    const bias = cfg.bias ?? cfg.kind !== "swiglu";
    const names = { gate: "gate_proj", up: "up_proj", down: "down_proj", ...cfg.names };
    const opts = { bias, ...(cfg.init ? { init: cfg.init } : {}) };
    this.gate = cfg.kind === "swiglu" ? new Linear(ps.pp(names.gate), cfg.dModel, cfg.hidden, opts) : null;
    this.up = new Linear(ps.pp(names.up), cfg.dModel, cfg.hidden, opts);
    this.down = new Linear(ps.pp(names.down), cfg.hidden, cfg.dModel, opts);
  }

  override forward(input: Input): Variable {
    const x = asVariable(input);
    const up = this.up.forward(x);
    const h = this.gate ? swiglu(this.gate.forward(x), up) : this.kind === "relu" ? relu(up) : gelu(up);
    return this.down.forward(h);
  }
}
