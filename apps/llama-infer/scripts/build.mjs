#!/usr/bin/env node
/**
 * Builds llama-infer into ONE plain-JavaScript file, dist/cli/llama-infer.mjs: the app, the
 * workspace packages (from their sources, through the "@mini/source" condition) and its npm
 * dependencies (commander, @huggingface/jinja), bundled by esbuild. Node runs it directly: no tsx,
 * no second process, no node_modules needed beside it.
 *
 * It sits in dist/cli/ (two levels down, like src/server/) so the web chat page's folder is found
 * at the same relative place, ../../web/, from the bundle as from the sources.
 *
 * Also used by bin/llama-infer.mjs to build on first use in a fresh checkout.
 */
import { build } from "esbuild";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { tsSiblingFirst } from "../../../scripts/esbuild-ts-resolve.mjs";

export const APP = fileURLToPath(new URL("..", import.meta.url));
export const OUTFILE = fileURLToPath(new URL("../dist/cli/llama-infer.mjs", import.meta.url));

/** Builds the bundle and writes it atomically (several first runs may race: each sees a whole file). */
export async function buildCli() {
  const result = await build({
    entryPoints: [fileURLToPath(new URL("../src/main.ts", import.meta.url))],
    outfile: OUTFILE,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    conditions: ["@mini/source"],
    minify: true,
    legalComments: "eof",
    // commander is CommonJS and requires Node built-ins: give the ES module a real `require`.
    banner: { js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);' },
    plugins: [tsSiblingFirst],
    logLevel: "warning",
    write: false,
  });
  const [file] = result.outputFiles;
  mkdirSync(dirname(OUTFILE), { recursive: true });
  const tmp = `${OUTFILE}.tmp-${process.pid}`;
  writeFileSync(tmp, file.contents);
  renameSync(tmp, OUTFILE);
  return OUTFILE;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const t0 = performance.now();
  const out = await buildCli();
  console.log(`llama-infer: built ${out} in ${(performance.now() - t0).toFixed(0)} ms`);
}
