/** Types of the kernel modules' exports, one interface per .wat file (byte addresses into the heap of heap.ts). */

/** Exports of gemm.wat (byte addresses, strides in floats; the contracts are in its parts, src/wasm/include/gemm/). */
export interface GemmExports {
  gemm(
    M: number, N: number, K: number,
    a: number, rsA: number, csA: number,
    b: number, rsB: number, csB: number,
    c: number, ldc: number, alpha: number, beta: number,
    ap: number, bp: number, tile: number,
  ): void;
  gemmPackedB(
    M: number, N: number, K: number,
    a: number, rsA: number, csA: number,
    packed: number, Npad: number, n0: number,
    c: number, ldc: number, alpha: number, beta: number,
    ap: number, tile: number,
  ): void;
  packBT(w: number, N: number, K: number, dst: number): void;
  /** C [M, N] = A·Wᵀ, W [N, K] bf16 (f16 = 0) or f16 (f16 = 1) at byte address w, widened while packed: gemm's bits on the widened W */
  gemmW16(M: number, N: number, K: number, a: number, rsA: number, csA: number, w: number, f16: number, c: number, ldc: number, ap: number, bp: number, tile: number): void;
  MR: WebAssembly.Global;
  NR: WebAssembly.Global;
  KC: WebAssembly.Global;
  MC: WebAssembly.Global;
  NC: WebAssembly.Global;
}

/** Exports of gemv.wat (byte addresses). */
export interface GemvExports {
  gemvT(x: number, w: number, rows: number, K: number, out: number, alpha: number, beta: number): void;
  gemvN(x: number, b: number, K: number, N: number, out: number, alpha: number, beta: number, acc: number): void;
}

/** Exports of exp.wat (softmax family, silu/swiglu); 0 = "no such operand". */
export interface ExpExports {
  softmax(x: number, out: number, rows: number, cols: number, causalOffset: number, causalPeriod: number, window: number): void;
  logSoftmax(x: number, out: number, rows: number, cols: number): void;
  softmaxBackward(y: number, dy: number, dx: number, rows: number, cols: number): void;
  swiglu(gate: number, up: number, out: number, n: number): void;
  swigluBackward(gate: number, up: number, dy: number, dgate: number, dup: number, n: number): void;
}

/** Exports of norm.wat; 0 = "not given". */
export interface NormExports {
  rmsNorm(x: number, w: number, out: number, rows: number, cols: number, eps: number, rrms: number): void;
  /** stdEps = 1: RustGPT's eps outside the root, stat = σ instead of 1/√(var + eps). */
  layerNorm(x: number, w: number, b: number, out: number, rows: number, cols: number, eps: number, mean: number, stat: number, stdEps: number): void;
  rmsNormBackward(x: number, w: number, rrms: number, dy: number, dx: number, dw: number, rows: number, cols: number): void;
  layerNormBackward(
    x: number, w: number, mean: number, stat: number, dy: number, dx: number, dw: number, db: number, rows: number, cols: number, eps: number, stdEps: number,
  ): void;
}

/** Exports of elementwise.wat. */
export interface ElementwiseExports {
  add(a: number, b: number, out: number, n: number): void;
  sub(a: number, b: number, out: number, n: number): void;
  mul(a: number, b: number, out: number, n: number): void;
  axpy(alpha: number, x: number, y: number, n: number, accumulate: number): void;
  zeroSegments(table: number, count: number): void;
  relu(x: number, out: number, n: number): void;
  reluBackward(x: number, dy: number, dx: number, n: number): void;
  addColumnSums(x: number, rows: number, cols: number, y: number): void;
}

/** Exports of rope.wat. */
export interface RopeExports {
  rope(x: number, out: number, seq: number, nHeads: number, headDim: number, cos: number, sin: number, interleaved: number, inverse: number): void;
}

/** Exports of attention.wat (byte addresses; the cache layout in its header, the contract in include/attention/attend.wat). */
export interface AttentionExports {
  attention(
    q: number, out: number, nQ: number, pos0: number, h0: number, h1: number, nHeads: number, nKv: number, hd: number,
    keys: number, values: number, blockSize: number, table: number, window: number, scale: number, scores: number,
  ): void;
}

/** Exports of adam.wat (byte addresses; the scalars as src/kernels/optim.ts computes them). */
export interface AdamExports {
  adamStep(
    p: number, g: number, m: number, v: number, n: number,
    beta1: number, beta2: number, c1: number, c2: number, stepSize: number, invBc2Sqrt: number, eps: number, l2: number, decay: number,
  ): void;
  adamSteps(
    table: number, count: number,
    beta1: number, beta2: number, c1: number, c2: number, stepSize: number, invBc2Sqrt: number, eps: number, l2: number, decay: number,
  ): void;
}

