/**
 * The `browser` side of "#platform/fs" (package.json "imports" picks it under the `browser`
 * condition): loading or saving by path fails with one line naming the byte-based way
 * (loadModelFromFiles, tokenizerFromJson, parseTextDataset, hfModelDirFiles); the rest runs unchanged.
 */
import type * as fs from "node:fs";
import type * as fsp from "node:fs/promises";
import { noFileSystem, posixJoin } from "@mini/tensor";

export const copyFileSync = noFileSystem("copyFileSync") as typeof fs.copyFileSync;
export const existsSync = noFileSystem("existsSync") as typeof fs.existsSync;
export const mkdirSync = noFileSystem("mkdirSync") as typeof fs.mkdirSync;
export const readFileSync = noFileSystem("readFileSync") as typeof fs.readFileSync;
export const statSync = noFileSystem("statSync") as typeof fs.statSync;
export const readFile = noFileSystem("readFile") as typeof fsp.readFile;
export const join = posixJoin;
export const resolve = posixJoin;
