import { GgufError } from "../../errors.js";
import { ggmlBytes, ggmlTypeInfo, GGML_TYPE_ID, type GgmlType } from "../../quant/ggml-types.js";
import { SCALAR_BYTES, VALUE_TYPE_IDS, type GgufScalar, type GgufScalarType, type GgufValue } from "./values.js";

/**
 * Encoding a GGUF v3 file (layout in header.ts): the header is computed from the metadata and the
 * tensors' types and shapes alone, so a writer can stream tensor data after it one tensor at a
 * time. Tensors are laid out in the order given, each at the next multiple of the alignment.
 */
export interface GgufTensorSpec {
  readonly name: string;
  readonly type: GgmlType;
  /** Row-major shape, outermost first (written as ggml dims, innermost first). */
  readonly shape: readonly number[];
}

export interface GgufLayout {
  readonly header: Uint8Array;
  /** Each tensor's offset within the data section, and its byte length. */
  readonly offsets: readonly number[];
  readonly byteLengths: readonly number[];
  readonly alignment: number;
  /** Header length + padded data section: the file size. */
  readonly fileSize: number;
}

const enc = new TextEncoder();

export function ggufLayout(metadata: ReadonlyMap<string, GgufValue>, tensors: readonly GgufTensorSpec[], file = "<gguf>"): GgufLayout {
  const al = metadata.get("general.alignment");
  const alignment = al === undefined ? 32 : Number(al.value);
  if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0 || (al !== undefined && al.type !== "u32")) {
    throw new GgufError(file, `key "general.alignment"`, `must be a u32 power of two, got ${al?.type} ${String(al?.value)}`);
  }
  const w = new Writer();
  w.bytes(enc.encode("GGUF"));
  w.u32(3);
  w.u64(tensors.length);
  w.u64(metadata.size);
  for (const [key, v] of metadata) {
    w.string(key);
    writeValue(w, v, key, file);
  }
  const offsets: number[] = [];
  const byteLengths: number[] = [];
  let offset = 0;
  const names = new Set<string>();
  for (const t of tensors) {
    const subject = `tensor "${t.name}"`;
    if (names.has(t.name)) throw new GgufError(file, subject, "appears twice");
    names.add(t.name);
    const info = ggmlTypeInfo(t.type);
    const inner = t.shape[t.shape.length - 1] ?? 0;
    if (t.shape.length < 1 || t.shape.length > 4 || t.shape.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new GgufError(file, subject, `shape [${t.shape.join(", ")}] must have 1 to 4 positive dimensions`);
    }
    if (inner % info.blockValues !== 0) {
      throw new GgufError(file, subject, `${t.type} stores blocks of ${info.blockValues} values; the row length ${inner} is not a multiple`);
    }
    w.string(t.name);
    w.u32(t.shape.length);
    for (let d = t.shape.length - 1; d >= 0; d--) w.u64(t.shape[d]!);
    w.u32(GGML_TYPE_ID[t.type]);
    w.u64(offset);
    const n = t.shape.reduce((a, b) => a * b, 1);
    offsets.push(offset);
    byteLengths.push(ggmlBytes(t.type, n));
    offset = align(offset + ggmlBytes(t.type, n), alignment);
  }
  const header = w.finish(align(w.length, alignment));
  return { header, offsets, byteLengths, alignment, fileSize: header.length + offset };
}

/** A whole GGUF file in memory (tests, small models, browsers). */
export function serializeGguf(
  metadata: ReadonlyMap<string, GgufValue>,
  tensors: readonly (GgufTensorSpec & { readonly data: Uint8Array })[],
  file = "<gguf>",
): Uint8Array {
  const layout = ggufLayout(metadata, tensors, file);
  const out = new Uint8Array(layout.fileSize);
  out.set(layout.header);
  tensors.forEach((t, i) => {
    checkData(t, t.data, layout.byteLengths[i]!, file);
    out.set(t.data, layout.header.length + layout.offsets[i]!);
  });
  return out;
}

export function checkData(t: GgufTensorSpec, data: Uint8Array, want: number, file: string): void {
  if (data.length !== want) throw new GgufError(file, `tensor "${t.name}"`, `${t.type} [${t.shape.join(", ")}] needs ${want} bytes, got ${data.length}`);
}

const align = (n: number, a: number): number => Math.ceil(n / a) * a;

function writeValue(w: Writer, v: GgufValue, key: string, file: string): void {
  w.u32(VALUE_TYPE_IDS[v.type]);
  if (v.type !== "array") {
    writeScalar(w, v.type, v.value, key, file);
    return;
  }
  w.u32(VALUE_TYPE_IDS[v.itemType]);
  w.u64(v.value.length);
  for (const x of v.value) writeScalar(w, v.itemType, x, key, file);
}

function writeScalar(w: Writer, t: GgufScalarType, x: GgufScalar, key: string, file: string): void {
  const bad = (): never => {
    throw new GgufError(file, `key "${key}"`, `value ${String(x)} is not a ${t}`);
  };
  if (t === "string") return typeof x === "string" ? w.string(x) : bad();
  if (t === "bool") return typeof x === "boolean" ? w.u8(x ? 1 : 0) : bad();
  if (t === "u64" || t === "i64") {
    if (typeof x !== "number" && typeof x !== "bigint") bad();
    const b = BigInt(x as number | bigint);
    const dv = w.reserve(8);
    if (t === "u64") dv.view.setBigUint64(dv.at, b, true);
    else dv.view.setBigInt64(dv.at, b, true);
    return;
  }
  if (typeof x !== "number") bad();
  const n = x as number;
  const { view, at } = w.reserve(SCALAR_BYTES[t]);
  switch (t) {
    case "u8": return view.setUint8(at, n);
    case "i8": return view.setInt8(at, n);
    case "u16": return view.setUint16(at, n, true);
    case "i16": return view.setInt16(at, n, true);
    case "u32": return view.setUint32(at, n, true);
    case "i32": return view.setInt32(at, n, true);
    case "f32": return view.setFloat32(at, n, true);
    case "f64": return view.setFloat64(at, n, true);
  }
}

/** A growable little-endian byte buffer. */
class Writer {
  private buf = new Uint8Array(1 << 16);
  private dv = new DataView(this.buf.buffer);
  length = 0;

  reserve(n: number): { view: DataView; at: number } {
    if (this.length + n > this.buf.length) {
      const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
      bigger.set(this.buf.subarray(0, this.length));
      this.buf = bigger;
      this.dv = new DataView(bigger.buffer);
    }
    const at = this.length;
    this.length += n;
    return { view: this.dv, at };
  }

  bytes(b: Uint8Array): void {
    const { at } = this.reserve(b.length);
    this.buf.set(b, at);
  }

  u8(v: number): void {
    const r = this.reserve(1);
    r.view.setUint8(r.at, v);
  }

  u32(v: number): void {
    const r = this.reserve(4);
    r.view.setUint32(r.at, v, true);
  }

  u64(v: number): void {
    const r = this.reserve(8);
    r.view.setBigUint64(r.at, BigInt(v), true);
  }

  string(s: string): void {
    const b = enc.encode(s);
    this.u64(b.length);
    this.bytes(b);
  }

  /** The bytes written, zero-padded to `size`. */
  finish(size: number): Uint8Array {
    const out = new Uint8Array(size);
    out.set(this.buf.subarray(0, this.length));
    return out;
  }
}
