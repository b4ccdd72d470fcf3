import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { wasmModules } from "../src/wasm/kernels.wasm.js";
import { unshareMemoryImports } from "../src/wasm/unshare.js";
import { setWasmEnabled, wasmAvailable, wasmEnabled } from "../src/wasm/instance.js";

/**
 * The committed src/wasm/kernels.wasm.ts must be exactly what scripts/build-wasm.mjs makes from
 * the .wat files, so the text and the bytes the runtime loads cannot drift apart.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const wasmDir = join(root, "src", "wasm");

describe("kernels.wasm.ts", () => {
  it("holds one module per .wat file, byte-identical to re-assembling it (build-wasm --check)", () => {
    const files = readdirSync(wasmDir).filter((f) => f.endsWith(".wat")).sort();
    expect(Object.keys(wasmModules).sort()).toEqual(files.map((f) => f.slice(0, -4)));
    const out = execFileSync(process.execPath, [join(root, "scripts", "build-wasm.mjs"), "--check"], { encoding: "utf8" });
    expect(out).toMatch(/up to date/);
  });

  it("every module imports a shared memory, and unshareMemoryImports makes a module an ordinary memory can satisfy", () => {
    for (const [name, b64] of Object.entries(wasmModules)) {
      const bytes = Buffer.from(b64, "base64");
      const plain = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
      expect(() => new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory: plain, log: Math.log } }), name).toThrow();
      const unshared = unshareMemoryImports(new Uint8Array(bytes));
      expect(() => new WebAssembly.Instance(new WebAssembly.Module(unshared), { env: { memory: plain, log: Math.log } }), name).not.toThrow();
    }
  });

  it("starts with the do-not-edit header", () => {
    expect(readFileSync(join(wasmDir, "kernels.wasm.ts"), "utf8")).toMatch(/^\/\/ generated from src\/wasm\/\*\.wat by scripts\/build-wasm\.mjs; do not edit/);
  });
});

describe("instantiation", () => {
  it("loads the SIMD kernels on this Node, and can be switched off and on", () => {
    expect(wasmAvailable).toBe(true);
    expect(setWasmEnabled(false)).toBe(true);
    expect(wasmEnabled()).toBe(false);
    setWasmEnabled(true);
    expect(wasmEnabled()).toBe(true);
  });

  it("MINI_NO_WASM=1 forces the JS fallback", () => {
    const code = "import('./src/wasm/instance.ts').then((m) => console.log(JSON.stringify([m.wasmAvailable, m.wasmUnavailableReason])))";
    const run = (env: Record<string, string>) =>
      JSON.parse(execFileSync(process.execPath, ["--import", "tsx", "-e", code], { cwd: root, env: { ...process.env, ...env }, encoding: "utf8" }));
    expect(run({ MINI_NO_WASM: "1" })).toEqual([false, "disabled by MINI_NO_WASM=1"]);
  });
});
