import { ropeInvFreq, type RopeStyle } from "../kernels/rope.js";
import { wasm, type RopeExports } from "./instance.js";
import { runInHeap } from "./scratch.js";

/**
 * JS side of rope.wat, with the signature of src/kernels/rope.ts (which calls this after its
 * checks). The cos/sin tables [seq, headDim/2] are computed here exactly as the JS kernel does
 * (float32 angle = fround(pos·inv_freq), then Math.cos / Math.sin rounded to float32) and cached
 * for the last (headDim, theta, startPos, seq): a training step applies the same positions to q
 * and k, forward and backward. They travel to WASM in the scratch area; the rotation runs there.
 */

let tableKey = "";
let cosTable = new Float32Array(0);
let sinTable = new Float32Array(0);

function tables(seq: number, headDim: number, startPos: number, theta: number): void {
  const key = `${headDim}:${theta}:${startPos}:${seq}`;
  if (key === tableKey) return;
  const half = headDim / 2;
  const inv = ropeInvFreq(headDim, theta);
  cosTable = new Float32Array(seq * half);
  sinTable = new Float32Array(seq * half);
  for (let s = 0; s < seq; s++) {
    for (let i = 0; i < half; i++) {
      const angle = Math.fround((startPos + s) * inv[i]!);
      cosTable[s * half + i] = Math.cos(angle);
      sinTable[s * half + i] = Math.sin(angle);
    }
  }
  tableKey = key;
}

/** out [seq, nHeads, headDim] = x rotated by position startPos + s (by −angle when inverse). */
export function wasmRope(
  x: Float32Array, seq: number, nHeads: number, headDim: number, startPos: number, theta: number,
  style: RopeStyle, out: Float32Array, inverse = false,
): Float32Array {
  const n = seq * nHeads * headDim;
  tables(seq, headDim, startPos, theta);
  const t = cosTable.length;
  const ops = [
    { array: x, n, read: true, write: false },
    { array: cosTable, n: t, read: true, write: false },
    { array: sinTable, n: t, read: true, write: false },
    { array: out, n, read: false, write: true },
  ];
  return runInHeap(ops, 0, ([px, pc, ps, po]) =>
    (wasm!.rope as RopeExports).rope(px!, po!, seq, nHeads, headDim, pc!, ps!, style === "interleaved" ? 1 : 0, inverse ? 1 : 0),
  );
}
