#!/usr/bin/env node
/**
 * Size of the browser bundle of the four packages (tensor + autograd + nn + llm), everything they
 * export kept (a namespace import of each, so nothing is tree-shaken away), with the `browser`
 * condition (their fs.browser.ts adapters) — esbuild, minified ESM, then gzip -9 of that file.
 * The WASM kernels are inside (embedded bytes in tensor's kernels.wasm.ts). Also the sizes of the
 * playground's own built workers when dist/ exists. Usage: node bench/bundle-size.mjs
 */
import { build } from "esbuild";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { tsSiblingFirst } from "../../../scripts/esbuild-ts-resolve.mjs";

const app = fileURLToPath(new URL("..", import.meta.url));
const entry = [
  'import * as tensor from "@mini/tensor";',
  'import * as autograd from "@mini/autograd";',
  'import * as nn from "@mini/nn";',
  'import * as llm from "@mini/llm";',
  "globalThis.mini = { tensor, autograd, nn, llm };",
].join("\n");

export async function packagesBundle() {
  const r = await build({
    stdin: { contents: entry, resolveDir: app, loader: "js" },
    bundle: true,
    write: false,
    platform: "browser",
    format: "esm",
    target: "es2022",
    minify: true,
    conditions: ["@mini/source", "browser"],
    plugins: [tsSiblingFirst],
    logLevel: "warning",
  });
  const bytes = r.outputFiles[0].contents;
  return { minified: bytes.length, gzipped: gzipSync(bytes, { level: 9 }).length };
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const p = await packagesBundle();
console.log("| bundle | minified | gzip -9 |\n| --- | ---: | ---: |");
console.log(`| @mini/tensor + autograd + nn + llm (everything exported, browser condition, esbuild) | ${kb(p.minified)} | ${kb(p.gzipped)} |`);
const assets = join(app, "dist", "assets");
if (existsSync(assets)) {
  for (const f of readdirSync(assets).filter((f) => f.endsWith(".js")).sort()) {
    const b = readFileSync(join(assets, f));
    console.log(`| playground dist/assets/${f} (vite build) | ${kb(b.length)} | ${kb(gzipSync(b, { level: 9 }).length)} |`);
  }
}
