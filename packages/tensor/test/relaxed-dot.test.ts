import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import wabtInit from "wabt";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { ACT_Q16, Q4_0, Q8_0, blocksPerRow } from "../src/compact/blocks.js";
import { encodeWeights } from "../src/compact/encode.js";
import { WeightMatrix } from "../src/compact/matrix.js";
import { quantizedMatmulF32 } from "../src/compact/matmul.reference.js";
import { heap } from "../src/wasm/heap.js";
import { compileKernels, instantiateKernels, relaxedDot, relaxedDotSupported, relaxedSimd, setRelaxedDot } from "../src/wasm/instance.js";
import type { CompactExports, RelaxedDotExports } from "../src/wasm/exports.js";
import { relaxedWasmModules } from "../src/wasm/kernels.wasm.js";
import { relaxedDotWorks } from "../src/wasm/relaxed-probe.js";
import { getThreads, setThreads } from "../src/wasm/pool.js";
import { seededFloats } from "./helpers.js";

// relaxeddot.wat: Q8_0 / Q4_0 products with i16x8.relaxed_dot_i8x16_i7x16_s. Node ≥ 22 (and CI's
// Node 22 step) runs them at start-up; Node 20 compiles them with --experimental-wasm-relaxed-simd,
// set here (its i32x4 form of the instruction is wrong, which relaxeddot.wat does not use).
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) setFlagsFromString("--experimental-wasm-relaxed-simd");
const initialThreads = getThreads();
const initialRelaxedDot = relaxedDot();
afterAll(() => {
  setThreads(initialThreads);
  setRelaxedDot(initialRelaxedDot);
});

const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);
const relaxedModule = new WebAssembly.Module(Buffer.from(relaxedWasmModules["relaxeddot"]!, "base64"));
const probePasses = relaxedDotWorks(relaxedModule, true);

/** relaxeddot.wat's relaxed build (its parts in place: build-wasm.mjs --print) with every i16x8.relaxed_dot_i8x16_i7x16_s (a b) rewritten by `edit`. */
async function variantModule(edit: (a: string, b: string) => string): Promise<WebAssembly.Module> {
  const script = join(dirname(fileURLToPath(import.meta.url)), "../scripts/build-wasm.mjs");
  const text = execFileSync(process.execPath, [script, "--print", "relaxeddot.wat", "--relaxed"], { encoding: "utf8" });
  const op = "(i16x8.relaxed_dot_i8x16_i7x16_s ";
  /** the balanced s-expression starting at i (after spaces): [text, end] */
  const sexp = (i: number): [string, number] => {
    while (/\s/.test(text[i]!)) i++; // operands may stand on the next line
    let depth = 0, j = i;
    do {
      if (text[j] === "(") depth++;
      else if (text[j] === ")") depth--;
      j++;
    } while (depth > 0);
    return [text.slice(i, j), j];
  };
  let out = "", at = 0;
  for (let i = text.indexOf(op); i >= 0; i = text.indexOf(op, at)) {
    const [a, ia] = sexp(i + op.length);
    const [b, ib] = sexp(ia);
    out += text.slice(at, i) + edit(a, b);
    at = ib + 1; // past the closing parenthesis
  }
  out += text.slice(at);
  const features = { simd: true, threads: true, relaxed_simd: true };
  const wabt = await wabtInit();
  const mod = wabt.parseWat("relaxeddot.wat", out, features);
  try {
    return new WebAssembly.Module(new Uint8Array(mod.toBinary({}).buffer));
  } finally {
    mod.destroy();
  }
}

describe("the start-up probe of the relaxed int8 dot product", () => {
  it(`Node ${process.versions.node}${major >= 22 ? "" : " with --experimental-wasm-relaxed-simd"}: relaxeddot.wat's products are exact, and in use where the relaxed kernels are`, () => {
    expect(probePasses).toBe(true);
    if (major >= 22) expect(relaxedDotSupported).toBe(true);
    expect(relaxedDot()).toBe(relaxedSimd && relaxedDotSupported);
  });

  it("refuses products that are off (the instruction replaced by a saturating add)", async () => {
    const broken = await variantModule((a, b) => `(i16x8.add_sat_s ${a} ${b})`);
    expect(relaxedDotWorks(broken, true)).toBe(false);
  });

  it(`${process.arch}: the i7 operand with its top bit set (operands swapped) ${process.arch === "x64" ? "is read as unsigned by V8 (pmaddubsw), and the probe refuses it" : "is implementation-defined; the probe decides"}`, async () => {
    const swapped = await variantModule((a, b) => `(i16x8.relaxed_dot_i8x16_i7x16_s ${b} ${a})`);
    const works = relaxedDotWorks(swapped, true);
    if (process.arch === "x64") expect(works).toBe(false);
    else expect(typeof works).toBe("boolean");
  });
});

