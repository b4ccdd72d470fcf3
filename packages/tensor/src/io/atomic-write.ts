import { closeSync, dirname, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from "#platform/fs";

/**
 * The one way this project writes a file: into a temp file beside the target
 * (`<path>.tmp-<pid>-<random>`), fsync, rename over `path`, then fsync the directory so the rename
 * itself survives a crash. A failed write removes the temp file and leaves an existing `path`
 * untouched. Node only (the browser side of #platform/fs refuses with one line).
 */

/** Appends bytes to the file being written (loops until all are written). */
export type WriteBytes = (bytes: Uint8Array) => void;

/**
 * Writes `content` (bytes, UTF-8 text, or a callback that streams the bytes through `write`) to
 * `path` atomically. Errors (from the callback or the file system) are rethrown as they are, after
 * the temp file is removed, so callers can wrap them in their own error class.
 */
export function writeFileAtomic(path: string, content: Uint8Array | string | ((write: WriteBytes) => void)): void {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, "w");
    const f = fd;
    const write: WriteBytes = (b) => {
      let done = 0;
      while (done < b.length) done += writeSync(f, b, done, b.length - done);
    };
    if (typeof content === "string") write(new TextEncoder().encode(content));
    else if (content instanceof Uint8Array) write(content);
    else content(write);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // the temp file may not exist (open failed, or rename already moved it)
    }
    throw e;
  }
  fsyncDir(dirname(path));
}

/** Makes a rename in `dir` durable; best effort, since not every platform can fsync a directory. */
function fsyncDir(dir: string): void {
  try {
    const dfd = openSync(dir, "r");
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // ignore: Windows cannot open a directory for fsync
  }
}
