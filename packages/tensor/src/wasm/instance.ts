import type {} from "./webassembly-types.js";
import { heap } from "./heap.js";
import { relaxedWasmModules, wasmModules } from "./kernels.wasm.js";
import { memoryBuffer } from "./scratch.js";
import { relaxedKernelsWork } from "./relaxed-probe.js";
import { unshareMemoryImports } from "./unshare.js";

/**
 * The WebAssembly SIMD kernels, instantiated synchronously at import time so they can be called
 * at once (no `await init()`). Each .wat file is its own module; all of them import the one
 * memory of heap.ts, so addresses mean the same thing everywhere.
 *
 * If instantiation fails (an engine without WASM SIMD), or MINI_NO_WASM=1 is set in the
 * environment, `wasmAvailable` is false and every kernel uses its JS fallback.
 *
 * Relaxed SIMD (fused multiply-add, int8 dot products) is detected here, once: where the engine
 * validates a module's relaxed variant (Node ≥ 22, current browsers, Node 20 with
 * --experimental-wasm-relaxed-simd) that variant is used, unless MINI_NO_RELAXED_SIMD=1. The
 * SIMD128 variant stays the fallback, and tests instantiate both (`compileKernels(relaxed)`).
 * (Browsers refuse synchronous compilation of modules > 4 KiB on the main thread; there too the
 * JS fallback takes over, so use a worker for speed.)
 */

