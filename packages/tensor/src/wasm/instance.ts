import type {} from "./webassembly-types.js";
import { heap } from "./heap.js";
import { relaxedWasmModules, wasmModules } from "./kernels.wasm.js";
import { memoryBuffer } from "./scratch.js";
import { relaxedDotWorks, relaxedKernelsWork, relaxedMaddFuses } from "./relaxed-probe.js";
import { unshareMemoryImports } from "./unshare.js";
import type { WasmKernels } from "./exports.js";

export type {
  AdamExports, AttentionExports, CompactExports, ElementwiseExports, ExpExports, GemmExports, GemvExports, KquantExports, NormExports,
  RelaxedDotExports, RopeExports, StreamExports, WasmKernels,
} from "./exports.js";

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
 * True when, besides, relaxeddot.wat's int8 dot products give the exact answers on the probe's
 * blocks (relaxed-probe.ts; where they do not, the relaxed variants are used for their fused
 * multiply-add and Q8_0 / Q4_0 keep compact.wat's products).
 */
export const relaxedDotSupported: boolean =
  relaxedSimdSupported && relaxedDotWorks(new WebAssembly.Module(moduleBytes(relaxedWasmModules["relaxeddot"]!)), heap.shared);

/**
 * True when, besides, gemm.wat's relaxed variant fuses each multiply-add (one rounding: relaxed-probe.ts).
 * Only then is that variant used; otherwise gemm keeps SIMD128 (mul, then add) with the other relaxed modules.
 */
export const relaxedGemmFuses: boolean =
  relaxedSimdSupported && relaxedMaddFuses(new WebAssembly.Module(moduleBytes(relaxedWasmModules["gemm"]!)), heap.shared);

/**
 * Compiles every kernel module, taking the relaxed-SIMD variant where there is one if `relaxed`
 * (gemm's only where it fuses). The kernel pool instantiates the same compiled modules in its workers.
 */
export function compileKernels(relaxed: boolean): Record<string, WebAssembly.Module> {
  const out: Record<string, WebAssembly.Module> = {};
  for (const [name, b64] of Object.entries(wasmModules)) {
    const chosen = relaxed && (name !== "gemm" || relaxedGemmFuses) ? (relaxedWasmModules[name] ?? b64) : b64;
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

/**
 * True when the f32 matrix products in use (gemm.wat: every A·B with M, N ≥ 2, PackedTransB,
 * grouped products) sum with a fused multiply-add, one rounding per term, instead of mul then add.
 * gemv.wat (M = 1 or N = 1, memory-bound) is the same in both variants.
 */
export const fusedGemm: boolean = loaded.relaxed && relaxedGemmFuses;

let relaxedDotOn = loaded.relaxed && relaxedDotSupported;

/** True when Q8_0 / Q4_0 products take relaxeddot.wat's int8 dot products (the relaxed kernels are in use and the probe passed). */
export function relaxedDot(): boolean {
  return relaxedDotOn;
}

/**
 * Turns relaxeddot.wat's products off (compact.wat's SIMD128 integer products instead) or back on
 * where supported; returns the previous setting. Both give the same results bit for bit: for tests
 * and benchmarks that compare them in one process.
 */
export function setRelaxedDot(on: boolean): boolean {
  const previous = relaxedDotOn;
  relaxedDotOn = on && loaded.relaxed && relaxedDotSupported;
  return previous;
}

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