/**
 * Exports of compact.wat: products with weights kept compact (src/compact/blocks.ts has the
 * layouts). Each dot* computes out[m·ldo + r] = Σ_k x[m, k]·W[r, k] for r < rows, m < M.
 */
export interface CompactExports {
  /** x f32 [M, K] (row stride K), W bf16 / f16 [rows, K] (row stride 2K bytes) */
  dotBf16(x: number, M: number, K: number, w: number, rows: number, out: number, ldo: number): void;
  dotF16(x: number, M: number, K: number, w: number, rows: number, out: number, ldo: number): void;
  /** x' [n] = x·2^112 at out; 1 when exact (no finite |x| ≥ 2^16), else 0 (row-dot-f16-scaled.wat) */
  scaleActs112(x: number, n: number, out: number): number;
  /** dotF16 on x' from scaleActs112: the same bits, without the widening's multiply */
  dotF16Scaled(x: number, M: number, K: number, w: number, rows: number, out: number, ldo: number): void;
  /** xq, xd: activations quantized by quantizeActs16 (nb blocks a row), W Q8_0 / Q4_0 [rows, nb blocks] */
  dotQ8_0(xq: number, xd: number, M: number, nb: number, w: number, rows: number, out: number, ldo: number): void;
  dotQ4_0(xq: number, xd: number, M: number, nb: number, w: number, rows: number, out: number, ldo: number): void;
  /** quantizeActs16's blocks laid out by pairs of rows for gemmQ8_0 / gemmQ4_0 (pairs j0 … j1−1 of 2·⌈M/4⌉; compact/int-gemm-pack.wat) */
  pairActs16(xq: number, xd: number, M: number, nb: number, x2: number, j0: number, j1: number): void;
  /** dotQ8_0 / dotQ4_0 for many rows of x (prefill), the same bits: x from pairActs16, W packed 8 rows at a time into `panel` (nb·1088 bytes) */
  gemmQ8_0(x2: number, M: number, nb: number, w: number, rows: number, out: number, ldo: number, panel: number): void;
  gemmQ4_0(x2: number, M: number, nb: number, w: number, rows: number, out: number, ldo: number, panel: number): void;
  /** x f32 [M, K] → q i16 [M, nb, 32] at xq and d f32 [M, nb] at xd (zero-padded past K) */
  quantizeActs16(x: number, M: number, K: number, xq: number, xd: number): void;
  /** bf16 / f16 [n] → f32 [n] (embedding rows) */
  widenBf16(w: number, n: number, out: number): void;
  widenF16(w: number, n: number, out: number): void;
}

/**
 * Exports of kquant.wat: products with weights in llama.cpp's Q4_K / Q5_K / Q6_K super-blocks [rows, nsb]
 * (src/quant/q4_k.ts, q5_k.ts, q6_k.ts; nsb = K/256), against activations quantized by quantizeActsK (nsb
 * blocks a row, src/compact/kquant.ts). Each computes out[m·ldo + r] = Σ_k x[m, k]·W[r, k].
 */
export interface KquantExports {
  dotQ4_K(xq: number, M: number, nsb: number, w: number, rows: number, out: number, ldo: number): void;
  dotQ5_K(xq: number, M: number, nsb: number, w: number, rows: number, out: number, ldo: number): void;
  dotQ6_K(xq: number, M: number, nsb: number, w: number, rows: number, out: number, ldo: number): void;
  /** x f32 [M, K] (K a multiple of 256) → xq: M rows of K/256 activation blocks */
  quantizeActsK(x: number, M: number, K: number, xq: number): void;
  /** quantizeActsK's blocks laid out by pairs of rows for gemmQ4_K / gemmQ6_K (pairs j0 … j1−1 of 2·⌈M/4⌉; kquant/gemm-acts.wat) */
  pairActsK(xq: number, M: number, nsb: number, x2: number, j0: number, j1: number): void;
  /** dotQ4_K / dotQ6_K for many rows of x (prefill), the same bits: x from pairActsK, W packed 8 rows at a time into `panel` (nsb·8576 + 1088 bytes) */
  gemmQ4_K(x2: number, M: number, nsb: number, w: number, rows: number, out: number, ldo: number, panel: number): void;
  gemmQ5_K(x2: number, M: number, nsb: number, w: number, rows: number, out: number, ldo: number, panel: number): void;
  gemmQ6_K(x2: number, M: number, nsb: number, w: number, rows: number, out: number, ldo: number, panel: number): void;
}

