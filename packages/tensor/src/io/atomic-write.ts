import { basename, closeSync, dirname, fsyncSync, openSync, readdirSync, renameSync, rmSync, unlinkSync, writeSync } from "#platform/fs";

/**
 * The one way this project writes a file: into a temp file beside the target
 * (`<path>.tmp-<pid>-<random>`), fsync, rename over `path`, then fsync the directory so the rename
 * itself survives a crash. A failed write removes the temp file and leaves an existing `path`
 * untouched. A process killed mid-write (Ctrl-C: the write is synchronous, so no handler runs)
 * leaves its temp file; the next write of the same `path` removes those whose process is gone.
 * Node only (the browser side of #platform/fs refuses with one line).
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
    removeStaleTemps(dirname(path), `${basename(path)}.tmp-`);
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

/**
 * Removes the entries of `dir` named `<prefix><pid>-<random>` (files, or directories with what they
 * hold) whose writing process is gone: what a write killed midway leaves. The one home of that
 * clean-up: writeFileAtomic's temp files (`<name>.tmp-`) and @mini/nn's checkpoint temp
 * directories (`.<name>.tmp-`) both use it. Another writer removing one first is fine (force).
 */
export function removeStaleTemps(dir: string, prefix: string): void {
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)-[0-9a-z]+$/.exec(name.slice(prefix.length));
    if (m === null || isProcessAlive(Number(m[1]))) continue;
    rmSync(`${dir}/${name}`, { recursive: true, force: true });
  }
}

/** Whether process `pid` is running (this one counts as running): how temp files of dead writers are told apart. */
export function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
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