/** Raw weight bytes: random f16 scales (finite, ±2^-10…2^5) and random q bytes (Q8_0: −127…127). */
function randomBlocks(dtype: "q8_0" | "q4_0", N: number, K: number, seed: number): Uint8Array {
  const bb = (dtype === "q8_0" ? Q8_0 : Q4_0).blockBytes;
  const out = new Uint8Array(N * blocksPerRow(K) * bb);
  const r = seededFloats(out.length, seed, 1);
  for (let i = 0; i < out.length; i++) out[i] = Math.floor((r[i]! + 1) * 128) & 255;
  for (let b = 0; b < out.length; b += bb) {
    out[b + 1] = (out[b + 1]! % 60) + 0x14 + (out[b + 1]! & 0x80); // exponent 5…19 with either sign
    if (dtype === "q8_0") for (let j = b + 2; j < b + bb; j++) if (out[j] === 0x80) out[j] = 0x81;
  }
  return out;
}

/** One product on explicit kernels: compact.wat's (plain) or relaxeddot.wat's, one thread. */
function run(k: CompactExports | RelaxedDotExports, dtype: "q8_0" | "q4_0", x: Float32Array, M: number, K: number, w: Uint8Array, N: number): Float32Array {
  const nb = blocksPerRow(K);
  const px = heap.alloc(M * K), pw = heap.alloc(Math.ceil(w.length / 4)), po = heap.alloc(M * N);
  const pq = heap.alloc((M * nb * ACT_Q16.blockBytes) / 4 + M * nb), pd = pq + M * nb * ACT_Q16.blockBytes;
  heap.view(px, M * K).set(x);
  new Uint8Array(heap.memory.buffer, pw, w.length).set(w);
  if ("quantizeActs8" in k) k.quantizeActs8(px, M, K, pq, pd);
  else k.quantizeActs16(px, M, K, pq, pd);
  (dtype === "q8_0" ? k.dotQ8_0 : k.dotQ4_0)(pq, pd, M, nb, pw, N, po, N);
  const out = heap.view(po, M * N).slice();
  for (const p of [px, pw, po, pq]) heap.release(p);
  return out;
}

