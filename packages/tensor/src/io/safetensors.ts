import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { SafetensorsError } from "../errors.js";
import { Tensor } from "../tensor.js";
import { bf16BitsToF32Array, f16BitsToF32Array } from "./half.js";
import { isReadable, parseHeader, type HeaderEntry, type SafetensorsDtype, type TensorInfo } from "./safetensors-header.js";

export type { SafetensorsDtype, TensorInfo, ReadableDtype } from "./safetensors-header.js";

/**
 * Reading and writing safetensors files. The whole header is validated when the file is opened
 * (safetensors-header.ts); tensors are converted to float32 lazily, one `get` at a time.
 */
export interface SafetensorsFile {
  /** The file path (or the name given to parseSafetensors), used in error messages. */
  readonly file: string;
  /** The `__metadata__` map (string → string); empty when the header has none. */
  readonly metadata: Record<string, string>;
  /** Tensor names, sorted. */
  names(): string[];
  has(name: string): boolean;
  info(name: string): TensorInfo;
  /**
   * The tensor as a fresh float32 Tensor (F32, F16 and BF16 are readable; other dtypes throw).
   * pinned: allocate it in the WASM heap and convert straight into it (no intermediate copy).
   */
  get(name: string, opts?: { pinned?: boolean }): Tensor;
  /**
   * If `name` is absent but `__metadata__` maps it to a present tensor (how tied weights are
   * stored, e.g. "model.embed_tokens.weight" → "lm_head.weight"), that tensor's name; else undefined.
   * `get` never follows aliases itself: the loader decides.
   */
  resolveAlias(name: string): string | undefined;
}

export interface SafetensorsReadOptions {
  /** Largest header accepted, in bytes (default 100 MB, as the Rust reference). */
  maxHeaderBytes?: number;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

class ParsedFile implements SafetensorsFile {
  readonly metadata: Record<string, string>;
  private readonly entries: Map<string, HeaderEntry>;
  private readonly dataStart: number;

  constructor(
    private readonly bytes: Uint8Array,
    readonly file: string,
    opts: SafetensorsReadOptions,
  ) {
    const h = parseHeader(bytes, file, opts.maxHeaderBytes);
    this.metadata = h.metadata;
    this.entries = h.entries;
    this.dataStart = h.dataStart;
  }

  names(): string[] {
    return [...this.entries.keys()].sort();
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  info(name: string): TensorInfo {
    const e = this.entry(name);
    return { dtype: e.dtype, shape: [...e.shape] };
  }

  resolveAlias(name: string): string | undefined {
    if (this.entries.has(name) || !Object.hasOwn(this.metadata, name)) return undefined;
    const target = this.metadata[name]!;
    return this.entries.has(target) ? target : undefined;
  }

  get(name: string, opts: { pinned?: boolean } = {}): Tensor {
    const e = this.entry(name);
    if (!isReadable(e.dtype)) {
      throw new SafetensorsError(this.file, name, `unsupported dtype ${e.dtype} (only F32, F16 and BF16 can be read as float32)`);
    }
    const t = opts.pinned ? Tensor.pinned(e.shape) : Tensor.zeros(e.shape);
    const out = t.data;
    const start = this.dataStart + e.begin;
    const src = this.bytes.subarray(start, this.dataStart + e.end);
    const n = out.length;
    if (e.dtype === "F32") {
      if (LITTLE_ENDIAN) new Uint8Array(out.buffer, out.byteOffset, n * 4).set(src);
      else {
        const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
        for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true);
      }
      return t;
    }
    // F16 / BF16: 16-bit patterns; a typed view needs even alignment and little-endian order.
    const abs = src.byteOffset;
    let halves: Uint16Array;
    if (LITTLE_ENDIAN && abs % 2 === 0) halves = new Uint16Array(src.buffer, abs, n);
    else {
      halves = new Uint16Array(n);
      for (let i = 0; i < n; i++) halves[i] = src[2 * i]! | (src[2 * i + 1]! << 8);
    }
    if (e.dtype === "F16") f16BitsToF32Array(halves, out);
    else bf16BitsToF32Array(halves, out);
    return t;
  }

  private entry(name: string): HeaderEntry {
    const e = this.entries.get(name);
    if (e === undefined) {
      const alias = this.resolveAlias(name);
      const hint = alias === undefined ? "" : ` (__metadata__ names it an alias of "${alias}"; use resolveAlias)`;
      throw new SafetensorsError(this.file, name, `no such tensor${hint}`);
    }
    return e;
  }
}

/** Parses a safetensors buffer (kept, not copied). `name` appears in error messages. */
export function parseSafetensors(bytes: Uint8Array, name = "<buffer>", opts: SafetensorsReadOptions = {}): SafetensorsFile {
  return new ParsedFile(bytes, name, opts);
}

/** Reads and validates a safetensors file; tensors are converted on `get`. Errors are SafetensorsError. */
export function readSafetensors(path: string, opts: SafetensorsReadOptions = {}): SafetensorsFile {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new SafetensorsError(path, undefined, `cannot read the file (${(e as Error).message})`);
  }
  return new ParsedFile(bytes, path, opts);
}

/**
 * A safetensors file as bytes: F32 little-endian, header keys sorted with `__metadata__` first,
 * offsets contiguous in sorted-name order, header padded with spaces to a multiple of 8 bytes.
 */
export function serializeSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  const names = Object.keys(tensors).sort();
  const parts: string[] = [];
  if (metadata !== undefined) {
    const m: string[] = [];
    for (const k of Object.keys(metadata).sort()) {
      const v = metadata[k];
      if (typeof v !== "string") throw new SafetensorsError("<serialize>", undefined, `__metadata__["${k}"] must be a string, got ${typeof v}`);
      m.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
    }
    parts.push(`"__metadata__":{${m.join(",")}}`);
  }
  let offset = 0;
  for (const name of names) {
    if (name === "__metadata__") throw new SafetensorsError("<serialize>", name, "reserved name");
    const t = tensors[name]!;
    const bytes = t.size * 4;
    parts.push(`${JSON.stringify(name)}:{"dtype":"F32","shape":${JSON.stringify(t.shape)},"data_offsets":[${offset},${offset + bytes}]}`);
    offset += bytes;
  }
  const json = new TextEncoder().encode(`{${parts.join(",")}}`);
  const headerLen = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen); // space padding
  let pos = 8 + headerLen;
  for (const name of names) {
    const d = tensors[name]!.data;
    if (LITTLE_ENDIAN) out.set(new Uint8Array(d.buffer, d.byteOffset, d.length * 4), pos);
    else {
      const dv = new DataView(out.buffer, pos, d.length * 4);
      for (let i = 0; i < d.length; i++) dv.setFloat32(i * 4, d[i]!, true);
    }
    pos += d.length * 4;
  }
  return out;
}

/** Writes a safetensors file atomically: a temp file beside it, fsync, then rename over `path`. */
export function writeSafetensors(path: string, tensors: Record<string, Tensor>, metadata?: Record<string, string>): void {
  const bytes = serializeSafetensors(tensors, metadata);
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, "w");
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // the temp file may not exist
    }
    throw new SafetensorsError(path, undefined, `cannot write the file (${(e as Error).message})`);
  }
  // Make the rename itself durable (best effort: not every platform can fsync a directory).
  try {
    const dfd = openSync(dirname(path), "r");
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // ignore
  }
}
