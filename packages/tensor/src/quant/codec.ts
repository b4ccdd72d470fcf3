/**
 * Every ggml type mini reads and writes: its reference encoder and decoder, by name: bytes (little-endian, block
 * layout as in the file) ↔ float32. These are the plain loops the fast kernels are checked against.
 */
import { bf16BitsToF32Array, f16BitsToF32Array, f32ToBf16Array, f32ToF16Array } from "../io/half.js";
import { ggmlTypeInfo, type GgmlType } from "./ggml-types.js";
import { dequantizeIQ4_NL, dequantizeIQ4_XS, quantizeIQ4_NL, quantizeIQ4_XS } from "./iq4.js";
import { dequantizeQ2_K, quantizeQ2_K } from "./q2_k.js";
import { dequantizeQ3_K, quantizeQ3_K } from "./q3_k.js";
import { dequantizeQ4_0, quantizeQ4_0 } from "./q4_0.js";
import { dequantizeQ4_1, quantizeQ4_1 } from "./q4_1.js";
import { dequantizeQ4_K, quantizeQ4_K } from "./q4_k.js";
import { dequantizeQ5_0, dequantizeQ5_1, quantizeQ5_0, quantizeQ5_1 } from "./q5.js";
import { dequantizeQ5_K, quantizeQ5_K } from "./q5_k.js";
import { dequantizeQ6_K, quantizeQ6_K } from "./q6_k.js";
import { dequantizeQ8_0, quantizeQ8_0 } from "./q8_0.js";

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** 16-bit little-endian words of `src` (a view when aligned on a little-endian machine, else a copy). */
function words(src: Uint8Array, n: number): Uint16Array {
  if (LITTLE_ENDIAN && src.byteOffset % 2 === 0) return new Uint16Array(src.buffer, src.byteOffset, n);
  const w = new Uint16Array(n);
  for (let i = 0; i < n; i++) w[i] = src[2 * i]! | (src[2 * i + 1]! << 8);
  return w;
}

/** Decodes n values of type t from `src` into `out`. */
export function dequantize(t: GgmlType, src: Uint8Array, n: number, out: Float32Array = new Float32Array(n)): Float32Array {
  checkLength(t, src.length, n, "dequantize");
  switch (t) {
    case "F32": {
      const dv = new DataView(src.buffer, src.byteOffset, n * 4);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true);
      return out;
    }
    case "F16": return f16BitsToF32Array(words(src, n), out);
    case "BF16": return bf16BitsToF32Array(words(src, n), out);
    case "Q8_0": return dequantizeQ8_0(src, n, out);
    case "Q4_0": return dequantizeQ4_0(src, n, out);
    case "Q4_K": return dequantizeQ4_K(src, n, out);
    case "Q6_K": return dequantizeQ6_K(src, n, out);
    case "Q4_1": return dequantizeQ4_1(src, n, out);
    case "Q5_0": return dequantizeQ5_0(src, n, out);
    case "Q5_1": return dequantizeQ5_1(src, n, out);
    case "Q5_K": return dequantizeQ5_K(src, n, out);
    case "IQ4_NL": return dequantizeIQ4_NL(src, n, out);
    case "Q3_K": return dequantizeQ3_K(src, n, out);
    case "Q2_K": return dequantizeQ2_K(src, n, out);
    case "IQ4_XS": return dequantizeIQ4_XS(src, n, out);
  }
}

/** Encodes float32 values as type t (x.length must be a whole number of blocks). */
export function quantize(t: GgmlType, x: Float32Array): Uint8Array {
  const info = ggmlTypeInfo(t);
  if (x.length % info.blockValues !== 0) throw new RangeError(`quantize ${t}: ${x.length} values are not a whole number of ${info.blockValues}-value blocks`);
  switch (t) {
    case "F32": {
      const out = new Uint8Array(x.length * 4);
      const dv = new DataView(out.buffer);
      for (let i = 0; i < x.length; i++) dv.setFloat32(i * 4, x[i]!, true);
      return out;
    }
    case "F16":
    case "BF16": {
      const h = t === "F16" ? f32ToF16Array(x) : f32ToBf16Array(x);
      const out = new Uint8Array(x.length * 2);
      for (let i = 0; i < h.length; i++) {
        out[2 * i] = h[i]! & 0xff;
        out[2 * i + 1] = h[i]! >>> 8;
      }
      return out;
    }
    case "Q8_0": return quantizeQ8_0(x);
    case "Q4_0": return quantizeQ4_0(x);
    case "Q4_K": return quantizeQ4_K(x);
    case "Q6_K": return quantizeQ6_K(x);
    case "Q4_1": return quantizeQ4_1(x);
    case "Q5_0": return quantizeQ5_0(x);
    case "Q5_1": return quantizeQ5_1(x);
    case "Q5_K": return quantizeQ5_K(x);
    case "IQ4_NL": return quantizeIQ4_NL(x);
    case "Q3_K": return quantizeQ3_K(x);
    case "Q2_K": return quantizeQ2_K(x);
    case "IQ4_XS": return quantizeIQ4_XS(x);
  }
}

function checkLength(t: GgmlType, bytes: number, n: number, op: string): void {
  const info = ggmlTypeInfo(t);
  if (n % info.blockValues !== 0) throw new RangeError(`${op} ${t}: ${n} values are not a whole number of ${info.blockValues}-value blocks`);
  const need = (n / info.blockValues) * info.blockBytes;
  if (bytes < need) throw new RangeError(`${op} ${t}: ${n} values need ${need} bytes, got ${bytes}`);
}

export { GGML_TYPES, GGML_TYPE_ID, ggmlTypeInfo, ggmlBytes, type GgmlType, type GgmlCompactType, type GgmlDecodedType, type GgmlTypeInfo } from "./ggml-types.js";
