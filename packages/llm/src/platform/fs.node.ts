/**
 * The file system as Node has it: the `node` side of this package's "#platform/fs" import
 * (package.json "imports"; fs.browser.ts is the `browser` side). Only what the package uses.
 */
export {
  closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeFileSync, writeSync,
} from "node:fs";
export { readFile } from "node:fs/promises";
export { join, resolve } from "node:path";
