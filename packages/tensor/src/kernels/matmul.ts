import { ShapeError } from "../errors.js";
import { wasmEnabled } from "../wasm/instance.js";
import { WASM_MIN_MACS, wasmMatmul, type MatmulLayout } from "../wasm/matmul.js";
export type { MatmulLayout } from "../wasm/matmul.js";
import { wasmMatmulGroup, type GroupedProduct } from "../wasm/matmul-group.js";
import { matmulJs, matmulTransAJs, matmulTransBJs } from "./matmul.js.js";

/**
 * Matrix products. M, K, N always mean: out is [M, N], the shared dim is K.
 * out = beta·out + alpha·(product); beta = 0 overwrites out, even where it holds NaN.
 *
 * Each call checks the sizes, then runs the WASM SIMD kernel (src/wasm/gemm.wat: packed panels and
 * a 4×8 register-blocked micro-kernel; gemv.wat when M or N is 1) or, without WASM
 * or for tiny products, the register-blocked JS of matmul.js.ts. Operands living in the WASM heap
 * (pinned tensors' data) are used in place; others are copied in and out (see wasm/scratch.ts).
 * A call with an operand in the heap never grows the memory (that would detach the operand's view):
 * where its scratch would need more, it throws HeapGrowthError naming the product (wasm/scratch.ts).
 * The returned array is `out` (allocated when omitted).
 * References (naive loops): matmul.reference.ts.
 */

export { matmulReference, matmulTransBReference, matmulTransAReference } from "./matmul.reference.js";
export { matmulJs, matmulTransBJs, matmulTransAJs } from "./matmul.js.js";

/** out [M,N] = beta·out + alpha·a·b      a [M,K], b [K,N] */
export function matmul(a: Float32Array, b: Float32Array, M: number, K: number, N: number, out?: Float32Array, alpha = 1, beta = 0): Float32Array {
  const o = check("matmul", "a [M,K]", "b [K,N]", a, b, M, K, N, out);
  return run("nn", a, b, M, K, N, o, alpha, beta);
}

/** out [M,N] = beta·out + alpha·a·bᵀ     a [M,K], b [N,K]  (x·Wᵀ with W in HF Linear layout) */
export function matmulTransB(a: Float32Array, b: Float32Array, M: number, K: number, N: number, out?: Float32Array, alpha = 1, beta = 0): Float32Array {
  const o = check("matmulTransB", "a [M,K]", "b [N,K]", a, b, M, K, N, out);
  return run("nt", a, b, M, K, N, o, alpha, beta);
}

/** out [M,N] = beta·out + alpha·aᵀ·b     a [K,M], b [K,N]  (weight gradients: xᵀ·dy) */
export function matmulTransA(a: Float32Array, b: Float32Array, M: number, K: number, N: number, out?: Float32Array, alpha = 1, beta = 0): Float32Array {
  const o = check("matmulTransA", "a [K,M]", "b [K,N]", a, b, M, K, N, out);
  return run("tn", a, b, M, K, N, o, alpha, beta);
}

/** One product of a matmulGroup: out [M,N] = beta·out + alpha·op(a)·op(b) (layouts as matmul/matmulTransB/matmulTransA). */
export type MatmulGroupItem = GroupedProduct;

const LAYOUT_OP = { nn: ["matmul", "a [M,K]", "b [K,N]"], nt: ["matmulTransB", "a [M,K]", "b [N,K]"], tn: ["matmulTransA", "a [K,M]", "b [K,N]"] } as const;

/**
 * Independent products (no item's out overlaps another item's operands), each giving the bits of
 * its own call. With a kernel pool of ≥ 2 threads and products big enough, they run as ONE pool
 * round, their work cut evenly across the threads (wasm/matmul-group.ts: a linear layer's dx and
 * dW; a decoder layer's q, k, v projections, or gate and up); otherwise one after another.
 */
export function matmulGroup(items: readonly MatmulGroupItem[]): void {
  // checked in place (no copies of the items: a training step makes ~20 of these calls)
  for (const it of items) {
    const [op, aShape, bShape] = LAYOUT_OP[it.layout];
    check(op, aShape, bShape, it.a, it.b, it.M, it.K, it.N, it.out);
  }
  if (wasmEnabled() && wasmMatmulGroup(items)) return;
  for (const it of items) run(it.layout, it.a, it.b, it.M, it.K, it.N, it.out, it.alpha ?? 1, it.beta ?? 0);
}

function run(layout: MatmulLayout, a: Float32Array, b: Float32Array, M: number, K: number, N: number, out: Float32Array, alpha: number, beta: number): Float32Array {
  if (wasmEnabled() && M * K * N >= WASM_MIN_MACS) return wasmMatmul(layout, a, b, M, K, N, out, alpha, beta);
  if (layout === "nn") return matmulJs(a, b, M, K, N, out, alpha, beta);
  if (layout === "nt") return matmulTransBJs(a, b, M, K, N, out, alpha, beta);
  return matmulTransAJs(a, b, M, K, N, out, alpha, beta);
}

/**
 * Checks dims and array lengths (naming the op and sizes); returns out, allocated if omitted.
 * Runs on every call (the decode loop makes thousands a second), so it allocates nothing and
 * builds its messages only when it throws.
 */
function check(
  op: string, aShape: string, bShape: string,
  a: Float32Array, b: Float32Array, M: number, K: number, N: number, out: Float32Array | undefined,
): Float32Array {
  needDim(op, "M", M);
  needDim(op, "K", K);
  needDim(op, "N", N);
  if (a.length < M * K) throw new ShapeError(`${op}: a has ${a.length} elements, ${aShape} with ${dims(M, K, N)} needs ${M * K}`);
  if (b.length < K * N) throw new ShapeError(`${op}: b has ${b.length} elements, ${bShape} with ${dims(M, K, N)} needs ${K * N}`);
  if (out === undefined) return new Float32Array(M * N);
  if (out.length < M * N) throw new ShapeError(`${op}: out has ${out.length} elements, [M,N] with ${dims(M, K, N)} needs ${M * N}`);
  return out;
}

function needDim(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new ShapeError(`${op}: ${name} must be a non-negative integer, got ${v}`);
}

const dims = (M: number, K: number, N: number): string => `M=${M}, K=${K}, N=${N}`;
