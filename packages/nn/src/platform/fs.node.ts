/**
 * The file system as Node has it: the `node` side of this package's "#platform/fs" import
 * (package.json "imports"; fs.browser.ts is the `browser` side). Only what checkpoints use.
 */
export { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
export { basename, dirname, join, resolve } from "node:path";
