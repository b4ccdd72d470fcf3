import type {} from "./webassembly-types.js";
import type { CompactExports, GemmExports, RelaxedDotExports } from "./exports.js";

/**
 * Checks that the engine computes relaxed SIMD the way compact.wat relies on, by running the
 * relaxed compact module on a few hand-made blocks and comparing with the exact answers.
 * Validation alone is not enough: Node 20's V8, with --experimental-wasm-relaxed-simd, validates
 * i32x4.relaxed_dot_i8x16_i7x16_add_s but returns twice the dot product and drops the accumulator
 * (measured: dot([100], [3]) + 5 gave 600). compact.wat no longer uses that instruction (its
 * 16-bit activation blocks feed i32x4.dot_i16x8_s in both variants); the relaxed variant differs
 * in f32x4.relaxed_madd, checked here with the q8_0 / q4_0 products it runs beside.
 */
export function relaxedKernelsWork(compact: WebAssembly.Module, shared: boolean): boolean {
  try {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared });
    const k = new WebAssembly.Instance(compact, { env: { memory } }).exports as unknown as CompactExports;
    const view = new DataView(memory.buffer);
    // x = [1, −2, 3, …] (32 values), W row = [1, 1, …]: dot = Σ x = 16·(−1)... computed below
    const x = Array.from({ length: 32 }, (_, j) => (j % 2 === 0 ? j + 1 : -(j + 1)));
    for (let j = 0; j < 32; j++) view.setFloat32(64 + 4 * j, x[j]!, true);
    // Q8_0 block at 256: d = 1 (f16 0x3c00), q = 3 (positive) or −5 (negative) alternately
    view.setUint16(256, 0x3c00, true);
    for (let j = 0; j < 32; j++) view.setInt8(258 + j, j % 3 === 0 ? -5 : 3);
    // Q4_0 block at 320: d = 1, nibbles 8 + 7 = 15 (w = 7) low, 8 − 6 = 2 (w = −6) high
    view.setUint16(320, 0x3c00, true);
    for (let j = 0; j < 16; j++) view.setUint8(322 + j, 15 | (2 << 4));
    k.quantizeActs16(64, 1, 32, 512, 576); // d = 32/127, so q = round(x·127/32)
    const q = Array.from({ length: 32 }, (_, j) => view.getInt16(512 + 2 * j, true));
    const d = view.getFloat32(576, true);
    const want8 = d * q.reduce((s, v, j) => s + v * (j % 3 === 0 ? -5 : 3), 0);
    const want4 = d * q.reduce((s, v, j) => s + v * (j < 16 ? 7 : -6), 0);
    k.dotQ8_0(512, 576, 1, 1, 256, 1, 1024, 1);
    k.dotQ4_0(512, 576, 1, 1, 320, 1, 1028, 1);
    // bf16 row of 2.0 (0x4000) against x: relaxed_madd
    for (let j = 0; j < 32; j++) view.setUint16(1088 + 2 * j, 0x4000, true);
    k.dotBf16(64, 1, 32, 1088, 1, 1032, 1);
    const close = (got: number, want: number): boolean => Math.abs(got - want) <= 1e-5 * Math.max(1, Math.abs(want));
    return close(view.getFloat32(1024, true), want8) && close(view.getFloat32(1028, true), want4) && close(view.getFloat32(1032, true), 2 * x.reduce((s, v) => s + v, 0));
  } catch {
    return false;
  }
}

/**
 * Checks relaxeddot.wat's products (i16x8.relaxed_dot_i8x16_i7x16_s) against exact answers:
 * activations ±127 and small values through quantizeActs8 (d = 1, so q = x), one Q8_0 block with
 * weights ±127 among others and one Q4_0 block with every nibble. Every block sum is an integer
 * below 2^24 and d = 1, so the right output is that integer exactly. An engine that reads the i7
 * operand otherwise than the kernels rely on, or computes the instruction wrong, fails here and
 * Q8_0 / Q4_0 keep compact.wat's SIMD128 products.
 */
export function relaxedDotWorks(relaxeddot: WebAssembly.Module, shared: boolean): boolean {
  try {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared });
    const k = new WebAssembly.Instance(relaxeddot, { env: { memory } }).exports as unknown as RelaxedDotExports;
    const view = new DataView(memory.buffer);
    const x = Array.from({ length: 32 }, (_, j) => (j === 0 ? 127 : j === 1 ? -127 : ((j * 37) % 255) - 127));
    for (let j = 0; j < 32; j++) view.setFloat32(64 + 4 * j, x[j]!, true);
    const w8 = Array.from({ length: 32 }, (_, j) => (j < 2 ? 127 - 254 * j : ((j * 91) % 255) - 127));
    view.setUint16(256, 0x3c00, true); // d = 1
    for (let j = 0; j < 32; j++) view.setInt8(258 + j, w8[j]!);
    view.setUint16(320, 0x3c00, true);
    for (let j = 0; j < 16; j++) view.setUint8(322 + j, j | ((15 - j) << 4)); // w_j = j − 8, w_{j+16} = 7 − j
    k.quantizeActs8(64, 1, 32, 512, 576);
    if (view.getFloat32(576, true) !== 1) return false;
    k.dotQ8_0(512, 576, 1, 1, 256, 1, 1024, 1);
    k.dotQ4_0(512, 576, 1, 1, 320, 1, 1028, 1);
    const want8 = x.reduce((s, v, j) => s + v * w8[j]!, 0);
    const want4 = x.reduce((s, v, j) => s + v * (j < 16 ? j - 8 : 7 - (j - 16)), 0);
    return view.getFloat32(1024, true) === want8 && view.getFloat32(1028, true) === want4;
  } catch {
    return false;
  }
}

/**
 * True when gemm.wat's relaxed variant rounds once per multiply-add: f32x4.relaxed_madd may be
 * fused or not (the spec leaves it to the engine; V8 fuses where the CPU has FMA). The probe
 * sums 1·(−1) + (1 + 2⁻¹²)² through both micro-kernels (the direct one, A·B with one row, and the
 * packed one, A·Bᵀ): the exact square is 1 + 2⁻¹¹ + 2⁻²⁴, which a separate multiply rounds to
 * 1 + 2⁻¹¹ (a tie, to even), so mul + add gives 2⁻¹¹ and a fused multiply-add 2⁻¹¹ + 2⁻²⁴.
 * Where it does not fuse, instance.ts keeps gemm's SIMD128 variant, so the f32 products have one
 * summation order per variant (and tests one reference each).
 */
export function relaxedMaddFuses(gemm: WebAssembly.Module, shared: boolean): boolean {
  try {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared });
    const k = new WebAssembly.Instance(gemm, { env: { memory } }).exports as unknown as GemmExports;
    const f = new Float32Array(memory.buffer, 0, 64);
    const x = 1 + 2 ** -12;
    f.set([1, x], 0); // A [1, 2]
    f.set([-1, x], 4); // B [2, 1] (= Bᵀ [1, 2])
    const want = 2 ** -11 + 2 ** -24;
    k.gemm(1, 1, 2, 0, 2, 1, 16, 1, 1, 32, 1, 1, 0, 256, 1024, 2048); // A·B: direct path
    k.gemm(1, 1, 2, 0, 2, 1, 16, 1, 2, 36, 1, 1, 0, 256, 1024, 2048); // A·Bᵀ: packed path
    return f[8] === want && f[9] === want;
  } catch {
    return false;
  }
}
