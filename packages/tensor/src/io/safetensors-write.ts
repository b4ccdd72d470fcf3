import { closeSync, dirname, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from "#platform/fs";
import { SafetensorsError } from "../errors.js";
import type { Tensor } from "../tensor.js";

/** Writing safetensors files (F32): serializeSafetensors and the atomic writeSafetensors. */

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

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
