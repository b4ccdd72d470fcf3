import { heap } from "../wasm/heap.js";
import { wasm, wasmEnabled } from "../wasm/instance.js";
import { kernelRef, runJobs, splitRange, threadCount, type KernelRef } from "../wasm/pool.js";
import { memoryBuffer, reserveScratch, roundUp4, scratchSize } from "../wasm/scratch.js";
import { quantizeRowQ4_0 } from "./blocks.js";
import { rowBytes } from "./dtype.js";
import { encodeQ8_0Rows, f16RefusalMessage } from "./encode-f32.js";

/**
 * encodeWeightsInto's float32 → bf16 / f16 / q8_0 with encode.wat, when the bytes go into the WASM
 * heap (a weight's place there: WeightMatrix) and the kernels are on. The float32 source is copied
 * into the kernel scratch a piece at a time (≤ PIECE_FLOATS: the scratch stays ~1 MiB however large
 * the matrix), each piece encoded by one kernel call. Same bytes as the JS paths (encode-f32.ts,
 * test/compact-encode-fast.test.ts); a Q8_0 / Q4_0 row holding inf/NaN is encoded by the JS. Q4_0's
 * scale search (~10× the others' work) runs on the kernel pool, a piece's rows split across the
 * threads: each row's bytes depend on that row alone, so the same bytes at every thread count.
 */

/** Floats per piece copied into the scratch (1 MiB), a row at least. */
const PIECE_FLOATS = 1 << 18;
/** quantizeQ4_0Rows' working space after the piece: 4 × 32 float64, one for each job of a piece. */
const TMP_FLOATS = 256;
/** Least weights in a Q4_0 job (~2 ms of scale search): smaller pieces stay on one thread. */
const MIN_Q4_0_JOB = 1 << 16;
let q4Job: KernelRef | undefined;

/**
 * Encodes w [rows, K] into out with encode.wat; false (nothing written) when it does not apply:
 * kernels off, `out` not a view of the heap's current memory, or the scratch cannot grow now.
 */
export function encodeWithWasm(w: Float32Array, rows: number, K: number, dtype: "bf16" | "f16" | "q8_0" | "q4_0", name: string, out: Uint8Array, firstRow: number): boolean {
  const k = wasm?.encode;
  if (k === undefined || !wasmEnabled() || rows * K === 0) return false;
  const per = Math.max(1, Math.floor(PIECE_FLOATS / K)); // rows a piece
  const jobsMax = dtype === "q4_0" ? threadCount() : 1; // Q4_0: a tmp and a result slot per job
  const pieceFloats = roundUp4(Math.min(per, rows) * K) + TMP_FLOATS * jobsMax + roundUp4(jobsMax);
  if (pieceFloats > scratchSize()) {
    if (heap.frozenPass !== null) return false;
    reserveScratch(pieceFloats, `encoding ${name}`);
  }
  // after any growth: `out` must be a view of the current memory (its address is what the kernel takes)
  if (out.buffer !== memoryBuffer()) return false;
  const src = reserveScratch(pieceFloats, `encoding ${name}`);
  const rb = rowBytes(dtype, K);
  for (let r0 = 0; r0 < rows; r0 += per) {
    const n = Math.min(per, rows - r0);
    const piece = w.subarray(r0 * K, (r0 + n) * K);
    heap.view(src, n * K).set(piece);
    const dst = out.byteOffset + r0 * rb;
    if (dtype === "bf16") k.f32ToBf16(src, n * K, dst);
    else if (dtype === "f16") {
      const bad = k.f32ToF16(src, n * K, dst);
      if (bad < n * K) {
        const r = Math.floor(bad / K);
        throw new Error(f16RefusalMessage(name, firstRow + r0 + r, bad - r * K, piece[bad]!));
      }
    } else if (dtype === "q4_0") {
      const tmp = src + 4 * roundUp4(n * K), res = tmp + 4 * TMP_FLOATS * jobsMax;
      const bounds = splitRange(n, 1, Math.ceil(MIN_Q4_0_JOB / K));
      const jobs: number[][] = [];
      for (let t = 0; t + 1 < bounds.length; t++) {
        const a = bounds[t]!, b = bounds[t + 1]!;
        jobs.push([src + 4 * a * K, b - a, K, dst + a * rb, tmp + 4 * TMP_FLOATS * t, res + 4 * t]);
      }
      runJobs((q4Job ??= kernelRef("encode", "quantizeQ4_0RowsJob")), jobs);
      const done = new Int32Array(memoryBuffer(), res, jobs.length).slice();
      // where a job met a row holding inf/NaN: that row by the JS, the job's rest by the kernel, in turn
      for (let t = 0; t + 1 < bounds.length; t++) {
        const b = bounds[t + 1]!;
        for (let r = bounds[t]! + done[t]!; r < b; ) {
          quantizeRowQ4_0(piece.subarray(r * K, (r + 1) * K), K, out, (r0 + r) * rb);
          r++;
          if (r < b) r += k.quantizeQ4_0Rows(src + 4 * r * K, b - r, K, dst + r * rb, tmp);
        }
      }
    } else {
      // rows holding inf/NaN: the JS encodes them, the kernel the rest
      for (let r = k.quantizeQ8_0Rows(src, n, K, dst); r < n; ) {
        encodeQ8_0Rows(piece.subarray(r * K, (r + 1) * K), 1, K, out.subarray((r0 + r) * rb, (r0 + r + 1) * rb));
        r++;
        if (r < n) r += k.quantizeQ8_0Rows(src + 4 * r * K, n - r, K, dst + r * rb);
      }
    }
  }
  return true;
}
