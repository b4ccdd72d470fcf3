/**
 * GGUF metadata values (ggml docs/gguf.md, "Standardized key-value pairs"): twelve scalar types
 * and arrays of them. In memory a value keeps its GGUF type, so a file read and written again
 * keeps every key's type (llama.cpp checks types: `llama.block_count` must stay a u32).
 *
 * 64-bit integers are JS numbers when they fit in 2^53, else bigints.
 */
export type GgufScalarType = "u8" | "i8" | "u16" | "i16" | "u32" | "i32" | "f32" | "bool" | "string" | "u64" | "i64" | "f64";
export type GgufScalar = number | bigint | boolean | string;

export type GgufValue =
  | { readonly type: Exclude<GgufScalarType, "bool" | "string">; readonly value: number | bigint }
  | { readonly type: "bool"; readonly value: boolean }
  | { readonly type: "string"; readonly value: string }
  | { readonly type: "array"; readonly itemType: GgufScalarType; readonly value: readonly GgufScalar[] };

/** The type numbers of the format (gguf_type). 9 is ARRAY. */
export const VALUE_TYPE_IDS: Readonly<Record<GgufScalarType | "array", number>> = {
  u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10, i64: 11, f64: 12,
};

export const VALUE_TYPE_BY_ID: ReadonlyMap<number, GgufScalarType | "array"> = new Map(
  Object.entries(VALUE_TYPE_IDS).map(([k, v]) => [v, k as GgufScalarType | "array"]),
);

/** Bytes of one fixed-size scalar (strings: the 8-byte length prefix, the least a string can take). */
export const SCALAR_BYTES: Readonly<Record<GgufScalarType, number>> = {
  u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, bool: 1, string: 8, u64: 8, i64: 8, f64: 8,
};

/** The plain JS value of a metadata entry (arrays as arrays). */
export function plainValue(v: GgufValue): GgufScalar | readonly GgufScalar[] {
  return v.value;
}

/** Shorthands for building metadata to write. */
export const gguf = {
  u32: (value: number): GgufValue => ({ type: "u32", value }),
  i32: (value: number): GgufValue => ({ type: "i32", value }),
  u64: (value: number): GgufValue => ({ type: "u64", value }),
  f32: (value: number): GgufValue => ({ type: "f32", value }),
  bool: (value: boolean): GgufValue => ({ type: "bool", value }),
  string: (value: string): GgufValue => ({ type: "string", value }),
  array: (itemType: GgufScalarType, value: readonly GgufScalar[]): GgufValue => ({ type: "array", itemType, value }),
};
