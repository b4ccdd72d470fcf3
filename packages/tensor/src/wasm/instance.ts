import { heap } from "./heap.js";
import { wasmModules } from "./kernels.wasm.js";

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

/** Exports of matmul.wat (byte addresses, strides in floats; see the .wat for the contracts). */
export interface MatmulExports {
  gemm(
    M: number, N: number, K: number,
    a: number, rsA: number, csA: number,
    b: number, rsB: number, csB: number,
    c: number, alpha: number, beta: number,
    ap: number, bp: number, tile: number,
  ): void;
  gemvT(x: number, w: number, rows: number, K: number, out: number, alpha: number, beta: number): void;
  gemvN(x: number, b: number, K: number, N: number, out: number, alpha: number, beta: number, acc: number): void;
  MR: WebAssembly.Global;
  NR: WebAssembly.Global;
  KC: WebAssembly.Global;
  MC: WebAssembly.Global;
  NC: WebAssembly.Global;
}

/** Exports of every module, by .wat file name. */
export interface WasmKernels {
  matmul: MatmulExports;
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
      out[name] = new WebAssembly.Instance(module, { env: { memory: heap.memory } }).exports;
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
