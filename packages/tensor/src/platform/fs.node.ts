/**
 * The file system as Node has it: the `node` side of this package's "#platform/fs" import
 * (package.json "imports"; fs.browser.ts is the `browser` side). Only what the package uses.
 */
export { closeSync, fstatSync, fsyncSync, openSync, readdirSync, readSync, renameSync, rmSync, unlinkSync, writeSync } from "node:fs";
export { basename, dirname } from "node:path";