describe("relaxeddot.wat against compact.wat's SIMD128 products", () => {
  const plain = instantiateKernels(compileKernels(false)).compact;
  const relaxed = instantiateKernels(compileKernels(true)).relaxeddot as RelaxedDotExports;

  it("the same float32 bits, odd shapes, encoded and raw weights (every byte, ±127), activations with zero blocks", () => {
    fc.assert(
      fc.property(
        fc.record({
          dtype: fc.constantFrom("q8_0" as const, "q4_0" as const),
          raw: fc.boolean(),
          M: fc.integer({ min: 1, max: 9 }),
          K: fc.integer({ min: 1, max: 200 }),
          N: fc.integer({ min: 1, max: 40 }),
          zeroFrom: fc.integer({ min: 0, max: 200 }),
          seed: fc.integer({ min: 1, max: 1 << 30 }),
        }),
        ({ dtype, raw, M, K, N, zeroFrom, seed }) => {
          const x = seededFloats(M * K, seed, 3);
          for (let m = 0; m < M; m++) x.fill(0, m * K + Math.min(K, zeroFrom), m * K + Math.min(K, zeroFrom + 40)); // whole zero blocks (d = 0)
          const w = raw ? randomBlocks(dtype, N, K, seed + 1) : encodeWeights(seededFloats(N * K, seed + 1, 0.5), N, K, dtype, "w");
          const what = `${dtype} raw=${raw} M=${M} K=${K} N=${N}`;
          const want = run(plain, dtype, x, M, K, w, N);
          expect(bits(run(relaxed, dtype, x, M, K, w, N)), what).toEqual(bits(want));
          expect(bits(want), what).toEqual(bits(quantizedMatmulF32(x, M, K, w, dtype, N)));
        },
      ),
      { numRuns: 120, seed: 17 },
    );
  });

  it("quantizeActs8: compact.wat's integers as bytes, then −8·Σq of the block in every i32 lane", () => {
    const M = 3, K = 77, nb = blocksPerRow(K);
    const x = seededFloats(M * K, 5, 9);
    const px = heap.alloc(M * K), p8 = heap.alloc(M * nb * 17), p16 = heap.alloc(M * nb * 17);
    heap.view(px, M * K).set(x);
    relaxed.quantizeActs8(px, M, K, p8, p8 + 64 * M * nb);
    plain.quantizeActs16(px, M, K, p16, p16 + 64 * M * nb);
    const q8 = new Int8Array(heap.memory.buffer, p8, 64 * M * nb), c = new Int32Array(heap.memory.buffer, p8, 16 * M * nb);
    const q16 = new Int16Array(heap.memory.buffer, p16, 32 * M * nb);
    for (let b = 0; b < M * nb; b++) {
      for (let j = 0; j < 32; j++) expect(q8[64 * b + j]).toBe(q16[32 * b + j]);
      let s = 0;
      for (let j = 0; j < 32; j++) s += q16[32 * b + j]!;
      for (let l = 0; l < 4; l++) expect(c[16 * b + 8 + l]).toBe(-8 * s);
    }
    expect(bits(heap.view(p8 + 64 * M * nb, M * nb).slice())).toEqual(bits(heap.view(p16 + 64 * M * nb, M * nb).slice()));
    for (const p of [px, p8, p16]) heap.release(p);
  });

  it("q8HasMinus128 finds a −128 at any weight of any block (not in the scales), and none in clean blocks", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.nat(), fc.integer({ min: 1, max: 1 << 30 }), (blocks, at, seed) => {
        const w = randomBlocks("q8_0", blocks, 32, seed);
        const pw = heap.alloc(Math.ceil(w.length / 4) + 1);
        const bytes = new Uint8Array(heap.memory.buffer, pw, w.length);
        bytes.set(w);
        expect(relaxed.q8HasMinus128(pw, blocks)).toBe(0);
        bytes[34 * (at % blocks) + 1] = 0x80; // a scale's high byte (−0 · 2^…): not a weight
        expect(relaxed.q8HasMinus128(pw, blocks)).toBe(0);
        bytes[34 * (at % blocks) + 2 + (at % 32)] = 0x80;
        expect(relaxed.q8HasMinus128(pw, blocks)).toBe(1);
        heap.release(pw);
      }),
      { numRuns: 100, seed: 3 },
    );
  });

  it("WeightMatrix: relaxed and SIMD128 products equal for 1–4 threads; a Q8_0 W holding −128 keeps compact.wat's product", () => {
    const K = 300, N = 70;
    const mats = [
      WeightMatrix.fromF32(seededFloats(N * K, 3, 0.5), N, K, "q8_0"),
      WeightMatrix.fromF32(seededFloats(N * K, 4, 0.5), N, K, "q4_0"),
    ];
    const m128 = randomBlocks("q8_0", N, K, 6);
    m128[2 + 34 * 40 + 5] = 0x80; // one weight −128, where (q ⊕ m) − m would give −128 again
    mats.push(WeightMatrix.fromBytes(m128, N, K, "q8_0", "minus128"));
    for (const M of [1, 3, 17]) {
      const x = seededFloats(M * K, M, 2);
      for (const mat of mats) {
        setRelaxedDot(false);
        setThreads(1);
        const want = mat.matmulTransB(x, M);
        expect(bits(want)).toEqual(bits(quantizedMatmulF32(x, M, K, mat.bytes(), mat.dtype as "q8_0" | "q4_0", N)));
        setRelaxedDot(true);
        for (const t of [1, 2, 3, 4]) {
          setThreads(t);
          expect(bits(mat.matmulTransB(x, M)), `${mat.name} ${mat.dtype} M=${M} threads=${t}`).toEqual(bits(want));
        }
      }
    }
    for (const m of mats) m.dispose();
  });
});
