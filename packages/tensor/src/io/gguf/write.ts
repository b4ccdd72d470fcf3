import { closeSync, dirname, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from "#platform/fs";
import { GgufError } from "../../errors.js";
import { checkData, ggufLayout, type GgufTensorSpec } from "./encode.js";
import type { GgufValue } from "./values.js";

/** A tensor to write: its spec and a producer of its encoded bytes, called when the writer reaches it. */
export interface GgufTensorEntry extends GgufTensorSpec {
  readonly data: () => Uint8Array;
}

/**
 * Writes a GGUF v3 file (Node only), streaming: the header, then each tensor's bytes as its
 * producer makes them (one tensor in memory at a time). Atomic: written to a temp file beside
 * `path`, fsynced, then renamed over it, so a crash never leaves a half file under the name.
 */
export function writeGguf(path: string, metadata: ReadonlyMap<string, GgufValue>, tensors: readonly GgufTensorEntry[]): void {
  const layout = ggufLayout(metadata, tensors, path);
  writeAtomically(path, (write) => {
    write(layout.header);
    let at = 0; // within the data section
    tensors.forEach((t, i) => {
      const pad = layout.offsets[i]! - at;
      if (pad > 0) write(new Uint8Array(pad));
      const data = t.data();
      checkData(t, data, layout.byteLengths[i]!, path);
      write(data);
      at = layout.offsets[i]! + data.length;
    });
    const tail = layout.fileSize - layout.header.length - at;
    if (tail > 0) write(new Uint8Array(tail));
  });
}

/**
 * The one place this module touches the disk for writing: temp file, fsync, rename, fsync of the
 * directory (best effort). Errors become GgufError naming `path`.
 */
function writeAtomically(path: string, body: (write: (b: Uint8Array) => void) => void): void {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, "w");
    const f = fd;
    body((b) => {
      let done = 0;
      while (done < b.length) done += writeSync(f, b, done, b.length - done);
    });
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
    if (e instanceof GgufError) throw e;
    throw new GgufError(path, undefined, `cannot write the file (${(e as Error).message})`);
  }
  try {
    const dfd = openSync(dirname(path), "r");
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // not every platform can fsync a directory
  }
}
