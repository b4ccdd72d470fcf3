import { Q4_0, Q8_0, blocksPerRow } from "./blocks.js";
import { checkKQuantRow, KQUANT_BYTES, SUPER_BLOCK } from "./kquant.js";

/**
 * The dtypes a weight matrix can be kept in (the `dtype` load option, `--dtype` on the CLIs):
 *   f32          4 bytes a weight
 *   bf16, f16    2 bytes, widened to f32 in the kernel's registers
 *   q8_0, q4_0   34 / 18 bytes per block of 32 weights (8.5 / 4.5 bits a weight; blocks.ts)
 *   q4_k, q5_k, q6_k  144 / 176 / 210 bytes per super-block of 256 weights (4.5 / 5.5 / 6.5625 bits a weight;
 *                kquant.ts), rows of whole super-blocks only
 */
export type WeightDtype = "f32" | "bf16" | "f16" | "q8_0" | "q4_0" | "q4_k" | "q5_k" | "q6_k";

export const WEIGHT_DTYPES: readonly WeightDtype[] = ["f32", "bf16", "f16", "q8_0", "q4_0", "q4_k", "q5_k", "q6_k"];

/** Parses a dtype name (case-insensitive); `what` names the option for the error message. */
export function parseWeightDtype(text: string, what = "dtype"): WeightDtype {
  const d = text.toLowerCase();
  if ((WEIGHT_DTYPES as readonly string[]).includes(d)) return d as WeightDtype;
  throw new Error(`${what}: expected one of ${WEIGHT_DTYPES.join(", ")}, got "${text}"`);
}

/** Bytes of one row of K weights (a K-quant refuses K not a multiple of 256: KQuantRowError). */
export function rowBytes(dtype: WeightDtype, K: number): number {
  switch (dtype) {
    case "f32":
      return 4 * K;
    case "bf16":
    case "f16":
      return 2 * K;
    case "q8_0":
      return blocksPerRow(K) * Q8_0.blockBytes;
    case "q4_0":
      return blocksPerRow(K) * Q4_0.blockBytes;
    case "q4_k":
    case "q5_k":
    case "q6_k":
      checkKQuantRow(dtype, K);
      return (K / SUPER_BLOCK) * KQUANT_BYTES[dtype];
  }
}
