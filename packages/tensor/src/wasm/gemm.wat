;; gemm.wat: matrix-matrix products for @mini/tensor in WebAssembly SIMD (f32x4).
;; (The matrix-vector cases, M = 1 or N = 1, are in gemv.wat.)
;;
;; Reference: src/kernels/matmul.reference.ts (the naive triple loops); the JS marshalling
;; (which operand lives where, scratch, routing to gemv) is src/wasm/matmul.ts.
;;
;; Legend, as in matmul.ts: C is the output [M, N] (row-major, row stride N), K is the shared dim.
;; Addresses are BYTE addresses into the memory imported from heap.ts; strides are in FLOATS.
;; A(i, k) is read at a + 4·(i·rsA + k·csA) and B(k, j) at b + 4·(k·rsB + j·csB), so one routine
;; serves every layout:
;;   A·B   A [M,K]: rsA = K, csA = 1     B [K,N]: rsB = N, csB = 1
;;   A·Bᵀ  A [M,K]: rsA = K, csA = 1     B [N,K]: rsB = 1, csB = K
;;   Aᵀ·B  A [K,M]: rsA = 1, csA = M     B [K,N]: rsB = N, csB = 1
;; C = beta·C + alpha·(A·B); beta = 0 overwrites C without reading it (NaN in C does not leak).
;; C(i, j) is at c + 4·(i·ldc + j): ldc = N for a whole C, larger for a block of columns of a wider
;; C (the kernel pool splits a product by columns; each element is still summed in the same order).
;;
;; The product-sum: SIMD128 f32x4.mul then f32x4.add; the relaxed-SIMD build (`;;#if relaxed` in the
;; two k loops, gemm/micro-kernel.wat and gemm/direct.wat) f32x4.relaxed_madd, one rounding per term where the engine fuses (instance.ts uses
;; it only then: relaxed-probe.ts), everything else in the same order. Fused: ~1.2x the GFLOP/s on
;; the 2-core AMD EPYC of issue 11 (bench/fma-micro.ts). V8 on x64 gives WASM 16 xmm registers;
;; the 4×8 tile (8 accumulators + 2 B vectors + 1 broadcast + 1 product) is the biggest that does
;; not spill: 6×8 and 4×12 measured ~2x slower.

(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; Block sizes (floats), read by matmul.ts to size the scratch:
  ;;   MR×NR  micro-tile held in registers (4 rows × 8 columns = 8 f32x4 accumulators)
  ;;   KC     depth of one packed block: a 4×KC A panel (4 KiB) and a KC×8 B panel (8 KiB) sit in L1
  ;;   MC     rows of A packed at once (MC×KC = 128 KiB, in L2), reused against every B panel
  ;;   NC     columns of B packed at once (KC×NC = 2 MiB), reused against every A block
  (global $MR (export "MR") i32 (i32.const 4))
  (global $NR (export "NR") i32 (i32.const 8))
  (global $KC (export "KC") i32 (i32.const 256))
  (global $MC (export "MC") i32 (i32.const 128))
  (global $NC (export "NC") i32 (i32.const 2048))
  ;; Most rows of C for which an A·B or Aᵀ·B (B's rows contiguous) skips packing ($direct).
  ;; Measured (1 thread, 128–533-wide B): 7 rows ~15 % faster than packing, 12–16 rows a few %;
  ;; from 17 rows on, packing is as fast or faster (28–48 rows: 3–10 %).
  (global $DIRECT_M (export "DIRECT_M") i32 (i32.const 16))
  ;; Rows of C (5 to DIRECT_T_M) for which an A·Bᵀ is computed as Cᵀ = B·Aᵀ without packing B
  ;; ($directT): one 8-column panel of Aᵀ, so B is read once. Measured against packing (1 thread,
  ;; 128–533-wide B): 5–8 rows 3–8 % faster; 3 rows ~30 % slower (5 of the panel's 8 columns
  ;; wasted); 12–16 rows ~30 % slower (two panels, B read twice).
  (global $DIRECT_T_M (export "DIRECT_T_M") i32 (i32.const 8))

  ;; Table of contents (in this order: the order fixes the function indices, so the bytes):
  ;;   gemm/blocked.wat        exports gemm, gemmW16: the blocked loop nest over packed panels
  ;;   gemm/packed-b.wat       exports gemmPackedB, packBT: products against a weight packed once
  ;;   $min below              the smaller of two i32
  ;;   gemm/micro-kernel.wat   $kernelColumn: one column of 4×8 register tiles from packed panels
  ;;   gemm/direct.wat         $direct, $directT, $kernelDirect: few rows of C, operands read in place
  ;;   gemm/pack.wat           $packA, $packB: blocks of A and B into panels
  ;;   gemm/pack16.wat         $packB16: blocks of B = Wᵀ from bf16 / f16 rows, widened (gemmW16)
  ;;   compact/f16.wat         $f16: one f16 → f32 (inf/NaN kept; shared with compact.wat)
  ;;#include gemm/blocked.wat
  ;;#include gemm/packed-b.wat

  (func $min (param $x i32) (param $y i32) (result i32)
    (select (local.get $x) (local.get $y) (i32.lt_s (local.get $x) (local.get $y))))

  ;;#include gemm/micro-kernel.wat
  ;;#include gemm/direct.wat
  ;;#include gemm/pack.wat
  ;;#include gemm/pack16.wat
  ;;#include compact/f16.wat
)
