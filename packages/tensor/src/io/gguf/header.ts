import { GgufError } from "../../errors.js";
import { GGML_TYPES, type GgmlTypeInfo } from "../../quant/ggml-types.js";
import { SCALAR_BYTES, VALUE_TYPE_BY_ID, type GgufScalar, type GgufScalarType, type GgufValue } from "./values.js";

/**
 * Validation of a GGUF header (ggml docs/gguf.md), all little-endian:
 *
 *   "GGUF" u32 version, u64 tensor_count, u64 kv_count
 *   kv_count × (string key, u32 value_type, value)          string = u64 length + UTF-8 bytes
 *   tensor_count × (string name, u32 n_dims, u64 ne[n_dims], u32 ggml_type, u64 offset)
 *   padding to `general.alignment` (default 32), then the data section
 *
 * Every count and length is checked against the bytes the file has left before anything is
 * allocated for it, so a hostile header cannot make the reader allocate more than the file size.
 * Tensor ranges must be aligned, inside the data section and disjoint. Errors are GgufError
 * naming the file, the key or tensor, and the fault.
 */

export interface GgufTensorInfo {
  readonly name: string;
  /** ggml's order: ne[0] is the innermost (contiguous) dimension. */
  readonly dims: readonly number[];
  /** Row-major shape, outermost first (dims reversed): a [out, in] matrix has dims [in, out]. */
  readonly shape: readonly number[];
  readonly type: GgmlTypeInfo;
  /** Byte offset within the data section. */
  readonly offset: number;
  readonly byteLength: number;
  readonly elements: number;
}

export interface GgufHeader {
  readonly version: number;
  readonly metadata: ReadonlyMap<string, GgufValue>;
  readonly tensors: readonly GgufTensorInfo[];
  readonly alignment: number;
  /** Absolute byte offset of the data section. */
  readonly dataStart: number;
}

/** Largest element count accepted for one tensor (2^31 − 1, what typed arrays handle comfortably). */
export const GGUF_MAX_ELEMENTS = 2 ** 31 - 1;
/** ggml's GGML_MAX_DIMS. */
const MAX_DIMS = 4;
const DEFAULT_ALIGNMENT = 32;

/** Thrown (internally) when `bytes` is a prefix of the file and the header runs past it. */
export class NeedMoreBytes {
  constructor(readonly atLeast: number) {}
}

// ignoreBOM: a string that starts with U+FEFF (a real token in Llama-2 vocabularies) keeps it.
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** A bounds-checked little-endian reader over a prefix `bytes` of a file of `fileLength` bytes. */
class Cursor {
  pos = 0;
  private readonly dv: DataView;
  constructor(
    private readonly bytes: Uint8Array,
    readonly fileLength: number,
    private readonly fail: (subject: string | undefined, reason: string) => GgufError,
  ) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.fileLength - this.pos;
  }

  need(n: number, subject: string | undefined, what: string): void {
    if (n > this.remaining) throw this.fail(subject, `file ends inside ${what} (needs ${n} bytes at offset ${this.pos}, ${this.remaining} left)`);
    if (this.pos + n > this.bytes.length) throw new NeedMoreBytes(this.pos + n);
  }

  u32(subject: string | undefined, what: string): number {
    this.need(4, subject, what);
    const v = this.dv.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** A u64 that must be a safe integer (counts, lengths, dims, offsets). */
  u64(subject: string | undefined, what: string): number {
    this.need(8, subject, what);
    const v = this.dv.getBigUint64(this.pos, true);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw this.fail(subject, `${what} is ${v}, larger than any file`);
    return Number(v);
  }

  string(subject: string | undefined, what: string): string {
    const len = this.u64(subject, `the length of ${what}`);
    this.need(len, subject, what);
    try {
      return utf8.decode(this.bytes.subarray(this.pos, (this.pos += len)));
    } catch {
      throw this.fail(subject, `${what} is not valid UTF-8`);
    }
  }

  scalar(t: GgufScalarType, subject: string, what: string): GgufScalar {
    if (t === "string") return this.string(subject, what);
    const n = SCALAR_BYTES[t];
    this.need(n, subject, what);
    const p = this.pos;
    this.pos += n;
    const dv = this.dv;
    switch (t) {
      case "u8": return dv.getUint8(p);
      case "i8": return dv.getInt8(p);
      case "u16": return dv.getUint16(p, true);
      case "i16": return dv.getInt16(p, true);
      case "u32": return dv.getUint32(p, true);
      case "i32": return dv.getInt32(p, true);
      case "f32": return dv.getFloat32(p, true);
      case "f64": return dv.getFloat64(p, true);
      case "bool": {
        const b = dv.getUint8(p);
        if (b > 1) throw this.fail(subject, `${what} is a bool stored as ${b} (expected 0 or 1)`);
        return b === 1;
      }
      case "u64": return safe(dv.getBigUint64(p, true));
      case "i64": return safe(dv.getBigInt64(p, true));
    }
  }
}

