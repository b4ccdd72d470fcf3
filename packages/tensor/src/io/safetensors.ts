import { closeSync, fstatSync, openSync, readSync } from "#platform/fs";
import { SafetensorsError } from "../errors.js";
import { Tensor } from "../tensor.js";
import { bf16BitsToF32Array, f16BitsToF32Array } from "./half.js";
import type { TensorSource } from "./tensor-source.js";
import {
  isReadable, MAX_HEADER_BYTES, parseHeader, parseHeaderJson, parseHeaderLength, type HeaderEntry, type ParsedHeader, type TensorInfo,
} from "./safetensors-header.js";

export type { SafetensorsDtype, TensorInfo, ReadableDtype } from "./safetensors-header.js";
export {
  serializeSafetensors, writeSafetensors, type SafetensorsEntry, type SafetensorsInput, type SafetensorsWriteOptions, type WritableDtype,
} from "./safetensors-write.js";

/**
 * Reading safetensors files. The whole header is validated when the file is opened
 * (safetensors-header.ts), before any tensor memory exists; tensors are converted to float32
 * lazily, one `get` at a time.
 *
 * `readSafetensors` reads only the header up front; each `get` reads its tensor's bytes from the
 * file straight into the tensor's memory (for F32 the file bytes ARE the little-endian floats, so
 * a pinned weight goes from the page cache into the WASM heap in one copy, with no file-sized JS
 * buffer in between), and F16/BF16 through a small reusable buffer. `parseSafetensors` does the
 * same from bytes already in memory.
 */
export interface SafetensorsFile extends TensorSource {
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
   * pinned: allocate it in the WASM heap and read/convert straight into it (no intermediate copy).
   */
  get(name: string, opts?: { pinned?: boolean }): Tensor;
  /** Elements [start, start + into.length) as float32, reading only their bytes (TensorSource.readF32). */
  readF32(name: string, start: number, into: Float32Array): void;
  /**
   * If `name` is absent but `__metadata__` maps it to a present tensor (how tied weights are
   * stored, e.g. "model.embed_tokens.weight" → "lm_head.weight"), that tensor's name; else undefined.
   * `get` never follows aliases itself: the loader decides.
   */
  resolveAlias(name: string): string | undefined;
  /** The file path (every tensor of it is in this one file). */
  fileOf(name: string): string;
}

export interface SafetensorsReadOptions {
  /** Largest header accepted, in bytes (default 100 MB, as the Rust reference). */
  maxHeaderBytes?: number;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Bytes converted per step for F16/BF16 (and big-endian F32): one reusable buffer, in L2. */
const CHUNK_BYTES = 1 << 18;
let chunkBuffer: Uint8Array | null = null;
const chunk = (): Uint8Array => (chunkBuffer ??= new Uint8Array(CHUNK_BYTES));

/** The header-level part shared by both sources; subclasses say how to fetch data bytes. */
abstract class SafetensorsSource implements SafetensorsFile {
  readonly metadata: Record<string, string>;
  protected readonly entries: Map<string, HeaderEntry>;
  protected readonly dataStart: number;

  constructor(
    readonly file: string,
    h: ParsedHeader,
  ) {
    this.metadata = h.metadata;
    this.entries = h.entries;
    this.dataStart = h.dataStart;
  }

  /** Fills `into` with the file's bytes starting at absolute offset `position`. */
  protected abstract readBytes(position: number, into: Uint8Array, tensor: string): void;

  names(): string[] {
    return [...this.entries.keys()].sort();
  }

  fileOf(): string {
    return this.file;
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
    // A pinned block from fresh heap memory is not zero-filled (heap.ts), so a large weight's pages
    // are first touched by the read below.
    const t = opts.pinned ? Tensor.pinned(e.shape) : Tensor.zeros(e.shape);
    this.convertInto(e, name, 0, t.data); // no allocation until we return, so this view stays attached
    return t;
  }

  readF32(name: string, start: number, into: Float32Array): void {
    const e = this.entry(name);
    if (!isReadable(e.dtype)) {
      throw new SafetensorsError(this.file, name, `unsupported dtype ${e.dtype} (only F32, F16 and BF16 can be read as float32)`);
    }
    const size = e.shape.reduce((a, b) => a * b, 1);
    if (!Number.isInteger(start) || start < 0 || start + into.length > size) {
      throw new SafetensorsError(this.file, name, `elements [${start}, ${start + into.length}) asked of a tensor of ${size}`);
    }
    this.convertInto(e, name, start, into);
  }

