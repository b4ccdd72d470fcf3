import type { Rng } from "@mini/tensor";
import { ConfigError, fmtShape } from "./errors.js";

/**
 * Parameter initialisers, after PyTorch's `torch.nn.init` (same formulas for fans and gains).
 *
 * An `Init` fills a fresh parameter from the seeded generator of a `ParamSource`, in row-major
 * order, so the same seed and the same model code give the same parameters bit for bit.
 *
 *   const w = ps.get("weight", [out, inp], init.xavierUniform());
 */
export interface Init {
  /** For error messages and logs: "normal(0, 0.02)". */
  readonly description: string;
  /** Writes `out.length` values for a parameter of `shape` drawing from `rng`. */
  fill(out: Float32Array, shape: readonly number[], rng: Rng): void;
}

/** Nonlinearities with a recommended gain (PyTorch `calculate_gain`). */
export type Nonlinearity = "linear" | "sigmoid" | "tanh" | "relu" | "leaky_relu" | "selu";

/** PyTorch's `calculate_gain`: the factor that keeps activations' variance through the nonlinearity. */
export function gain(nonlinearity: Nonlinearity, negativeSlope = 0.01): number {
  switch (nonlinearity) {
    case "linear":
    case "sigmoid":
      return 1;
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.SQRT2;
    case "leaky_relu":
      return Math.sqrt(2 / (1 + negativeSlope * negativeSlope));
    case "selu":
      return 3 / 4;
    default:
      throw new ConfigError(`init.gain: unknown nonlinearity "${String(nonlinearity)}"`);
  }
}

/**
 * fan_in and fan_out of a weight of shape [out, in, ...receptive] (PyTorch convention, which is
 * also the HF Linear layout [out, in]). Needs at least 2 dims, as PyTorch does.
 */
export function fans(shape: readonly number[], who = "init"): { fanIn: number; fanOut: number } {
  if (shape.length < 2) {
    throw new ConfigError(`${who}: fan in/out need a parameter with at least 2 dims ([out, in, ...]), got ${fmtShape(shape)}`);
  }
  let receptive = 1;
  for (let i = 2; i < shape.length; i++) receptive *= shape[i]!;
  return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
}

function fillNormal(out: Float32Array, rng: Rng, mean: number, std: number): void {
  for (let i = 0; i < out.length; i++) out[i] = mean + std * rng.normal();
}

function fillUniform(out: Float32Array, rng: Rng, low: number, high: number): void {
  const w = high - low;
  for (let i = 0; i < out.length; i++) out[i] = low + w * rng.uniform();
}

function positive(who: string, what: string, v: number): number {
  if (!(Number.isFinite(v) && v >= 0)) throw new ConfigError(`${who}: ${what} must be a finite number ≥ 0, got ${v}`);
  return v;
}

/** Every value equal to `value`. */
export function constant(value: number): Init {
  return { description: `constant(${value})`, fill: (out) => out.fill(value) };
}

/** All zeros (biases, LayerNorm bias). */
export function zeros(): Init {
  return { description: "zeros", fill: (out) => out.fill(0) };
}

/** All ones (norm weights). */
export function ones(): Init {
  return { description: "ones", fill: (out) => out.fill(1) };
}

/** Normal(mean, std²); GPT-2 and HF models use std 0.02. */
export function normal(std = 1, mean = 0): Init {
  positive("init.normal", "std", std);
  return { description: `normal(${mean}, ${std})`, fill: (out, _s, rng) => fillNormal(out, rng, mean, std) };
}

/** Uniform in [low, high). */
export function uniform(low = 0, high = 1): Init {
  if (!(low <= high)) throw new ConfigError(`init.uniform: need low ≤ high, got low=${low}, high=${high}`);
  return { description: `uniform(${low}, ${high})`, fill: (out, _s, rng) => fillUniform(out, rng, low, high) };
}

/** Glorot/Xavier uniform: U(−a, a), a = gain·√(6 / (fan_in + fan_out)). */
export function xavierUniform(g = 1): Init {
  positive("init.xavierUniform", "gain", g);
  return {
    description: `xavierUniform(gain=${g})`,
    fill(out, shape, rng) {
      const { fanIn, fanOut } = fans(shape, "init.xavierUniform");
      const a = g * Math.sqrt(6 / (fanIn + fanOut));
      fillUniform(out, rng, -a, a);
    },
  };
}

/** Glorot/Xavier normal: N(0, std²), std = gain·√(2 / (fan_in + fan_out)). */
export function xavierNormal(g = 1): Init {
  positive("init.xavierNormal", "gain", g);
  return {
    description: `xavierNormal(gain=${g})`,
    fill(out, shape, rng) {
      const { fanIn, fanOut } = fans(shape, "init.xavierNormal");
      fillNormal(out, rng, 0, g * Math.sqrt(2 / (fanIn + fanOut)));
    },
  };
}

/** Options of the He/Kaiming initialisers (PyTorch defaults: a = 0, fan_in, leaky_relu). */
export interface KaimingOptions {
  /** Negative slope of the leaky ReLU that follows (only used with nonlinearity "leaky_relu"). */
  a?: number;
  mode?: "fanIn" | "fanOut";
  nonlinearity?: Nonlinearity;
}

function kaimingStd(who: string, shape: readonly number[], opts: KaimingOptions): number {
  const { fanIn, fanOut } = fans(shape, who);
  const fan = (opts.mode ?? "fanIn") === "fanIn" ? fanIn : fanOut;
  return gain(opts.nonlinearity ?? "leaky_relu", opts.a ?? 0) / Math.sqrt(fan);
}

/** He/Kaiming uniform: U(−b, b), b = √3 · gain / √fan. With a = √5 it is PyTorch's default Linear init, U(±1/√fan_in). */
export function kaimingUniform(opts: KaimingOptions = {}): Init {
  return {
    description: `kaimingUniform(${JSON.stringify(opts)})`,
    fill(out, shape, rng) {
      const b = Math.sqrt(3) * kaimingStd("init.kaimingUniform", shape, opts);
      fillUniform(out, rng, -b, b);
    },
  };
}

/** He/Kaiming normal: N(0, std²), std = gain / √fan. */
export function kaimingNormal(opts: KaimingOptions = {}): Init {
  return {
    description: `kaimingNormal(${JSON.stringify(opts)})`,
    fill(out, shape, rng) {
      fillNormal(out, rng, 0, kaimingStd("init.kaimingNormal", shape, opts));
    },
  };
}
