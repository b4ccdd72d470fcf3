import { IQ4_NL_BYTES, IQ4_VALUES } from "./iq4.js";
import { Q8_0_BYTES } from "./q8_0.js";
import { Q5_0_BYTES } from "./q5.js";

/**
 * Q5_0 and IQ4_NL as Q8_0 blocks, losslessly. All three are 32 values × one f16 scale d, each value
 * d times a small integer: Q5_0's is q − 16 (in −16…15), IQ4_NL's a grid level (in −127…113), both
 * int8s. So a Q8_0 block with the same f16 bits and those integers decodes to the very same float32s
 * (d · int, exact in float32 either way: 11 significant bits times at most 8).
 */
export type ExactInQ8_0 = "Q5_0" | "IQ4_NL";

export const EXACT_IN_Q8_0: ReadonlySet<string> = new Set<ExactInQ8_0>(["Q5_0", "IQ4_NL"]);

/** n values (a multiple of 32) of src's blocks of type t, re-laid as Q8_0 blocks. */
export function toQ8_0(t: ExactInQ8_0, src: Uint8Array, n: number, out: Uint8Array = new Uint8Array((n / 32) * Q8_0_BYTES)): Uint8Array {
  const inBytes = t === "Q5_0" ? Q5_0_BYTES : IQ4_NL_BYTES;
  for (let b = 0; b < n / 32; b++) {
    const p = b * inBytes;
    const o = b * Q8_0_BYTES;
    out[o] = src[p]!; // the f16 scale's bits, as they are
    out[o + 1] = src[p + 1]!;
    if (t === "Q5_0") {
      const qh = (src[p + 2]! | (src[p + 3]! << 8) | (src[p + 4]! << 16) | (src[p + 5]! << 24)) >>> 0;
      for (let j = 0; j < 16; j++) {
        const q = src[p + 6 + j]!;
        out[o + 2 + j] = (((q & 0xf) | (((qh >>> j) & 1) << 4)) - 16) & 0xff;
        out[o + 18 + j] = (((q >> 4) | (((qh >>> (j + 16)) & 1) << 4)) - 16) & 0xff;
      }
    } else {
      for (let j = 0; j < 16; j++) {
        const q = src[p + 2 + j]!;
        out[o + 2 + j] = IQ4_VALUES[q & 0xf]! & 0xff;
        out[o + 18 + j] = IQ4_VALUES[q >> 4]! & 0xff;
      }
    }
  }
  return out;
}
