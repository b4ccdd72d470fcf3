import type {} from "./webassembly-types.js";
import { heap } from "./heap.js";
import { wasmModules } from "./kernels.wasm.js";
import { memoryBuffer } from "./scratch.js";

/**
 * The WebAssembly SIMD kernels, instantiated synchronously at import time so they can be called
 * at once (no `await init()`). Each .wat file is its own module; all of them import the one
 * memory of heap.ts, so addresses mean the same thing everywhere.
 *
 * If instantiation fails (an engine without WASM SIMD), or MINI_NO_WASM=1 is set in the
 * environment, `wasmAvailable` is false and every kernel uses its JS fallback.
 * (Browsers refuse synchronous compilation of modules > 4 KiB on the main thread; there too the
 * JS fallback takes over, so use a worker for speed.)
 */

/** Exports of gemm.wat (byte addresses, strides in floats; see the .wat for the contracts). */
export interface GemmExports {
  gemm(
    M: number, N: number, K: number,
    a: number, rsA: number, csA: number,
    b: number, rsB: number, csB: number,
    c: number, alpha: number, beta: number,
    ap: number, bp: number, tile: number,
  ): void;
  MR: WebAssembly.Global;
  NR: WebAssembly.Global;
  KC: WebAssembly.Global;
  MC: WebAssembly.Global;
  NC: WebAssembly.Global;
}

/** Exports of gemv.wat (byte addresses). */
export interface GemvExports {
  gemvT(x: number, w: number, rows: number, K: number, out: number, alpha: number, beta: number): void;
  gemvN(x: number, b: number, K: number, N: number, out: number, alpha: number, beta: number, acc: number): void;
}

/** Exports of exp.wat (softmax family, silu/swiglu); 0 = "no such operand". */
export interface ExpExports {
  softmax(x: number, out: number, rows: number, cols: number, causalOffset: number, causalPeriod: number, window: number): void;
  logSoftmax(x: number, out: number, rows: number, cols: number): void;
  softmaxBackward(y: number, dy: number, dx: number, rows: number, cols: number): void;
  swiglu(gate: number, up: number, out: number, n: number): void;
  swigluBackward(gate: number, up: number, dy: number, dgate: number, dup: number, n: number): void;
}

/** Exports of norm.wat; 0 = "not given". */
export interface NormExports {
  rmsNorm(x: number, w: number, out: number, rows: number, cols: number, eps: number, rrms: number): void;
  /** stdEps = 1: RustGPT's eps outside the root, stat = σ instead of 1/√(var + eps). */
  layerNorm(x: number, w: number, b: number, out: number, rows: number, cols: number, eps: number, mean: number, stat: number, stdEps: number): void;
  rmsNormBackward(x: number, w: number, rrms: number, dy: number, dx: number, dw: number, rows: number, cols: number): void;
  layerNormBackward(
    x: number, w: number, mean: number, stat: number, dy: number, dx: number, dw: number, db: number, rows: number, cols: number, eps: number, stdEps: number,
  ): void;
}

/** Exports of elementwise.wat. */
export interface ElementwiseExports {
  add(a: number, b: number, out: number, n: number): void;
  sub(a: number, b: number, out: number, n: number): void;
  mul(a: number, b: number, out: number, n: number): void;
  axpy(alpha: number, x: number, y: number, n: number, accumulate: number): void;
}

/** Exports of rope.wat. */
export interface RopeExports {
  rope(x: number, out: number, seq: number, nHeads: number, headDim: number, cos: number, sin: number, interleaved: number, inverse: number): void;
}

/** Exports of adam.wat (byte addresses; the scalars as src/kernels/optim.ts computes them). */
export interface AdamExports {
  adamStep(
    p: number, g: number, m: number, v: number, n: number,
    beta1: number, beta2: number, c1: number, c2: number, stepSize: number, invBc2Sqrt: number, eps: number, l2: number, decay: number,
  ): void;
}

/** Exports of every module, by .wat file name. */
export interface WasmKernels {
  gemm: GemmExports;
  gemv: GemvExports;
  exp: ExpExports;
  norm: NormExports;
  elementwise: ElementwiseExports;
  rope: RopeExports;
  adam: AdamExports;
}

function decodeBase64(text: string): Uint8Array {
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

function disabledByEnv(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.["MINI_NO_WASM"] === "1";
}

function instantiate(): { kernels: WasmKernels | null; reason: string } {
  if (disabledByEnv()) return { kernels: null, reason: "disabled by MINI_NO_WASM=1" };
  try {
    const out: Record<string, WebAssembly.Exports> = {};
    for (const [name, b64] of Object.entries(wasmModules)) {
      const module = new WebAssembly.Module(decodeBase64(b64));
      // Every module imports the one memory; exp.wat also takes Math.log (one call per row).
      out[name] = new WebAssembly.Instance(module, { env: { memory: heap.memory, log: Math.log } }).exports;
    }
    return { kernels: out as unknown as WasmKernels, reason: "" };
  } catch (e) {
    return { kernels: null, reason: `WebAssembly SIMD unavailable (${(e as Error).message})` };
  }
}

const loaded = instantiate();

/** The instantiated kernels, or null when the JS fallbacks are in use. */
export const wasm: WasmKernels | null = loaded.kernels;

/** True when the WASM SIMD kernels loaded (false without SIMD support, or with MINI_NO_WASM=1). */
export const wasmAvailable: boolean = wasm !== null;

/** Why the WASM kernels are off ("" when they are on). */
export const wasmUnavailableReason: string = loaded.reason;

let enabled = wasmAvailable;

/**
 * When a kernel takes its WASM path: the kernels are on, and the job (n elements) is big enough
 * to pay for a call (~0.3 µs of marshalling, plus copies of operands not in the heap).
 */
export function useWasm(n: number, minN: number): boolean {
  return enabled && n >= minN;
}

/**
 * The same for memory-bound elementwise kernels (one flop per 8-12 bytes), where the copies in and
 * out of JS arrays cost about as much as the loop: WASM when every operand is already in the heap
 * (n ≥ 256), or for n ≥ 4096, where the SIMD loop wins even with the copies (measured ~3×).
 */
export function useWasmElementwise(n: number, ...arrays: Float32Array[]): boolean {
  if (!enabled || n < 256) return false;
  if (n >= 4096) return true;
  const buffer = memoryBuffer();
  for (const a of arrays) if (a.buffer !== buffer) return false;
  return true;
}

/** True when dispatching kernels should take their WASM path. */
export function wasmEnabled(): boolean {
  return enabled;
}

/**
 * Turns the WASM paths off (or back on, if available) for this process; returns the previous
 * setting. For benchmarks and tests that compare both paths in one run.
 */
export function setWasmEnabled(on: boolean): boolean {
  const previous = enabled;
  enabled = on && wasmAvailable;
  return previous;
}
