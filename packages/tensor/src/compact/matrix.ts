import { ShapeError } from "../errors.js";
import { heap } from "../wasm/heap.js";
import { relaxedDot } from "../wasm/instance.js";
import { memoryBuffer } from "../wasm/scratch.js";
import { matmulTransB } from "../kernels/matmul.js";
import { rowBytes, type WeightDtype } from "./dtype.js";
import { decodeRow, encodeWeightsInto } from "./encode.js";
import { checkKQuantRow, isKQuant } from "./kquant.js";
import { compactMatmulTransB, q8NeedsPlainDot } from "./matmul.js";
import { compactMatmulTransBGroup } from "./matmul-group.js";

/** Floats of the staging buffer encodeRows converts through (1 MiB), reused by every matrix. */
const STAGING_FLOATS = 1 << 18;
let staging = new Float32Array(0);

/**
 * A weight matrix W [rows, cols] (HF Linear layout: one row per output feature) kept in the WASM
 * heap in one of the dtypes of dtype.ts. The seam between a model and the compact formats: a
 * model holds WeightMatrix objects and calls `matmulTransB` (y = x·Wᵀ) and `row` (an embedding
 * gather), whatever the dtype.
 */
export class WeightMatrix {
  private ptr: number;
  /** q8_0: whether some weight is −128 (found at the first product with the relaxed dot in use; matmul.ts says why) */
  private minus128: boolean | null = null;

  private constructor(
    readonly dtype: WeightDtype,
    readonly rows: number,
    readonly cols: number,
    readonly name: string,
    bytes: Uint8Array | null,
  ) {
    this.ptr = heap.alloc(Math.ceil(this.byteLength / 4), { zero: false, what: `weight ${name}` });
    if (bytes !== null) new Uint8Array(memoryBuffer(), this.ptr, bytes.length).set(bytes);
  }

  /** Converts float32 weights [rows, cols] to `dtype` (quantizing for q8_0 / q4_0). `name` is used in errors. */
  static fromF32(w: ArrayLike<number>, rows: number, cols: number, dtype: WeightDtype, name = "weight"): WeightMatrix {
    if (w.length < rows * cols) throw new Error(`${name}: ${w.length} values, [${rows}, ${cols}] needs ${rows * cols}`);
    if (isKQuant(dtype)) checkKQuantRow(dtype, cols, name);
    const m = new WeightMatrix(dtype, rows, cols, name, null);
    try {
      // straight into the heap (encoding allocates nothing there, so the view stays valid)
      encodeWeightsInto(w, rows, cols, dtype, name, new Uint8Array(memoryBuffer(), m.ptr, m.byteLength));
    } catch (e) {
      m.dispose();
      throw e;
    }
    return m;
  }

  /**
   * Converts float32 weights [rows, cols] to `dtype` piece by piece as `read(start, into)` delivers
   * them (elements [start, start + into.length), row-major: e.g. a file's tensor, TensorSource
   * readF32), encoding each piece straight into the matrix's place in the WASM heap. The only
   * float32 copy is one reused staging buffer of about 1 MiB (a row at least): the heap holds the
   * compact bytes alone, so loading a compact model never touches pages for its float32 size.
   */
  static encodeRows(rows: number, cols: number, dtype: WeightDtype, name: string, read: (start: number, into: Float32Array) => void): WeightMatrix {
    if (isKQuant(dtype)) checkKQuantRow(dtype, cols, name);
    const m = new WeightMatrix(dtype, rows, cols, name, null);
    const rb = rowBytes(dtype, cols);
    const per = Math.max(1, Math.floor(STAGING_FLOATS / cols)); // rows a piece
    if (staging.length < per * cols) staging = new Float32Array(per * cols);
    try {
      for (let r0 = 0; r0 < rows; r0 += per) {
        const n = Math.min(per, rows - r0);
        const piece = staging.subarray(0, n * cols);
        read(r0 * cols, piece);
        encodeWeightsInto(piece, n, cols, dtype, name, new Uint8Array(memoryBuffer(), m.ptr + r0 * rb, n * rb), r0);
      }
    } catch (e) {
      m.dispose();
      throw e;
    }
    return m;
  }

