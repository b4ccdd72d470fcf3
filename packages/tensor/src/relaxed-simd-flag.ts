/**
 * Turning on Node 20's relaxed SIMD (fused multiply-add, int8 dot products) before any kernel
 * compiles. Node ≥ 22 and current browsers ship it; Node 20 keeps it behind
 * `--experimental-wasm-relaxed-simd`, and V8 reads that flag when a module compiles, so an app
 * calls this from its first import, before @mini/tensor's index compiles its kernels (this entry,
 * `@mini/tensor/relaxed-simd`, imports none of them). The flag is process-wide: worker threads
 * started afterwards (the kernel pool, an app's own worker) compile with it too. The start-up
 * probe (wasm/relaxed-probe.ts) still checks the relaxed kernels' answers and keeps the SIMD128
 * ones where they are wrong (Node 20's i32x4 int8 dot is), so the flag only adds speed.
 * MINI_NO_RELAXED_SIMD=1 (or MINI_NO_WASM=1) leaves it off, as @mini/tensor then does.
 */
import { setFlagsFromString } from "node:v8";

/** (func (param v128 v128 v128) (result v128) f32x4.relaxed_madd): validates only with relaxed SIMD. */
const RELAXED_MADD_MODULE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2, 253, 133, 2, 11,
]);

const RELAXED_SIMD_FLAG = "--experimental-wasm-relaxed-simd";

/**
 * Sets V8's relaxed-SIMD flag when this runtime is Node 20 without it (and the environment does
 * not turn relaxed SIMD or WASM off). Returns whether relaxed SIMD now validates.
 */
export function enableRelaxedSimd(): boolean {
  if (typeof WebAssembly === "undefined") return false;
  const off = process.env["MINI_NO_RELAXED_SIMD"] === "1" || process.env["MINI_NO_WASM"] === "1";
  if (!off && !WebAssembly.validate(RELAXED_MADD_MODULE) && Number(process.versions.node.split(".")[0]) === 20) setFlagsFromString(RELAXED_SIMD_FLAG);
  return WebAssembly.validate(RELAXED_MADD_MODULE);
}