  /** Elements [first, first + out.length) of entry e as float32 into out. */
  private convertInto(e: HeaderEntry, name: string, first: number, out: Float32Array): void {
    const n = out.length;
    if (e.dtype === "F32" && LITTLE_ENDIAN) {
      this.readBytes(this.dataStart + e.begin + first * 4, new Uint8Array(out.buffer, out.byteOffset, n * 4), name);
      return;
    }
    // 16-bit patterns (or big-endian F32) through the chunk buffer, a whole number of elements at a time.
    const size = e.dtype === "F32" ? 4 : 2;
    const start = this.dataStart + e.begin + first * size;
    const buf = chunk();
    const perChunk = CHUNK_BYTES / size;
    for (let i = 0; i < n; i += perChunk) {
      const m = Math.min(perChunk, n - i);
      const bytes = buf.subarray(0, m * size);
      this.readBytes(start + i * size, bytes, name);
      const dst = out.subarray(i, i + m);
      if (e.dtype === "F32") {
        const dv = new DataView(bytes.buffer, 0, m * 4);
        for (let j = 0; j < m; j++) dst[j] = dv.getFloat32(j * 4, true);
        continue;
      }
      let halves: Uint16Array;
      if (LITTLE_ENDIAN) halves = new Uint16Array(bytes.buffer, 0, m);
      else {
        halves = new Uint16Array(m);
        for (let j = 0; j < m; j++) halves[j] = bytes[2 * j]! | (bytes[2 * j + 1]! << 8);
      }
      if (e.dtype === "F16") f16BitsToF32Array(halves, dst);
      else bf16BitsToF32Array(halves, dst);
    }
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

/** A safetensors buffer in memory (kept, not copied). */
class BufferFile extends SafetensorsSource {
  constructor(
    private readonly bytes: Uint8Array,
    file: string,
    opts: SafetensorsReadOptions,
  ) {
    super(file, parseHeader(bytes, file, opts.maxHeaderBytes));
  }

  protected readBytes(position: number, into: Uint8Array): void {
    into.set(this.bytes.subarray(position, position + into.length));
  }
}

/**
 * A safetensors file on disk: the header is read and validated now; tensor bytes are read on
 * `get`, each time through a fresh descriptor (nothing stays open, and no close() is needed). A
 * file that shrank since it was opened is an error naming the tensor, never silent zeros.
 */
class DiskFile extends SafetensorsSource {
  constructor(
    file: string,
    h: ParsedHeader,
    private readonly size: number,
  ) {
    super(file, h);
  }

  protected readBytes(position: number, into: Uint8Array, tensor: string): void {
    let fd: number;
    try {
      fd = openSync(this.file, "r");
    } catch (e) {
      throw new SafetensorsError(this.file, tensor, `cannot read the file (${(e as Error).message})`);
    }
    try {
      const now = fstatSync(fd).size;
      if (now !== this.size) throw new SafetensorsError(this.file, tensor, `the file changed since it was opened (${this.size} bytes then, ${now} now)`);
      readFully(fd, into, position, this.file, tensor);
    } finally {
      closeSync(fd);
    }
  }
}

/** Reads into.length bytes at `position` (readSync may return fewer per call). */
function readFully(fd: number, into: Uint8Array, position: number, file: string, tensor?: string): void {
  let done = 0;
  while (done < into.length) {
    const got = readSync(fd, into, done, into.length - done, position + done);
    if (got === 0) throw new SafetensorsError(file, tensor, `unexpected end of file at byte ${position + done} (wanted ${into.length - done} more)`);
    done += got;
  }
}

/** Parses a safetensors buffer (kept, not copied). `name` appears in error messages. */
export function parseSafetensors(bytes: Uint8Array, name = "<buffer>", opts: SafetensorsReadOptions = {}): SafetensorsFile {
  return new BufferFile(bytes, name, opts);
}

/**
 * Opens and validates a safetensors file: reads the 8-byte length and the header only (all header
 * checks run before any tensor memory is allocated); tensors are read on `get`. Errors are
 * SafetensorsError.
 */
export function readSafetensors(path: string, opts: SafetensorsReadOptions = {}): SafetensorsFile {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw new SafetensorsError(path, undefined, `cannot read the file (${(e as Error).message})`);
  }
  try {
    let size: number;
    try {
      size = fstatSync(fd).size;
    } catch (e) {
      throw new SafetensorsError(path, undefined, `cannot read the file (${(e as Error).message})`);
    }
    const first8 = new Uint8Array(8);
    if (size >= 8) readFully(fd, first8, 0, path);
    const headerLen = parseHeaderLength(first8, size, path, opts.maxHeaderBytes ?? MAX_HEADER_BYTES);
    const header = new Uint8Array(headerLen);
    readFully(fd, header, 8, path);
    return new DiskFile(path, parseHeaderJson(header, size, path), size);
  } catch (e) {
    if (e instanceof SafetensorsError) throw e;
    throw new SafetensorsError(path, undefined, `cannot read the file (${(e as Error).message})`);
  } finally {
    closeSync(fd);
  }
}
