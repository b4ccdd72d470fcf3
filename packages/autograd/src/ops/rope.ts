import { Tensor, ShapeError, kernels, type RopeStyle, type RopeTable } from "@mini/tensor";
import { gradOf, record } from "../tape.js";
import type { Variable } from "../variable.js";
import { fmt } from "../shape-check.js";

/**
 * Rotary position embedding on x [..., seq, nHeads, headDim]: every leading (batch) slice is
 * rotated with positions startPos .. startPos + seq − 1. A rotation is orthogonal, so the
 * backward is the inverse rotation of dy (the kernel's `inverse = true`), added into dx.
 */

export interface RopeOptions {
  /** Position of the first row (default 0; the KV-cache length when appending). */
  startPos?: number;
  /** The cos/sin table (built once per layer; see @mini/tensor's RopeTable, scaled variants included). */
  table?: RopeTable;
  /** Without a table: plain RoPE with this base (default 10000). */
  theta?: number;
  /** "half" (HF rotate_half, default) or "interleaved" (pairs 2i, 2i+1). */
  style?: RopeStyle;
}

export function rope(x: Variable, opts: RopeOptions = {}): Variable {
  const shape = x.shape;
  if (shape.length < 3) throw new ShapeError(`rope: x must be [..., seq, nHeads, headDim], got ${fmt(shape)}`);
  const r = shape.length;
  const seq = shape[r - 3]!;
  const nHeads = shape[r - 2]!;
  const headDim = shape[r - 1]!;
  if (headDim % 2 !== 0) throw new ShapeError(`rope: headDim must be even, got ${headDim} in shape ${fmt(shape)}`);
  const startPos = opts.startPos ?? 0;
  if (opts.table !== undefined && opts.theta !== undefined) throw new TypeError("rope: pass table or theta, not both");
  const table = opts.table ?? opts.theta ?? 10000;
  const style = opts.style ?? "half";
  const block = seq * nHeads * headDim;
  const batch = block === 0 ? 0 : x.size / block;

  // src() is called per slice: x may be pinned, and a WASM kernel call may grow the heap.
  const apply = (src: () => Float32Array, dst: Float32Array, inverse: boolean): void => {
    for (let b = 0; b < batch; b++) {
      const lo = b * block;
      kernels.rope(src().subarray(lo, lo + block), seq, nHeads, headDim, startPos, table, style, dst.subarray(lo, lo + block), inverse);
    }
  };

  const out = new Float32Array(x.size);
  apply(() => x.data, out, false);
  return record("rope", Tensor.from(out, shape), [x], (dy) => {
    const tmp = new Float32Array(dy.length);
    apply(() => dy, tmp, true);
    kernels.axpy(1, tmp, gradOf(x));
  });
}
