/**
 * Turns on Node 20's relaxed SIMD (fused multiply-add, int8 dot products) before any WebAssembly
 * compiles. Node ≥ 22 and current browsers ship it; Node 20 keeps it behind
 * `--experimental-wasm-relaxed-simd`, and V8 reads that flag when a module compiles, so setting it
 * here (imported first by the CLI's entry, before @mini/tensor) lets @mini/tensor's start-up probe
 * choose those kernels. The probe checks their answers on hand-made blocks and keeps the SIMD128
 * kernels where they are wrong (Node 20's i32x4 int8 dot is), so the flag only adds speed.
 * MINI_NO_RELAXED_SIMD=1 (or MINI_NO_WASM=1) leaves it off, as @mini/tensor then does.
 */
import { setFlagsFromString } from "node:v8";

/** (func (param v128 v128 v128) (result v128) f32x4.relaxed_madd): validates only with relaxed SIMD. */
const RELAXED_MADD_MODULE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2, 253, 133, 2, 11,
]);

const RELAXED_SIMD_FLAG = "--experimental-wasm-relaxed-simd";

const off = process.env["MINI_NO_RELAXED_SIMD"] === "1" || process.env["MINI_NO_WASM"] === "1";

/** Whether this runtime needs the flag: it has WebAssembly but does not validate relaxed SIMD yet. */
const relaxedSimdNeedsFlag: boolean = typeof WebAssembly !== "undefined" && !WebAssembly.validate(RELAXED_MADD_MODULE);

if (!off && relaxedSimdNeedsFlag && Number(process.versions.node.split(".")[0]) === 20) setFlagsFromString(RELAXED_SIMD_FLAG);
