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
 * Parts: a line `;;#include PATH` is replaced by the text of src/wasm/include/PATH, which may sit
 * in a subfolder (include/compact/q8_0.wat) and may itself hold `;;#include` lines. A module file
 * is then short: its imports, globals and a table of contents of `;;#include` lines, each part one
 * concept; code several modules need (the exp of softmax and of the fused attention) is one part
 * included by each. Every line of the assembled text remembers the file and line it came from, so
 * wabt's messages and this script's name the part file: `include/compact/q8_0.wat:12:5: error: …`.
 *
 * Usage (from packages/tensor): node scripts/build-wasm.mjs          write kernels.wasm.ts
 *                               node scripts/build-wasm.mjs --check  exit 1 if it is stale
 *   --dir DIR             read the .wat files (and DIR/include) and kernels.wasm.ts from DIR instead of src/wasm
 *   --print NAME.wat      print one module's assembled text (its parts included), the SIMD128
 *                         variant, or with --relaxed the relaxed-SIMD one; nothing is written
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import wabtInit from "wabt";

const args = process.argv.slice(2);
const option = (flag) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
const wasmDir = option("--dir") ?? join(dirname(fileURLToPath(import.meta.url)), "..", "src", "wasm");
const target = join(wasmDir, "kernels.wasm.ts");
const FEATURES = { simd: true, threads: true, relaxed_simd: true };

/** The .wat files, in a stable order: the module name is the file name without ".wat". */
function watFiles() {
  return readdirSync(wasmDir).filter((f) => f.endsWith(".wat")).sort();
}

/**
 * A module's lines with every `;;#include PATH` replaced, recursively, by src/wasm/include/PATH.
 * Each line is { text, file, line }: file relative to src/wasm ("compact.wat",
 * "include/compact/q8_0.wat"), line 1-based in that file. `stack` holds the files being included
 * (a file including itself, directly or not, is refused).
 */
function expand(file, stack = []) {
  if (stack.includes(file)) throw new Error(`${stack.at(-1)}: includes ${file} again (${[...stack, file].join(" → ")})`);
  const text = readFileSync(join(wasmDir, file), "utf8").replace(/\n$/, "");
  const own = text.split("\n");
  // a passage's ;;#if, ;;#else and ;;#end stand in one file (a whole part may sit inside one)
  const open = own.findLastIndex((l) => l.trim() === ";;#if relaxed");
  if (open >= 0 && !own.slice(open).some((l) => l.trim() === ";;#end")) {
    throw new Error(`${file}:${open + 1}: ;;#if relaxed not closed by ;;#end in that file`);
  }
  return own.flatMap((line, i) => {
    const m = /^\s*;;#include\s+(\S+)\s*$/.exec(line);
    if (!m) return [{ text: line, file, line: i + 1 }];
    const part = `include/${m[1]}`;
    if (!existsSync(join(wasmDir, part))) throw new Error(`${file}:${i + 1}: cannot include ${m[1]} (expected src/wasm/${part})`);
    return expand(part, [...stack, file]);
  });
}

/** Where line n (1-based) of the assembled text came from: "include/compact/q8_0.wat:12". */
const origin = (lines, n) => (lines[n - 1] ? `${lines[n - 1].file}:${lines[n - 1].line}` : `line ${n}`);

/**
 * The text of one variant: relaxed = true keeps the `;;#if relaxed` lines, false the `;;#else`
 * ones. A passage opens and closes in one file (expand checks), and may hold `;;#include` lines:
 * relaxeddot.wat's parts exist only in the relaxed build. Dropped lines are left blank, so the
 * text keeps one line per entry of `lines`.
 */
function variant(lines, relaxed) {
  let state = "both"; // "both" | "if" | "else"
  let opened = null; // the line of the open ;;#if
  const out = lines.map((l, i) => {
    const t = l.text.trim();
    const where = origin(lines, i + 1);
    if (t === ";;#if relaxed") {
      if (state !== "both") throw new Error(`${where}: nested ;;#if`);
      state = "if";
      opened = l;
      return "";
    }
    if ((t === ";;#else" || t === ";;#end") && opened && l.file !== opened.file) {
      throw new Error(`${where}: ${t} of the ;;#if relaxed at ${opened.file}:${opened.line}, which is in another file`);
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
    if (state === "both" || (state === "if") === relaxed) return l.text;
    return "";
  });
  if (state !== "both") throw new Error(`${opened.file}:${opened.line}: ;;#if relaxed not closed by ;;#end`);
  return out.join("\n");
}

/** wabt's message with every `name:LINE:COL` pointed at the part file and line the text came from. */
function located(name, lines, message) {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return message.replace(new RegExp(`${escaped}:(\\d+):(\\d+)`, "g"), (_, n, col) => `${origin(lines, Number(n))}:${col}`);
}

/** Assembles one module's text into wasm bytes (no debug names, so the bytes are stable). */
function assemble(wabt, name, lines, text) {
  if (!/\(import "env" "memory" \(memory \d+ \d+ shared\)\)/.test(text)) {
    throw new Error(`${name}: the memory import must be declared shared: (import "env" "memory" (memory 1 65536 shared))`);
  }
  let mod;
  try {
    mod = wabt.parseWat(name, text, FEATURES);
  } catch (e) {
    // wabt's message holds the file:line:col diagnostics; its stack would dump wabt's minified source
    throw new Error(`${name}: ${located(name, lines, e.message)}`);
  }
  try {
    mod.validate(FEATURES);
    return new Uint8Array(mod.toBinary({ log: false, write_debug_names: false }).buffer);
  } catch (e) {
    throw new Error(`${name}: ${located(name, lines, e.message)}`);
  } finally {
    mod.destroy();
  }
}

function entry(name, file, bytes) {
  const b64 = Buffer.from(bytes).toString("base64");
  const lines = b64.match(/.{1,1000}/g) ?? [""]; // long lines: this generated file stays within the 300-line budget of src files
  return `  // ${file}: ${bytes.length} bytes\n  ${JSON.stringify(name)}:\n    ${lines.map((l) => JSON.stringify(l)).join(" +\n    ")},`;
}

/** The TypeScript source of kernels.wasm.ts for the current .wat files. */
async function generate() {
  const wabt = await wabtInit();
  const plain = [];
  const relaxed = [];
  for (const file of watFiles()) {
    const lines = expand(file);
    const name = file.slice(0, -".wat".length);
    plain.push(entry(name, file, assemble(wabt, file, lines, variant(lines, false))));
    if (lines.some((l) => l.text.trim() === ";;#if relaxed")) {
      relaxed.push(entry(name, `${file} (relaxed SIMD)`, assemble(wabt, file, lines, variant(lines, true))));
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

const printed = option("--print");
if (printed !== undefined) {
  try {
    process.stdout.write(`${variant(expand(printed), args.includes("--relaxed"))}\n`);
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
  process.exit(0);
}

let source;
try {
  source = await generate();
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
if (args.includes("--check")) {
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
