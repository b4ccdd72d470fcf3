import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from "../io/half.js";
import { dequantizeRowQ4_0, dequantizeRowQ8_0, quantizeRowQ4_0, quantizeRowQ8_0 } from "./blocks.js";
import { rowBytes, type WeightDtype } from "./dtype.js";
import { encodeBf16Rows, encodeF16Rows, encodeQ8_0Rows, f16RefusalMessage } from "./encode-f32.js";
import { encodeWithWasm } from "./encode-wasm.js";
import { checkKQuantRow, dequantizeKQuantRow, isKQuant, quantizeKQuantRow } from "./kquant.js";

/**
 * Float32 weights W [rows, K] ↔ the bytes of a compact dtype (dtype.ts), row after row.
 * f16 refuses values it cannot hold (|w| > 65504, inf, NaN), naming the tensor: compact.wat's
 * f16 path widens finite halves only, and a silently infinite weight would poison every logit.
 */

/** Encodes W [rows, K] (float32, row-major) as `dtype` bytes. `name` is used in errors. */
export function encodeWeights(w: ArrayLike<number>, rows: number, K: number, dtype: WeightDtype, name: string): Uint8Array {
  const out = new Uint8Array(rows * rowBytes(dtype, K));
  encodeWeightsInto(w, rows, K, dtype, name, out);
  return out;
}

/**
 * Encodes W [rows, K] into `out` (rows·rowBytes(dtype, K) bytes, e.g. a weight's place in the WASM
 * heap). `firstRow` only shifts the row numbers of error messages (a piece of a larger matrix).
 */
export function encodeWeightsInto(w: ArrayLike<number>, rows: number, K: number, dtype: WeightDtype, name: string, out: Uint8Array, firstRow = 0): void {
  if (w.length < rows * K) throw new Error(`${name}: ${w.length} values, [${rows}, ${K}] needs ${rows * K}`);
  if (isKQuant(dtype)) checkKQuantRow(dtype, K, name);
  const rb = rowBytes(dtype, K);
  if (out.length < rows * rb) throw new Error(`${name}: ${out.length} bytes to encode into, ${dtype} [${rows}, ${K}] needs ${rows * rb}`);
  if (dtype === "f32") {
    new Float32Array(out.buffer, out.byteOffset, rows * K).set(w instanceof Float32Array ? w.subarray(0, rows * K) : (Array.prototype.slice.call(w, 0, rows * K) as number[]));
    return;
  }
  const u16 = dtype === "bf16" || dtype === "f16" ? new Uint16Array(out.buffer, out.byteOffset, rows * K) : null;
  if (w instanceof Float32Array && dtype === "q4_0" && encodeWithWasm(w, rows, K, dtype, name, out, firstRow)) return;
  if (w instanceof Float32Array && (dtype === "bf16" || dtype === "f16" || dtype === "q8_0")) {
    if (encodeWithWasm(w, rows, K, dtype, name, out, firstRow)) return;
    if (dtype === "bf16") encodeBf16Rows(w, rows * K, u16!);
    else if (dtype === "f16") encodeF16Rows(w, rows, K, u16!, name, firstRow);
    else encodeQ8_0Rows(w, rows, K, out);
    return;
  }
  encodeRowsReference(w, rows, K, dtype, name, out, firstRow);
}

/**
 * The per-value loop of encodeWeightsInto (checks done): the readable reference its float32 fast
 * paths (encode-f32.ts) must equal byte for byte, and the path for every other source and dtype.
 */
export function encodeRowsReference(w: ArrayLike<number>, rows: number, K: number, dtype: Exclude<WeightDtype, "f32">, name: string, out: Uint8Array, firstRow = 0): void {
  const rb = rowBytes(dtype, K);
  const u16 = dtype === "bf16" || dtype === "f16" ? new Uint16Array(out.buffer, out.byteOffset, rows * K) : null;
  for (let r = 0; r < rows; r++) {
    const row = r * K;
    if (dtype === "bf16") for (let k = 0; k < K; k++) u16![row + k] = f32ToBf16(w[row + k]!);
    else if (dtype === "f16") {
      for (let k = 0; k < K; k++) {
        const v = w[row + k]!;
        if (!(Math.abs(v) <= 65504)) throw new Error(f16RefusalMessage(name, firstRow + r, k, v));
        u16![row + k] = f32ToF16(v);
      }
    } else {
      const x = sliceRow(w, row, K);
      if (dtype === "q8_0") quantizeRowQ8_0(x, K, out, r * rb);
      else if (dtype === "q4_0") quantizeRowQ4_0(x, K, out, r * rb);
      else quantizeKQuantRow(dtype, x, K, out, r * rb);
    }
  }
}

function sliceRow(w: ArrayLike<number>, start: number, K: number): ArrayLike<number> {
  return w instanceof Float32Array || w instanceof Float64Array ? w.subarray(start, start + K) : Array.prototype.slice.call(w, start, start + K);
}

/** Row r of `dtype` bytes (K weights a row) as float32 into out [K] (the embedding gather). */
export function decodeRow(bytes: Uint8Array, dtype: WeightDtype, K: number, r: number, out: Float32Array = new Float32Array(K), outOffset = 0): Float32Array {
  const rb = rowBytes(dtype, K);
  const p = r * rb;
  switch (dtype) {
    case "f32":
      out.set(new Float32Array(bytes.buffer.slice(bytes.byteOffset + p, bytes.byteOffset + p + rb)), outOffset);
      break;
    case "bf16":
    case "f16": {
      const widen = dtype === "bf16" ? bf16ToF32 : f16ToF32;
      for (let k = 0; k < K; k++) out[outOffset + k] = widen(bytes[p + 2 * k]! | (bytes[p + 2 * k + 1]! << 8));
      break;
    }
    case "q8_0":
      dequantizeRowQ8_0(bytes, p, K, out, outOffset);
      break;
    case "q4_0":
      dequantizeRowQ4_0(bytes, p, K, out, outOffset);
      break;
    case "q4_k":
    case "q5_k":
    case "q6_k":
      dequantizeKQuantRow(dtype, bytes, p, K, out, outOffset);
      break;
  }
  return out;
}
