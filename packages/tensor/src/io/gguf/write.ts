import { writeFileAtomic, type WriteBytes } from "../atomic-write.js";
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

/** Writes through the project's one atomic writer; file-system errors become GgufError naming `path`. */
function writeAtomically(path: string, body: (write: WriteBytes) => void): void {
  try {
    writeFileAtomic(path, body);
  } catch (e) {
    if (e instanceof GgufError) throw e;
    throw new GgufError(path, undefined, `cannot write the file (${(e as Error).message})`);
  }
}
