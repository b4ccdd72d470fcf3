/**
 * The `browser` side of "#platform/fs" (package.json "imports" picks it under the `browser`
 * condition): checkpoints on disk fail with one line; modules, layers and optimizers run unchanged.
 */
import type * as fs from "node:fs";
import { noFileSystem, posixBasename, posixDirname, posixJoin } from "@mini/tensor";

export const existsSync = noFileSystem("existsSync") as typeof fs.existsSync;
export const mkdirSync = noFileSystem("mkdirSync") as typeof fs.mkdirSync;
export const readFileSync = noFileSystem("readFileSync") as typeof fs.readFileSync;
export const readdirSync = noFileSystem("readdirSync") as typeof fs.readdirSync;
export const renameSync = noFileSystem("renameSync") as typeof fs.renameSync;
export const rmSync = noFileSystem("rmSync") as typeof fs.rmSync;
export const statSync = noFileSystem("statSync") as typeof fs.statSync;
export const basename = posixBasename;
export const dirname = posixDirname;
export const join = posixJoin;
export const resolve = posixJoin;
