#!/usr/bin/env node
/**
 * Assembles src/wasm/*.wat (WebAssembly text, SIMD) with the npm `wabt` package and writes
 * src/wasm/kernels.wasm.ts: each module's bytes as a base64 string constant. That file is
 * committed, so the runtime needs neither wabt nor a build step (zero dependencies), and
 * test/wasm-build.test.ts re-assembles the .wat files to check that the two never drift.
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

/** The .wat files, in a stable order: the module name is the file name without ".wat". */
function watFiles() {
  return readdirSync(wasmDir).filter((f) => f.endsWith(".wat")).sort();
}

/** Assembles one .wat text into wasm bytes (SIMD on, no debug names, so the bytes are stable). */
function assemble(wabt, name, text) {
  let mod;
  try {
    mod = wabt.parseWat(name, text, { simd: true });
  } catch (e) {
    // wabt's message holds the file:line:col diagnostics; its stack would dump wabt's minified source
    throw new Error(`${name}: ${e.message}`);
  }
  try {
    mod.validate();
    return new Uint8Array(mod.toBinary({ log: false, write_debug_names: false }).buffer);
  } finally {
    mod.destroy();
  }
}

/** The TypeScript source of kernels.wasm.ts for the current .wat files. */
async function generate() {
  const wabt = await wabtInit();
  const parts = watFiles().map((file) => {
    const bytes = assemble(wabt, file, readFileSync(join(wasmDir, file), "utf8"));
    const b64 = Buffer.from(bytes).toString("base64");
    const lines = b64.match(/.{1,96}/g) ?? [""];
    const name = file.slice(0, -".wat".length);
    return `  // ${file}: ${bytes.length} bytes\n  ${JSON.stringify(name)}:\n    ${lines.map((l) => JSON.stringify(l)).join(" +\n    ")},`;
  });
  return [
    "// generated from src/wasm/*.wat by scripts/build-wasm.mjs; do not edit (run `pnpm build:wasm`).",
    "",
    "/** The assembled WebAssembly modules, base64-encoded, keyed by .wat file name. */",
    "export const wasmModules: Readonly<Record<string, string>> = {",
    ...parts,
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
