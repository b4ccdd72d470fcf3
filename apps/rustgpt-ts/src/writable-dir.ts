/**
 * Checks, before any training, that the run can write its directory: creates it level by level
 * and writes a probe file. (Node's recursive mkdir loops forever under /proc, so it is not used.)
 */
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { AppError } from "./errors.js";

export function ensureWritableDir(dir: string, option: string): void {
  const fail = (why: string): never => {
    throw new AppError(`${option} ${dir}: ${why}`);
  };
  const missing: string[] = [];
  let p = dir;
  while (!existsSync(p)) {
    missing.unshift(p);
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  if (existsSync(p) && !statSync(p).isDirectory()) fail(`${p} is a file, expected a directory`);
  try {
    for (const level of missing) mkdirSync(level);
    const probe = join(dir, `.write-test-${process.pid}`);
    writeFileSync(probe, "");
    rmSync(probe);
  } catch (e) {
    fail(`cannot write there (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); expected a writable directory`);
  }
}
