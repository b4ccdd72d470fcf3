import { closeSync, fstatSync, openSync, readSync } from "#platform/fs";
import { GgufError } from "../../errors.js";
import { GgufSource, type GgufFile } from "./file.js";
import { NeedMoreBytes, parseGgufHeader } from "./header.js";

/**
 * GGUF files on disk (Node only). The header is read in growing prefixes (1 MiB, then doubling,
 * never past the file size) until it parses, so a 4 GB model is opened by reading its header
 * alone; tensor bytes are read on demand, each time through a fresh descriptor.
 */
class DiskGguf extends GgufSource {
  constructor(
    file: string,
    h: ReturnType<typeof parseGgufHeader>,
    private readonly size: number,
  ) {
    super(file, h);
  }

  protected readBytes(position: number, into: Uint8Array, tensor: string): void {
    withFile(this.file, `tensor "${tensor}"`, (fd) => {
      const now = fstatSync(fd).size;
      if (now !== this.size) throw new GgufError(this.file, `tensor "${tensor}"`, `the file changed since it was opened (${this.size} bytes then, ${now} now)`);
      readFully(fd, into, position, this.file, `tensor "${tensor}"`);
    });
  }
}

/** Opens and validates a GGUF file (header only; all checks run before any tensor data is read). */
export function readGguf(path: string): GgufFile {
  return withFile(path, undefined, (fd) => {
    const size = fstatSync(fd).size;
    let want = Math.min(size, 1 << 20);
    for (;;) {
      const prefix = new Uint8Array(want);
      readFully(fd, prefix, 0, path, undefined);
      try {
        return new DiskGguf(path, parseGgufHeader(prefix, size, path), size);
      } catch (e) {
        if (!(e instanceof NeedMoreBytes)) throw e;
        want = Math.min(size, Math.max(want * 2, e.atLeast));
      }
    }
  });
}

function withFile<T>(path: string, subject: string | undefined, f: (fd: number) => T): T {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw new GgufError(path, subject, `cannot read the file (${(e as Error).message})`);
  }
  try {
    return f(fd);
  } catch (e) {
    if (e instanceof GgufError) throw e;
    throw new GgufError(path, subject, `cannot read the file (${(e as Error).message})`);
  } finally {
    closeSync(fd);
  }
}

function readFully(fd: number, into: Uint8Array, position: number, file: string, subject: string | undefined): void {
  let done = 0;
  while (done < into.length) {
    const got = readSync(fd, into, done, into.length - done, position + done);
    if (got === 0) throw new GgufError(file, subject, `unexpected end of file at byte ${position + done}`);
    done += got;
  }
}
