/**
 * ggml's tensor types as GGUF numbers them (ggml.h `enum ggml_type`), with each block layout's size:
 * a row of `n` values is n / blockValues blocks of blockBytes bytes. Every type GGUF can hold is
 * listed so that a refusal names the type; `supported` marks the ones mini reads and writes (each
 * has a reference encoder and decoder in quant/, by name in codec.ts).
 */
export interface GgmlTypeInfo {
  readonly id: number;
  readonly name: string;
  /** Values per block (1 for plain floats and integers). */
  readonly blockValues: number;
  /** Bytes per block. */
  readonly blockBytes: number;
  readonly supported: boolean;
}

const T = (id: number, name: string, blockValues: number, blockBytes: number, supported = false): GgmlTypeInfo => ({
  id, name, blockValues, blockBytes, supported,
});

/** By id. Ids 4, 5 (old Q4_2/Q4_3), 31–33 and 36–38 (removed repacked layouts) are unused. */
export const GGML_TYPES: ReadonlyMap<number, GgmlTypeInfo> = new Map(
  [
    T(0, "F32", 1, 4, true),
    T(1, "F16", 1, 2, true),
    T(2, "Q4_0", 32, 18, true),
    T(3, "Q4_1", 32, 20, true),
    T(6, "Q5_0", 32, 22, true),
    T(7, "Q5_1", 32, 24, true),
    T(8, "Q8_0", 32, 34, true),
    T(9, "Q8_1", 32, 36),
    T(10, "Q2_K", 256, 84, true),
    T(11, "Q3_K", 256, 110, true),
    T(12, "Q4_K", 256, 144, true),
    T(13, "Q5_K", 256, 176, true),
    T(14, "Q6_K", 256, 210, true),
    T(15, "Q8_K", 256, 292),
    T(16, "IQ2_XXS", 256, 66),
    T(17, "IQ2_XS", 256, 74),
    T(18, "IQ3_XXS", 256, 98),
    T(19, "IQ1_S", 256, 50),
    T(20, "IQ4_NL", 32, 18, true),
    T(21, "IQ3_S", 256, 110),
    T(22, "IQ2_S", 256, 82),
    T(23, "IQ4_XS", 256, 136, true),
    T(24, "I8", 1, 1),
    T(25, "I16", 1, 2),
    T(26, "I32", 1, 4),
    T(27, "I64", 1, 8),
    T(28, "F64", 1, 8),
    T(29, "IQ1_M", 256, 56),
    T(30, "BF16", 1, 2, true),
    T(34, "TQ1_0", 256, 54),
    T(35, "TQ2_0", 256, 66),
    T(39, "MXFP4", 32, 17),
  ].map((t) => [t.id, t]),
);

/** The types mini keeps in memory as they are stored and multiplies (a compact dtype each: GGUF_COMPACT_DTYPE). */
export type GgmlCompactType = "F32" | "F16" | "BF16" | "Q8_0" | "Q4_0" | "Q4_K" | "Q5_K" | "Q6_K";

/**
 * The types mini reads and writes but does not multiply: a tensor of one is decoded at load into a
 * compact dtype (io/gguf/held-dtype.ts ggufHeldDtype says which).
 */
export type GgmlDecodedType = "Q4_1" | "Q5_0" | "Q5_1" | "Q3_K" | "Q2_K" | "IQ4_NL" | "IQ4_XS";

/** Every type mini reads and writes (each has a reference encoder and decoder in quant/). */
export type GgmlType = GgmlCompactType | GgmlDecodedType;

export const GGML_TYPE_ID: Readonly<Record<GgmlType, number>> = {
  F32: 0, F16: 1, Q4_0: 2, Q4_1: 3, Q5_0: 6, Q5_1: 7, Q8_0: 8, Q2_K: 10, Q3_K: 11, Q4_K: 12, Q5_K: 13, Q6_K: 14, IQ4_NL: 20, IQ4_XS: 23, BF16: 30,
};

export function ggmlTypeInfo(t: GgmlType): GgmlTypeInfo {
  return GGML_TYPES.get(GGML_TYPE_ID[t])!;
}

/** Bytes of `n` values of type t; n must be a whole number of blocks (checked by the caller). */
export function ggmlBytes(t: GgmlType, n: number): number {
  const info = ggmlTypeInfo(t);
  return (n / info.blockValues) * info.blockBytes;
}