const safe = (v: bigint): number | bigint => (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);

/**
 * Parses and validates the header. `bytes` is the whole file or a prefix of it (then NeedMoreBytes
 * is thrown when the header runs past the prefix; the caller reads more and tries again);
 * `fileLength` is the size of the whole file.
 */
export function parseGgufHeader(bytes: Uint8Array, fileLength: number, file: string): GgufHeader {
  const fail = (subject: string | undefined, reason: string) => new GgufError(file, subject, reason);
  const c = new Cursor(bytes, fileLength, fail);

  c.need(4, undefined, "the magic number");
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic !== "GGUF") throw fail(undefined, `not a GGUF file (starts with ${JSON.stringify(magic)}, expected "GGUF")`);
  c.pos = 4;
  const version = c.u32(undefined, "the version");
  if (version === 1) throw fail(undefined, "GGUF version 1 (2023, 32-bit counts) is not supported; re-convert the model with a current llama.cpp");
  if (version !== 2 && version !== 3) {
    const hint = version > 0xffff ? " (a big-endian GGUF? only little-endian files are supported)" : "";
    throw fail(undefined, `unsupported GGUF version ${version}${hint}; expected 2 or 3`);
  }
  const tensorCount = c.u64(undefined, "the tensor count");
  const kvCount = c.u64(undefined, "the metadata count");
  // Each kv takes at least 8 (key length) + 4 (type) + 1 bytes; each tensor info at least 8 + 4 + 8 + 4 + 8.
  if (kvCount * 13 > c.remaining) throw fail(undefined, `metadata count ${kvCount} cannot fit in the ${c.remaining} bytes left`);
  if (tensorCount * 32 > c.remaining) throw fail(undefined, `tensor count ${tensorCount} cannot fit in the ${c.remaining} bytes left`);

  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < kvCount; i++) {
    const key = c.string(`metadata entry ${i}`, "the key");
    const subject = `key "${key}"`;
    if (metadata.has(key)) throw fail(subject, "appears twice");
    metadata.set(key, readValue(c, subject, fail));
  }

  let alignment = DEFAULT_ALIGNMENT;
  const al = metadata.get("general.alignment");
  if (al !== undefined) {
    const ok = al.type === "u32" && typeof al.value === "number" && al.value > 0 && (al.value & (al.value - 1)) === 0;
    if (!ok) throw fail(`key "general.alignment"`, `must be a u32 power of two, got ${al.type} ${String(al.value)}`);
    alignment = al.value as number;
  }

  const infos: Omit<GgufTensorInfo, "byteLength" | "elements">[] = [];
  const names = new Set<string>();
  for (let i = 0; i < tensorCount; i++) {
    const name = c.string(`tensor info ${i}`, "the tensor name");
    const subject = `tensor "${name}"`;
    if (names.has(name)) throw fail(subject, "appears twice");
    names.add(name);
    const nDims = c.u32(subject, "n_dims");
    if (nDims < 1 || nDims > MAX_DIMS) throw fail(subject, `has ${nDims} dimensions (expected 1 to ${MAX_DIMS})`);
    const dims: number[] = [];
    for (let d = 0; d < nDims; d++) dims.push(c.u64(subject, `dimension ${d}`));
    const typeId = c.u32(subject, "the tensor type");
    const type = GGML_TYPES.get(typeId);
    if (type === undefined) throw fail(subject, `unknown tensor type ${typeId}`);
    const offset = c.u64(subject, "the data offset");
    infos.push({ name, dims, shape: [...dims].reverse(), type, offset });
  }

  const dataStart = Math.ceil(c.pos / alignment) * alignment;
  const dataLen = fileLength - dataStart;
  if (infos.length > 0 && dataLen < 0) throw fail(undefined, `file ends at ${fileLength}, before the data section (offset ${dataStart})`);
  const tensors = infos.map((t) => checkTensor(t, alignment, dataLen, fail));
  checkDisjoint(tensors, fail);
  return { version, metadata, tensors, alignment, dataStart };
}

