import { SafetensorsError, fmtShape } from "../errors.js";
import type { Tensor } from "../tensor.js";
import { writeFileAtomic, type WriteBytes } from "./atomic-write.js";
import { f32ToBf16Array, f32ToF16Array } from "./half.js";

/**
 * Writing safetensors files: serializeSafetensors (bytes in memory) and writeSafetensors (a file,
 * streamed one tensor at a time, atomic through writeFileAtomic). Both store F32, F16 or BF16 and
 * share the header code: keys sorted with `__metadata__` first, offsets contiguous in sorted-name
 * order, header padded with spaces to a multiple of 8 bytes, data little-endian.
 */

/** The dtypes the writer can store (values are rounded to nearest-even when narrowing). */
export type WritableDtype = "F32" | "F16" | "BF16";

/** A tensor to write lazily: `values` (float32, row-major) is called when the writer reaches it. */
export interface SafetensorsEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: () => Float32Array;
}

export interface SafetensorsWriteOptions {
  /** Stored dtype (default F32). */
  dtype?: WritableDtype;
}

const BYTES: Record<WritableDtype, number> = { F32: 4, F16: 2, BF16: 2 };
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Tensors by name, or lazy entries (so a large model never holds more than one tensor converted). */
export type SafetensorsInput = Record<string, Tensor> | readonly SafetensorsEntry[];

/** A safetensors file as bytes (see the module comment for the layout). */
export function serializeSafetensors(tensors: SafetensorsInput, metadata?: Record<string, string>, opts: SafetensorsWriteOptions = {}): Uint8Array {
  const plan = planFile("<serialize>", tensors, metadata, opts.dtype ?? "F32");
  const out = new Uint8Array(plan.header.length + plan.dataBytes);
  let pos = 0;
  streamFile("<serialize>", plan, (b) => {
    out.set(b, pos);
    pos += b.length;
  });
  return out;
}

/**
 * Writes a safetensors file atomically (temp file, fsync, rename, fsync of the directory),
 * converting and appending one tensor at a time. Every failure is a SafetensorsError naming `path`.
 */
export function writeSafetensors(path: string, tensors: SafetensorsInput, metadata?: Record<string, string>, opts: SafetensorsWriteOptions = {}): void {
  const plan = planFile(path, tensors, metadata, opts.dtype ?? "F32");
  try {
    writeFileAtomic(path, (write) => streamFile(path, plan, write));
  } catch (e) {
    if (e instanceof SafetensorsError) throw e;
    throw new SafetensorsError(path, undefined, `cannot write the file (${(e as Error).message})`);
  }
}

interface FilePlan {
  dtype: WritableDtype;
  /** The 8-byte length prefix and the padded JSON header. */
  header: Uint8Array;
  dataBytes: number;
  /** In file (sorted-name) order. */
  entries: SafetensorsEntry[];
}

/** Validates names, shapes and metadata and builds the header, before any byte is written. */
function planFile(file: string, tensors: SafetensorsInput, metadata: Record<string, string> | undefined, dtype: WritableDtype): FilePlan {
  if (!(dtype in BYTES)) throw new SafetensorsError(file, undefined, `dtype must be F32, F16 or BF16, got ${String(dtype)}`);
  const entries: SafetensorsEntry[] = Array.isArray(tensors)
    ? [...(tensors as readonly SafetensorsEntry[])]
    : Object.entries(tensors as Record<string, Tensor>).map(([name, t]) => ({ name, shape: t.shape, values: () => t.data }));
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const parts: string[] = [];
  if (metadata !== undefined) {
    const m: string[] = [];
    for (const k of Object.keys(metadata).sort()) {
      const v = metadata[k];
      if (typeof v !== "string") throw new SafetensorsError(file, undefined, `__metadata__["${k}"] must be a string, got ${typeof v}`);
      m.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
    }
    parts.push(`"__metadata__":{${m.join(",")}}`);
  }
  let offset = 0;
  entries.forEach((e, i) => {
    if (e.name === "__metadata__") throw new SafetensorsError(file, e.name, "reserved name");
    if (i > 0 && entries[i - 1]!.name === e.name) throw new SafetensorsError(file, e.name, "given twice");
    if (!e.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new SafetensorsError(file, e.name, `shape ${fmtShape(e.shape)} must hold integers ≥ 0`);
    const bytes = e.shape.reduce((a, b) => a * b, 1) * BYTES[dtype];
    parts.push(`${JSON.stringify(e.name)}:{"dtype":"${dtype}","shape":${JSON.stringify(e.shape)},"data_offsets":[${offset},${offset + bytes}]}`);
    offset += bytes;
  });
  const json = new TextEncoder().encode(`{${parts.join(",")}}`);
  const headerLen = Math.ceil(json.length / 8) * 8;
  const header = new Uint8Array(8 + headerLen);
  new DataView(header.buffer).setBigUint64(0, BigInt(headerLen), true);
  header.set(json, 8);
  header.fill(0x20, 8 + json.length); // space padding
  return { dtype, header, dataBytes: offset, entries };
}

/** Emits the header, then each tensor's values converted to the stored dtype, little-endian. */
function streamFile(file: string, plan: FilePlan, write: WriteBytes): void {
  write(plan.header);
  for (const e of plan.entries) {
    const v = e.values();
    const n = e.shape.reduce((a, b) => a * b, 1);
    if (v.length !== n) throw new SafetensorsError(file, e.name, `has ${v.length} values, shape ${fmtShape(e.shape)} needs ${n}`);
    write(storedBytes(v, plan.dtype));
  }
}

function storedBytes(v: Float32Array, dtype: WritableDtype): Uint8Array {
  const stored = dtype === "F32" ? v : dtype === "F16" ? f32ToF16Array(v) : f32ToBf16Array(v);
  if (LITTLE_ENDIAN) return new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength);
  const out = new Uint8Array(stored.byteLength);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < stored.length; i++) {
    if (stored instanceof Float32Array) dv.setFloat32(i * 4, stored[i]!, true);
    else dv.setUint16(i * 2, stored[i]!, true);
  }
  return out;
}
