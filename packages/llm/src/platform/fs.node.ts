/**
 * The file system as Node has it: the `node` side of this package's "#platform/fs" import
 * (package.json "imports"; fs.browser.ts is the `browser` side). Only what the package uses.
 */
export {
  copyFileSync, existsSync, mkdirSync, readFileSync, statSync,
} from "node:fs";
export { readFile } from "node:fs/promises";
export { join, resolve } from "node:path";
