#!/usr/bin/env node
/**
 * Assembles src/wasm/*.wat (WebAssembly text: SIMD128, shared memory, relaxed SIMD) with the npm
 * `wabt` package and writes src/wasm/kernels.wasm.ts: each module's bytes as a base64 string
 * constant. That file is committed, so the runtime needs neither wabt nor a build step (zero
 * dependencies), and test/wasm-build.test.ts runs `--check` so the two never drift.
 *
 * Every module imports the one memory of heap.ts and must declare it `shared` (the kernel pool's
 * workers run on it): `(import "env" "memory" (memory 1 65536 shared))`. Where SharedArrayBuffer
 * is missing, src/wasm/unshare.ts clears that flag in the bytes before compiling.
 *
 * Relaxed SIMD: a .wat may hold both versions of a passage, line-delimited:
 *     ;;#if relaxed
 *       … relaxed-SIMD instructions (f32x4.relaxed_madd, i32x4.relaxed_dot_i8x16_i7x16_add_s) …
 *     ;;#else
 *       … the plain SIMD128 instructions …
 *     ;;#end
 * Such a file becomes two modules: `name` (the #else lines) in `wasmModules` and `name` in
 * `relaxedWasmModules` (the #if lines); instance.ts takes the relaxed one when the engine
 * validates it. Dropped lines are left blank, so wabt's line numbers match the file.
 *
 * Shared passages: a line `;;#include NAME` is replaced by the text of src/wasm/include/NAME (one
 * home for code several modules need, e.g. the exp of softmax and of the fused attention). Line
 * numbers in wabt's messages then count the included lines too.
 *
 * Usage (from packages/tensor): node scripts/build-wasm.mjs          write kernels.wasm.ts
 *                               node scripts/build-wasm.mjs --check  exit 1 if it is stale
 */
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import wabtInit from "wabt";

const wasmDir = join(dirname(fileURLToPath(import.meta.url)), "..", "src", "wasm");
const target = join(wasmDir, "kernels.wasm.ts");
const FEATURES = { simd: true, threads: true, relaxed_simd: true };

/** The .wat files, in a stable order: the module name is the file name without ".wat". */
function watFiles() {
  return readdirSync(wasmDir).filter((f) => f.endsWith(".wat")).sort();
}

/** The text with every `;;#include NAME` line replaced by src/wasm/include/NAME (not nested). */
function withIncludes(name, text) {
  return text
    .split("\n")
    .map((line, i) => {
      const m = /^\s*;;#include\s+(\S+)\s*$/.exec(line);
      if (!m) return line;
      try {
        return readFileSync(join(wasmDir, "include", m[1]), "utf8").replace(/\n$/, "");
      } catch {
        throw new Error(`${name}:${i + 1}: cannot include ${m[1]} (expected src/wasm/include/${m[1]})`);
      }
    })
    .join("\n");
}

/** The text of one variant: relaxed = true keeps the `;;#if relaxed` lines, false the `;;#else` ones. */
function variant(name, text, relaxed) {
  let state = "both"; // "both" | "if" | "else"
  const out = text.split("\n").map((line, i) => {
    const t = line.trim();
    const where = `${name}:${i + 1}`;
    if (t === ";;#if relaxed") {
      if (state !== "both") throw new Error(`${where}: nested ;;#if`);
      state = "if";
      return "";
    }
    if (t === ";;#else") {
      if (state !== "if") throw new Error(`${where}: ;;#else without ;;#if relaxed`);
      state = "else";
      return "";
    }
    if (t === ";;#end") {
      if (state !== "else") throw new Error(`${where}: ;;#end without ;;#else`);
      state = "both";
      return "";
    }
    if (state === "both" || (state === "if") === relaxed) return line;
    return "";
  });
  if (state !== "both") throw new Error(`${name}: ;;#if relaxed not closed by ;;#end`);
  return out.join("\n");
}

/** Assembles one .wat text into wasm bytes (no debug names, so the bytes are stable). */
function assemble(wabt, name, text) {
  if (!/\(import "env" "memory" \(memory \d+ \d+ shared\)\)/.test(text)) {
    throw new Error(`${name}: the memory import must be declared shared: (import "env" "memory" (memory 1 65536 shared))`);
  }
  let mod;
  try {
    mod = wabt.parseWat(name, text, FEATURES);
  } catch (e) {
    // wabt's message holds the file:line:col diagnostics; its stack would dump wabt's minified source
    throw new Error(`${name}: ${e.message}`);
  }
  try {
    mod.validate(FEATURES);
    return new Uint8Array(mod.toBinary({ log: false, write_debug_names: false }).buffer);
  } catch (e) {
    throw new Error(`${name}: ${e.message}`);
  } finally {
    mod.destroy();
  }
}

function entry(name, file, bytes) {
  const b64 = Buffer.from(bytes).toString("base64");
  const lines = b64.match(/.{1,480}/g) ?? [""]; // long lines: this generated file stays within the 300-line budget of src files
  return `  // ${file}: ${bytes.length} bytes\n  ${JSON.stringify(name)}:\n    ${lines.map((l) => JSON.stringify(l)).join(" +\n    ")},`;
}

/** The TypeScript source of kernels.wasm.ts for the current .wat files. */
async function generate() {
  const wabt = await wabtInit();
  const plain = [];
  const relaxed = [];
  for (const file of watFiles()) {
    const text = withIncludes(file, readFileSync(join(wasmDir, file), "utf8"));
    const name = file.slice(0, -".wat".length);
    plain.push(entry(name, file, assemble(wabt, file, variant(file, text, false))));
    if (text.split("\n").some((l) => l.trim() === ";;#if relaxed")) {
      relaxed.push(entry(name, `${file} (relaxed SIMD)`, assemble(wabt, file, variant(file, text, true))));
    }
  }
  return [
    "// generated from src/wasm/*.wat by scripts/build-wasm.mjs; do not edit (run `pnpm build:wasm`).",
    "",
    "/** The assembled WebAssembly modules (SIMD128, shared memory), base64-encoded, keyed by .wat file name. */",
    "export const wasmModules: Readonly<Record<string, string>> = {",
    ...plain,
    "};",
    "",
    "/** The relaxed-SIMD variants of the modules that have one (`;;#if relaxed` passages). */",
    "export const relaxedWasmModules: Readonly<Record<string, string>> = {",
    ...relaxed,
    "};",
    "",
  ].join("\n");
}

let source;
try {
  source = await generate();
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(target, "utf8");
  } catch {}
  if (current !== source) {
    console.error(`${target} is stale: run \`node scripts/build-wasm.mjs\``);
    process.exit(1);
  }
  console.log("kernels.wasm.ts is up to date");
} else {
  writeFileSync(target, source);
  console.log(`wrote ${target} (${watFiles().join(", ")})`);
}
