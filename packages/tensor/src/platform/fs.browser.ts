/**
 * The `browser` side of "#platform/fs" (package.json "imports" picks it under the `browser`
 * condition): a browser has no file system, so reading or writing by path fails with one line
 * saying what to use instead; everything that works on bytes (parseSafetensors,
 * serializeSafetensors) runs unchanged.
 */
import type * as fs from "node:fs";
import { noFileSystem, posixBasename, posixDirname } from "./no-file-system.js";

export const closeSync = noFileSystem("closeSync") as typeof fs.closeSync;
export const fstatSync = noFileSystem("fstatSync") as typeof fs.fstatSync;
export const fsyncSync = noFileSystem("fsyncSync") as typeof fs.fsyncSync;
export const openSync = noFileSystem("openSync") as typeof fs.openSync;
export const readSync = noFileSystem("readSync") as typeof fs.readSync;
export const readdirSync = noFileSystem("readdirSync") as typeof fs.readdirSync;
export const renameSync = noFileSystem("renameSync") as typeof fs.renameSync;
export const rmSync = noFileSystem("rmSync") as typeof fs.rmSync;
export const unlinkSync = noFileSystem("unlinkSync") as typeof fs.unlinkSync;
export const writeSync = noFileSystem("writeSync") as typeof fs.writeSync;
export const dirname = posixDirname;
export const basename = posixBasename;