/**
 * Exports of relaxeddot.wat: compact.wat's dotQ8_0 / dotQ4_0 and their activation quantizer with
 * relaxed SIMD's int8 dot product, the same results bit for bit. Only its relaxed-SIMD build has
 * them (the SIMD128 build is empty); src/compact/matmul.ts calls them where `relaxedDot` is true.
 */
export interface RelaxedDotExports {
  dotQ8_0(xq: number, xd: number, M: number, nb: number, w: number, rows: number, out: number, ldo: number): void;
  dotQ4_0(xq: number, xd: number, M: number, nb: number, w: number, rows: number, out: number, ldo: number): void;
  /** x f32 [M, K] → 64-byte blocks (q i8[32], then the Q4_0 correction −8·Σq in 4 i32 lanes) at xq, d f32 [M, nb] at xd */
  quantizeActs8(x: number, M: number, K: number, xq: number, xd: number): void;
  /** 1 when some weight of the n Q8_0 blocks at w is −128 (which dotQ8_0 here cannot take), else 0 */
  q8HasMinus128(w: number, n: number): number;
  /** quantizeActs16's blocks by pairs of rows, as bytes, for gemmQ4_0 here (pairs j0 … j1−1 of 2·⌈M/4⌉; relaxeddot/q4_0-gemm-pack.wat) */
  pairActs8(xq: number, xd: number, M: number, nb: number, x2: number, j0: number, j1: number): void;
  /** compact.wat's gemmQ4_0 on the int8 dot product: x from pairActs8, W packed 8 rows at a time into `panel` (nb·576 bytes) */
  gemmQ4_0(x2: number, M: number, nb: number, w: number, rows: number, out: number, ldo: number, panel: number): void;
  /** kquant.wat's decode row-dots on the int8 dot product, the same bits (relaxeddot/kquant-rows.wat) */
  dotQ4_K(xq: number, M: number, nsb: number, w: number, rows: number, out: number, ldo: number): void;
  dotQ5_K(xq: number, M: number, nsb: number, w: number, rows: number, out: number, ldo: number): void;
  /** quantizeActsK's blocks laid out by pairs of rows for gemmQ4_K (bytes; relaxeddot/q4_k-gemm-pack.wat) */
  pairActsK8(xq: number, M: number, nsb: number, x2: number, j0: number, j1: number): void;
  /** kquant.wat's gemmQ4_K on the int8 dot product, the same bits: x from pairActsK8, `panel`: nsb·4992 + 32 bytes */
  gemmQ4_K(x2: number, M: number, nsb: number, w: number, rows: number, out: number, ldo: number, panel: number): void;
}

/** Exports of stream.wat (the bandwidth probe of the benchmarks). */
export interface StreamExports {
  readStream(p: number, bytes: number): number;
}

/** Exports of encode.wat (float32 weights → compact bytes at load; src/compact/encode-wasm.ts). */
export interface EncodeExports {
  /** f32 [n] → f16 [n]; the index of the first value that does not fit, n when all do */
  f32ToF16(src: number, n: number, dst: number): number;
  f32ToBf16(src: number, n: number, dst: number): void;
  /** f32 [rows, K] → Q8_0 rows; the first row holding inf/NaN (not written), rows when none does */
  quantizeQ8_0Rows(src: number, rows: number, K: number, dst: number): number;
  /** the same for Q4_0 (quant/q4_0.ts quantizeQ4_0's search); tmp: 1 KiB of scratch, 8-aligned */
  quantizeQ4_0Rows(src: number, rows: number, K: number, dst: number, tmp: number): number;
  /** quantizeQ4_0Rows as a pool job: its result stored as an i32 at res */
  quantizeQ4_0RowsJob(src: number, rows: number, K: number, dst: number, tmp: number, res: number): void;
}

/** Exports of every module, by .wat file name. */
export interface WasmKernels {
  stream: StreamExports;
  encode: EncodeExports;
  compact: CompactExports;
  relaxeddot: Partial<RelaxedDotExports>;
  kquant: KquantExports;
  gemm: GemmExports;
  gemv: GemvExports;
  exp: ExpExports;
  norm: NormExports;
  elementwise: ElementwiseExports;
  rope: RopeExports;
  adam: AdamExports;
  attention: AttentionExports;
}