/** Exports of gemm.wat (byte addresses, strides in floats; see the .wat for the contracts). */
export interface GemmExports {
  gemm(
    M: number, N: number, K: number,
    a: number, rsA: number, csA: number,
    b: number, rsB: number, csB: number,
    c: number, ldc: number, alpha: number, beta: number,
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
  zeroSegments(table: number, count: number): void;
}

/** Exports of rope.wat. */
export interface RopeExports {
  rope(x: number, out: number, seq: number, nHeads: number, headDim: number, cos: number, sin: number, interleaved: number, inverse: number): void;
}

/** Exports of attention.wat (byte addresses; see the .wat for the cache layout and the contract). */
export interface AttentionExports {
  attention(
    q: number, out: number, nQ: number, pos0: number, h0: number, h1: number, nHeads: number, nKv: number, hd: number,
    keys: number, values: number, blockSize: number, table: number, window: number, scale: number, scores: number,
  ): void;
}

/** Exports of adam.wat (byte addresses; the scalars as src/kernels/optim.ts computes them). */
export interface AdamExports {
  adamStep(
    p: number, g: number, m: number, v: number, n: number,
    beta1: number, beta2: number, c1: number, c2: number, stepSize: number, invBc2Sqrt: number, eps: number, l2: number, decay: number,
  ): void;
  adamSteps(
    table: number, count: number,
    beta1: number, beta2: number, c1: number, c2: number, stepSize: number, invBc2Sqrt: number, eps: number, l2: number, decay: number,
  ): void;
}

/**
 * Exports of compact.wat: products with weights kept compact (src/compact/blocks.ts has the
 * layouts). Each dot* computes out[m·ldo + r] = Σ_k x[m, k]·W[r, k] for r < rows, m < M.
 */
export interface CompactExports {
  /** x f32 [M, K] (row stride K), W bf16 / f16 [rows, K] (row stride 2K bytes) */
  dotBf16(x: number, M: number, K: number, w: number, rows: number, out: number, ldo: number): void;
  dotF16(x: number, M: number, K: number, w: number, rows: number, out: number, ldo: number): void;
  /** xq, xd: activations quantized by quantizeActs16 (nb blocks a row), W Q8_0 / Q4_0 [rows, nb blocks] */
  dotQ8_0(xq: number, xd: number, M: number, nb: number, w: number, rows: number, out: number, ldo: number): void;
  dotQ4_0(xq: number, xd: number, M: number, nb: number, w: number, rows: number, out: number, ldo: number): void;
  /** x f32 [M, K] → q i16 [M, nb, 32] at xq and d f32 [M, nb] at xd (zero-padded past K) */
  quantizeActs16(x: number, M: number, K: number, xq: number, xd: number): void;
  /** bf16 / f16 [n] → f32 [n] (embedding rows; panels of W for the f32 gemm) */
  widenBf16(w: number, n: number, out: number): void;
  widenF16(w: number, n: number, out: number): void;
}

/**
 * Exports of kquant.wat: products with weights in llama.cpp's Q4_K / Q6_K super-blocks [rows, nsb]
 * (src/quant/q4_k.ts, q6_k.ts; nsb = K/256), against activations quantized by quantizeActsK (nsb
 * blocks a row, src/compact/kquant.ts). Each computes out[m·ldo + r] = Σ_k x[m, k]·W[r, k].
 */
export interface KquantExports {
  dotQ4_K(xq: number, M: number, nsb: number, w: number, rows: number, out: number, ldo: number): void;
  dotQ6_K(xq: number, M: number, nsb: number, w: number, rows: number, out: number, ldo: number): void;
  /** x f32 [M, K] (K a multiple of 256) → xq: M rows of K/256 activation blocks */
  quantizeActsK(x: number, M: number, K: number, xq: number): void;
}

/** Exports of stream.wat (the bandwidth probe of the benchmarks). */
export interface StreamExports {
  readStream(p: number, bytes: number): number;
}

/** Exports of every module, by .wat file name. */
export interface WasmKernels {
  stream: StreamExports;
  compact: CompactExports;
  kquant: KquantExports;
  gemm: GemmExports;
  gemv: GemvExports;
  exp: ExpExports;
  norm: NormExports;
  elementwise: ElementwiseExports;
  rope: RopeExports;
  adam: AdamExports;
  attention: AttentionExports;
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

function envFlag(name: string): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.[name] === "1";
}

/** The module bytes for this heap: the shared-memory flag cleared when the heap is not shared. */
function moduleBytes(b64: string): Uint8Array {
  const bytes = decodeBase64(b64);
  return heap.shared ? bytes : unshareMemoryImports(bytes);
}

/** True when this engine validates the relaxed-SIMD variants (checked once, at import). */
export const relaxedSimdValidates: boolean = Object.values(relaxedWasmModules).every((b64) => {
  try {
    return WebAssembly.validate(moduleBytes(b64));
  } catch {
    return false;
  }
});

/**
 * True when the relaxed variants validate AND compute what they should on a few hand-made
 * blocks (relaxed-probe.ts: Node 20's experimental relaxed dot product is wrong).
 */
export const relaxedSimdSupported: boolean =
  relaxedSimdValidates && relaxedKernelsWork(new WebAssembly.Module(moduleBytes(relaxedWasmModules["compact"]!)), heap.shared);

/**
 * Compiles every kernel module, taking the relaxed-SIMD variant where there is one if `relaxed`.
 * The kernel pool instantiates the same compiled modules in its workers.
 */
export function compileKernels(relaxed: boolean): Record<string, WebAssembly.Module> {
  const out: Record<string, WebAssembly.Module> = {};
  for (const [name, b64] of Object.entries(wasmModules)) {
    const chosen = relaxed ? (relaxedWasmModules[name] ?? b64) : b64;
    out[name] = new WebAssembly.Module(moduleBytes(chosen));
  }
  return out;
}

/** Instantiates compiled kernel modules on the heap's memory. */
export function instantiateKernels(modules: Record<string, WebAssembly.Module>): WasmKernels {
  const out: Record<string, WebAssembly.Exports> = {};
  for (const [name, module] of Object.entries(modules)) {
    // Every module imports the one memory; exp.wat also takes Math.log (one call per row).
    out[name] = new WebAssembly.Instance(module, { env: { memory: heap.memory, log: Math.log } }).exports;
  }
  return out as unknown as WasmKernels;
}

interface Loaded {
  kernels: WasmKernels | null;
  modules: Record<string, WebAssembly.Module>;
  relaxed: boolean;
  reason: string;
}

function instantiate(): Loaded {
  if (disabledByEnv()) return { kernels: null, modules: {}, relaxed: false, reason: "disabled by MINI_NO_WASM=1" };
  try {
    const relaxed = relaxedSimdSupported && !envFlag("MINI_NO_RELAXED_SIMD");
    const modules = compileKernels(relaxed);
    return { kernels: instantiateKernels(modules), modules, relaxed, reason: "" };
  } catch (e) {
    return { kernels: null, modules: {}, relaxed: false, reason: `WebAssembly SIMD unavailable (${(e as Error).message})` };
  }
}

const loaded = instantiate();

/** The compiled modules behind `wasm` (the kernel pool instantiates them in its workers). */
export const wasmKernelModules: Readonly<Record<string, WebAssembly.Module>> = loaded.modules;

/** True when the kernels in use are the relaxed-SIMD variants. */
export const relaxedSimd: boolean = loaded.relaxed;

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