  /** Takes bytes already in `dtype`'s layout (e.g. a GGUF tensor: rows of whole 32- or 256-weight blocks). */
  static fromBytes(bytes: Uint8Array, rows: number, cols: number, dtype: WeightDtype, name = "weight"): WeightMatrix {
    if (isKQuant(dtype)) checkKQuantRow(dtype, cols, name);
    const want = rows * rowBytes(dtype, cols);
    if (bytes.length !== want) throw new Error(`${name}: ${bytes.length} bytes, ${dtype} [${rows}, ${cols}] needs ${want}`);
    return new WeightMatrix(dtype, rows, cols, name, bytes);
  }

  /** Bytes the weights take in memory. */
  get byteLength(): number {
    return this.rows * rowBytes(this.dtype, this.cols);
  }

  /** The stored bytes (a view of the heap, valid until it grows). */
  bytes(): Uint8Array {
    this.live();
    return new Uint8Array(memoryBuffer(), this.ptr, this.byteLength);
  }

  /** out [M, rows] = x [M, cols] · Wᵀ, or out += x·Wᵀ with `accumulate` (a residual add). */
  matmulTransB(x: Float32Array, M: number, out: Float32Array = new Float32Array(M * this.rows), accumulate = false): Float32Array {
    this.live();
    if (this.dtype === "f32") {
      return matmulTransB(x, new Float32Array(memoryBuffer(), this.ptr, this.rows * this.cols), M, this.cols, this.rows, out, 1, accumulate ? 1 : 0);
    }
    // accumulate: the product in kernel scratch, then out += it on the pool (compact/matmul.ts)
    return compactMatmulTransB(x, M, this.cols, this.ptr, () => this.bytes(), this.dtype, this.rows, out, this.hasMinus128(), accumulate);
  }

  /**
   * out_i [M, rows_i] = x [M, cols]·W_iᵀ for compact matrices of one dtype and width sharing x (a
   * layer's q, k, v): x quantized once, all products in one pool round (compact/matmul-group.ts),
   * each with the bits of its own matmulTransB. Returns false, having done nothing, where that does
   * not apply (f32 or mixed dtypes or widths, or see compactMatmulTransBGroup): call them one by one.
   */
  static matmulTransBGroup(x: Float32Array, M: number, products: readonly { w: WeightMatrix; out: Float32Array }[]): boolean {
    const first = products[0]?.w;
    if (first === undefined || first.dtype === "f32") return false;
    for (const { w, out } of products) {
      w.live();
      if (w.dtype !== first.dtype || w.cols !== first.cols) return false;
      if (out.length < M * w.rows) throw new ShapeError(`${w.name}: out has ${out.length} elements, [M, rows] = [${M}, ${w.rows}] needs ${M * w.rows}`);
    }
    if (x.length < M * first.cols) throw new ShapeError(`${first.name}: x has ${x.length} elements, [M, cols] = [${M}, ${first.cols}] needs ${M * first.cols}`);
    const items = products.map(({ w, out }) => ({ w: w.ptr, N: w.rows, out, q8Minus128: w.hasMinus128() }));
    return compactMatmulTransBGroup(x, M, first.cols, first.dtype, items);
  }

  /** Row r as float32 (dequantized) into out [cols] at outOffset: the embedding gather. */
  row(r: number, out: Float32Array = new Float32Array(this.cols), outOffset = 0): Float32Array {
    if (!Number.isInteger(r) || r < 0 || r >= this.rows) throw new ShapeError(`${this.name}: row ${r} out of range [0, ${this.rows})`);
    return decodeRow(this.bytes(), this.dtype, this.cols, r, out, outOffset);
  }

  /** Gives the heap memory back; the matrix is unusable afterwards. */
  dispose(): void {
    if (this.ptr !== 0) heap.release(this.ptr);
    this.ptr = 0;
  }

  /** A Q8_0 matrix holding a −128 (the one weight relaxeddot.wat's product cannot take), found once. */
  private hasMinus128(): boolean {
    if (this.dtype === "q8_0" && this.minus128 === null && relaxedDot()) this.minus128 = q8NeedsPlainDot(this.ptr, this.rows, this.cols);
    return this.minus128 === true;
  }

  private live(): void {
    if (this.ptr === 0) throw new Error(`${this.name}: WeightMatrix used after dispose()`);
  }
}
