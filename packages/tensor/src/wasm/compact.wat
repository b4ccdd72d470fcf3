;; compact.wat: products with weights kept compact (BF16, F16, Q8_0, Q4_0), for @mini/tensor.
;; The byte layouts are documented in src/compact/blocks.ts (Q8_0 / Q4_0: llama.cpp's blocks of
;; 32 weights, one f16 scale each; a row whose length is not a multiple of 32 ends in a block
;; zero-padded past K). The JS side (splitting across the kernel pool) is src/compact/matmul.ts;
;; the reference loops are src/compact/matmul.reference.ts.
;;
;; Every dot* export computes, for r < rows and m < M:
;;     out[m·ldo + r] = Σ_k x[m, k] · W[r, k]
;; Addresses are BYTE addresses into the shared memory of heap.ts.
;;
;; BF16 / F16 (x f32): one W row at a time, widened to f32 in registers, used against all M rows
;; of x while it sits in L1. (Prefill, M ≥ 4, runs gemm.wat's gemmW16 instead, which widens W
;; while packing it: src/compact/matmul.ts.)
;; Q8_0 / Q4_0: the activations are quantized once per call by quantizeActs16 into 16-bit blocks
;; (d·q, |q| ≤ 127), and four W rows at a time are multiplied as integers with
;; i32x4.dot_i16x8_s (see include/compact/q8_0.wat). The relaxed-SIMD variant differs only in the bf16 / f16
;; row-dots (f32x4.relaxed_madd): the integer products are the same SIMD128 code in both. Their
;; relaxed int8-dot versions are relaxeddot.wat's (same results bit for bit), used where the
;; start-up probe finds that instruction right (not Node 20's: relaxed-probe.ts).

(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; Table of contents (in this order: the order fixes the function indices, so the bytes):
  ;;   compact/f16.wat             $f16: one f16 → f32 (scalar; inf/NaN kept)
  ;;   hsum.wat                    $hsum: Σ of 4 f32 lanes (shared with kquant.wat, attention.wat)
  ;;   compact/row-dot-16bit.wat   $rowBf16, $rowF16; exports dotBf16, dotF16 (x f32 · W bf16 / f16)
  ;;   compact/row-dot-f16-scaled.wat  exports scaleActs112, dotF16Scaled (dotF16's bits with the widening's 2^112 on x: decode)
  ;;   compact/q8_0.wat            export dotQ8_0 (16-bit activation blocks · Q8_0 blocks, 4 rows at a time)
  ;;   compact/q4_0.wat            export dotQ4_0 (the same against Q4_0 blocks)
  ;;   compact/quantize-acts.wat   export quantizeActs16 (x f32 → the 16-bit activation blocks)
  ;;   compact/widen.wat           exports widenBf16, widenF16 (16-bit weights → f32 rows)
  ;;   compact/int-gemm.wat        exports gemmQ8_0, gemmQ4_0 (prefill: panels of 8 W rows · 4 rows of x)
  ;;   compact/int-gemm-pack.wat   $packQ8_0, $packQ4_0 (8 W rows → a panel)
  ;;   compact/int-gemm-acts.wat   export pairActs16 (x by pairs of rows)
  ;;   packed-rows.wat             $rowAt, $scales4 (row addresses, 4 f16 block scales widened; shared with relaxeddot.wat)
  ;;#include compact/f16.wat
  ;;#include hsum.wat
  ;;#include compact/row-dot-16bit.wat
  ;;#include compact/row-dot-f16-scaled.wat
  ;;#include compact/q8_0.wat
  ;;#include compact/q4_0.wat
  ;;#include compact/quantize-acts.wat
  ;;#include compact/widen.wat
  ;;#include compact/int-gemm.wat
  ;;#include compact/int-gemm-pack.wat
  ;;#include compact/int-gemm-acts.wat
  ;;#include packed-rows.wat
)
