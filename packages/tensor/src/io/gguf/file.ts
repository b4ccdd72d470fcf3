import { GgufError } from "../../errors.js";
import { GGML_TYPE_ID, type GgmlType } from "../../quant/ggml-types.js";
import { dequantize } from "../../quant/codec.js";
import { Tensor } from "../../tensor.js";
import { parseGgufHeader, type GgufHeader, type GgufTensorInfo } from "./header.js";
import type { GgufScalar, GgufValue } from "./values.js";

/**
 * A validated GGUF file: header, metadata and tensor infos in memory; tensor data fetched on
 * demand, either as the raw blocks (`bytes`, what a quantized matmul consumes) or decoded to a
 * float32 Tensor by the reference dequantizers (`getF32`). This module needs no file system: it
 * works on bytes (a browser's ArrayBuffer); read.ts opens files on disk in Node.
 */
export interface GgufFile {
  /** The path (or the name given to parseGguf), used in error messages. */
  readonly file: string;
  readonly version: number;
  readonly metadata: ReadonlyMap<string, GgufValue>;
  /** In file order. */
  readonly tensors: readonly GgufTensorInfo[];
  readonly alignment: number;
  has(name: string): boolean;
  /** The tensor's info; a GgufError naming it if absent. */
  tensor(name: string): GgufTensorInfo;
  /** The plain value of a metadata key (arrays as arrays), undefined when absent. */
  value(key: string): GgufScalar | readonly GgufScalar[] | undefined;
  /**
   * The tensor's stored bytes (its blocks, exactly as in the file), or `length` of them from byte
   * `start` (one expert's matrix of a stacked 3-D tensor).
   */
  bytes(name: string, start?: number, length?: number): Uint8Array;
  /** The tensor decoded to float32, row-major `shape`; pinned: allocated in the WASM heap. */
  getF32(name: string, opts?: { pinned?: boolean }): Tensor;
}

const SUPPORTED = new Set<string>(Object.keys(GGML_TYPE_ID));

/** The header-level part; subclasses say how to fetch data bytes. */
export abstract class GgufSource implements GgufFile {
  readonly version: number;
  readonly metadata: ReadonlyMap<string, GgufValue>;
  readonly tensors: readonly GgufTensorInfo[];
  readonly alignment: number;
  protected readonly dataStart: number;
  private readonly byName: Map<string, GgufTensorInfo>;

  constructor(
    readonly file: string,
    h: GgufHeader,
  ) {
    this.version = h.version;
    this.metadata = h.metadata;
    this.tensors = h.tensors;
    this.alignment = h.alignment;
    this.dataStart = h.dataStart;
    this.byName = new Map(h.tensors.map((t) => [t.name, t]));
  }

  /** Fills `into` with the file's bytes starting at absolute offset `position`. */
  protected abstract readBytes(position: number, into: Uint8Array, tensor: string): void;

  has(name: string): boolean {
    return this.byName.has(name);
  }

  tensor(name: string): GgufTensorInfo {
    const t = this.byName.get(name);
    if (t === undefined) throw new GgufError(this.file, `tensor "${name}"`, "no such tensor");
    return t;
  }

  value(key: string): GgufScalar | readonly GgufScalar[] | undefined {
    return this.metadata.get(key)?.value;
  }

  bytes(name: string, start = 0, length?: number): Uint8Array {
    const t = this.tensor(name);
    const n = length ?? t.byteLength - start;
    if (!Number.isInteger(start) || !Number.isInteger(n) || start < 0 || n < 0 || start + n > t.byteLength) {
      throw new GgufError(this.file, `tensor "${name}"`, `bytes [${start}, ${start + n}) asked of a tensor of ${t.byteLength} bytes`);
    }
    const out = new Uint8Array(n);
    this.readBytes(this.dataStart + t.offset + start, out, name);
    return out;
  }

  getF32(name: string, opts: { pinned?: boolean } = {}): Tensor {
    const t = this.tensor(name);
    if (!SUPPORTED.has(t.type.name)) {
      throw new GgufError(this.file, `tensor "${name}"`, `tensor type ${t.type.name} is not supported (supported: ${[...SUPPORTED].join(", ")})`);
    }
    const raw = this.bytes(name);
    const out = opts.pinned ? Tensor.pinned([...t.shape]) : Tensor.zeros([...t.shape]);
    dequantize(t.type.name as GgmlType, raw, t.elements, out.data);
    return out;
  }
}

/** A GGUF buffer in memory (kept, not copied). */
class BufferGguf extends GgufSource {
  constructor(
    private readonly buf: Uint8Array,
    file: string,
  ) {
    super(file, parseGgufHeader(buf, buf.length, file));
  }

  protected readBytes(position: number, into: Uint8Array): void {
    into.set(this.buf.subarray(position, position + into.length));
  }
}

/** Parses a GGUF buffer (the whole file; kept, not copied). `name` appears in error messages. */
export function parseGguf(bytes: Uint8Array, name = "<buffer>"): GgufFile {
  return new BufferGguf(bytes, name);
}
