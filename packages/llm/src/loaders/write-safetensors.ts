/**
 * A streaming safetensors writer that stores F32, F16 or BF16: the header is computed from the
 * shapes alone, then each tensor is produced, converted and appended one at a time, so writing a
 * model never holds more than one tensor in memory (synthesized 32M-parameter models, dtype
 * conversions for tests). Written to `path.tmp` and renamed, so a crash leaves no half file.
 */
import { closeSync, openSync, renameSync, writeSync } from "#platform/fs";
import { f32ToBf16Array, f32ToF16Array } from "@mini/tensor";

export type StoredDtype = "F32" | "F16" | "BF16";

export interface TensorEntry {
  readonly name: string;
  readonly shape: readonly number[];
  /** Produces the values (float32, row-major) when the writer reaches this tensor. */
  readonly values: () => Float32Array;
}

const BYTES: Record<StoredDtype, number> = { F32: 4, F16: 2, BF16: 2 };

export function writeSafetensorsStreaming(
  path: string,
  entries: readonly TensorEntry[],
  dtype: StoredDtype = "F32",
  metadata: Record<string, string> = {},
): void {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header["__metadata__"] = metadata;
  let offset = 0;
  for (const e of entries) {
    const bytes = e.shape.reduce((a, b) => a * b, 1) * BYTES[dtype];
    header[e.name] = { dtype, shape: [...e.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  // Pad the header with spaces to a multiple of 8 bytes so the data starts aligned.
  let json = JSON.stringify(header);
  const pad = (8 - ((Buffer.byteLength(json) + 8) % 8)) % 8;
  json += " ".repeat(pad);
  const headerBytes = Buffer.from(json, "utf8");
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(headerBytes.length));

  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, len);
    writeSync(fd, headerBytes);
    for (const e of entries) {
      const v = e.values();
      const n = e.shape.reduce((a, b) => a * b, 1);
      if (v.length !== n) throw new Error(`writeSafetensorsStreaming: tensor "${e.name}" has ${v.length} values, shape [${e.shape.join(", ")}] needs ${n}`);
      const stored = dtype === "F32" ? v : dtype === "F16" ? f32ToF16Array(v) : f32ToBf16Array(v);
      writeAll(fd, new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength));
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}