function readValue(c: Cursor, subject: string, fail: (s: string | undefined, r: string) => GgufError): GgufValue {
  const typeId = c.u32(subject, "the value type");
  const type = VALUE_TYPE_BY_ID.get(typeId);
  if (type === undefined) throw fail(subject, `unknown value type ${typeId}`);
  if (type !== "array") return { type, value: c.scalar(type, subject, "the value") } as GgufValue;

  const itemId = c.u32(subject, "the array's item type");
  const itemType = VALUE_TYPE_BY_ID.get(itemId);
  if (itemType === undefined) throw fail(subject, `array of unknown value type ${itemId}`);
  if (itemType === "array") throw fail(subject, "arrays of arrays are not supported");
  const n = c.u64(subject, "the array length");
  if (n * SCALAR_BYTES[itemType] > c.remaining) throw fail(subject, `array of ${n} ${itemType} cannot fit in the ${c.remaining} bytes left`);
  const value: GgufScalar[] = new Array<GgufScalar>(n);
  for (let i = 0; i < n; i++) value[i] = c.scalar(itemType, subject, `item ${i}`);
  return { type: "array", itemType, value };
}

function checkTensor(
  t: Omit<GgufTensorInfo, "byteLength" | "elements">,
  alignment: number,
  dataLen: number,
  fail: (s: string | undefined, r: string) => GgufError,
): GgufTensorInfo {
  const subject = `tensor "${t.name}"`;
  const dimsText = `[${t.dims.join(", ")}]`;
  let elements = 1;
  for (const d of t.dims) {
    elements *= d;
    if (elements > GGUF_MAX_ELEMENTS) throw fail(subject, `dims ${dimsText} hold more than ${GGUF_MAX_ELEMENTS} elements`);
  }
  if (t.dims[0]! % t.type.blockValues !== 0) {
    throw fail(subject, `${t.type.name} stores blocks of ${t.type.blockValues} values, but the row length ne[0] = ${t.dims[0]} is not a multiple`);
  }
  const byteLength = (elements / t.type.blockValues) * t.type.blockBytes;
  if (t.offset % alignment !== 0) throw fail(subject, `data offset ${t.offset} is not a multiple of the alignment ${alignment}`);
  if (t.offset + byteLength > dataLen) {
    throw fail(subject, `data [${t.offset}, ${t.offset + byteLength}) (${t.type.name} ${dimsText}) runs past the end of the data section (${Math.max(0, dataLen)} bytes)`);
  }
  return { ...t, byteLength, elements };
}

function checkDisjoint(tensors: readonly GgufTensorInfo[], fail: (s: string | undefined, r: string) => GgufError): void {
  const sorted = tensors.filter((t) => t.byteLength > 0).sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (b.offset < a.offset + a.byteLength) {
      throw fail(`tensor "${b.name}"`, `data [${b.offset}, ${b.offset + b.byteLength}) overlaps tensor "${a.name}" [${a.offset}, ${a.offset + a.byteLength})`);
    }
  }
}
