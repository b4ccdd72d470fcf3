import type { RopeStyle } from "../kernels/rope.js";
import { wasm, type RopeExports } from "./instance.js";
import { runInHeap } from "./scratch.js";

/**
 * JS side of rope.wat, called by src/kernels/rope.ts after its checks with this call's rows of
 * the RopeTable (cos, sin: [seq, headDim/2]); they travel to WASM in the scratch area (the x and
 * out of a pinned tensor are used in place), and the rotation runs there.
 */
export function wasmRope(
  x: Float32Array, seq: number, nHeads: number, headDim: number, cos: Float32Array, sin: Float32Array,
  style: RopeStyle, out: Float32Array, inverse = false,
): Float32Array {
  const n = seq * nHeads * headDim;
  const t = seq * (headDim / 2);
  const ops = [
    { array: x, n, read: true, write: false },
    { array: cos, n: t, read: true, write: false },
    { array: sin, n: t, read: true, write: false },
    { array: out, n, read: false, write: true },
  ];
  return runInHeap(ops, 0, ([px, pc, ps, po]) =>
    (wasm!.rope as RopeExports).rope(px!, po!, seq, nHeads, headDim, pc!, ps!, style === "interleaved" ? 1 : 0, inverse ? 1 : 0),
  );
}
