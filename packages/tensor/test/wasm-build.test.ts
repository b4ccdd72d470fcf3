import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
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

  it("every part under src/wasm/include is included somewhere (no part left behind by a split)", () => {
    const parts = (readdirSync(join(wasmDir, "include"), { recursive: true }) as string[]).filter((f) => f.endsWith(".wat")).map((f) => f.split("\\").join("/"));
    const texts = [...readdirSync(wasmDir).filter((f) => f.endsWith(".wat")), ...parts.map((p) => `include/${p}`)].map((f) => readFileSync(join(wasmDir, f), "utf8"));
    const included = new Set(texts.flatMap((t) => [...t.matchAll(/^\s*;;#include\s+(\S+)\s*$/gm)].map((m) => m[1])));
    expect(parts.filter((p) => !included.has(p))).toEqual([]);
    expect(parts.length).toBeGreaterThan(20);
  });

  it("starts with the do-not-edit header", () => {
    expect(readFileSync(join(wasmDir, "kernels.wasm.ts"), "utf8")).toMatch(/^\/\/ generated from src\/wasm\/\*\.wat by scripts\/build-wasm\.mjs; do not edit/);
  });
});

/** Runs build-wasm.mjs --check on a folder of .wat files { path: text }; its exit code and stderr. */
function buildIn(files: Record<string, string>, ...extra: string[]): { status: number; stderr: string; stdout: string } {
  const dir = mkdtempSync(join(tmpdir(), "wat-"));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const out = spawnSync(process.execPath, [join(root, "scripts", "build-wasm.mjs"), "--dir", dir, ...extra], { encoding: "utf8" });
    return { status: out.status ?? -1, stderr: out.stderr, stdout: out.stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("build-wasm.mjs parts (;;#include)", () => {
  const head = '(module\n  (import "env" "memory" (memory 1 65536 shared))\n';
  // m.wat includes include/m/outer.wat, which includes include/m/inner.wat
  const files = (inner: string, outer = ";; outer\n;;#include m/inner.wat\n") => ({
    "m.wat": `${head}  ;;#include m/outer.wat\n)\n`,
    "include/m/outer.wat": outer,
    "include/m/inner.wat": inner,
  });
  const good = ";; inner\n  (func (export \"one\") (result i32)\n    i32.const 1)\n";

  it("a wabt error in a nested part names that part's file and line, not the assembled text's", () => {
    const r = buildIn(files(";; inner\n  (func (export \"one\") (result i32)\n    f32.const 1)\n"), "--check");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/include\/m\/inner\.wat:3:5: error: type mismatch/);
    const parse = buildIn(files(";; inner\n\n  (func (export \"one\") (result i32)\n    i32.bogus)\n"), "--check");
    expect(parse.stderr).toMatch(/include\/m\/inner\.wat:4:5: error: unexpected token i32\.bogus/);
  });

  it("--print shows the module with its parts in place; a good module assembles (only the stale check fails)", () => {
    const r = buildIn(files(good), "--print", "m.wat");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${head};; outer\n;; inner\n  (func (export "one") (result i32)\n    i32.const 1)\n)\n`);
    expect(buildIn(files(good), "--check").stderr).toMatch(/kernels\.wasm\.ts is stale/);
  });

  it("refuses a missing part, an include cycle and a ;;#if passage left open at a part's end, naming file and line", () => {
    expect(buildIn(files(good, ";; outer\n;;#include m/none.wat\n"), "--check").stderr).toMatch(
      /include\/m\/outer\.wat:2: cannot include m\/none\.wat \(expected src\/wasm\/include\/m\/none\.wat\)/,
    );
    expect(buildIn(files(";;#include m/outer.wat\n"), "--check").stderr).toMatch(/includes include\/m\/outer\.wat again/);
    expect(buildIn(files(`;;#if relaxed\n${good}`), "--check").stderr).toMatch(/include\/m\/inner\.wat:1: ;;#if relaxed not closed by ;;#end in that file/);
  });

  it("a part may sit inside a ;;#if relaxed passage: it is then in the relaxed build only", () => {
    const relaxedOnly = files(good, ";; outer\n;;#if relaxed\n;;#include m/inner.wat\n;;#else\n;;#end\n");
    expect(buildIn(relaxedOnly, "--print", "m.wat", "--relaxed").stdout).toMatch(/\(func \(export "one"\)/);
    expect(buildIn(relaxedOnly, "--print", "m.wat").stdout).not.toMatch(/func/);
    // a directive of that passage inside the part is refused
    const crossed = files(`${good};;#else\n`, ";; outer\n;;#if relaxed\n;;#include m/inner.wat\n;;#end\n");
    expect(buildIn(crossed, "--check").stderr).toMatch(/include\/m\/inner\.wat:4: ;;#else of the ;;#if relaxed at include\/m\/outer\.wat:2, which is in another file/);
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
