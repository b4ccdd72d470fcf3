;; kquant.wat: products with weights kept in llama.cpp's K-quant super-blocks (Q4_K, Q5_K, Q6_K:
;; 256 weights each; layouts in src/quant/q4_k.ts, q5_k.ts and q6_k.ts), for @mini/tensor. The JS side
;; (splitting across the kernel pool) is src/compact/matmul.ts; the reference loops are
;; src/compact/matmul.reference.ts.
;;
;; Every dot* export computes, for r < rows and m < M:
;;     out[m·ldo + r] = Σ_k x[m, k] · W[r, k]
;; The row-dots (dot*) walk W rows in address order, one at a time, each used against all M
;; activation rows while it sits in L1; prefill (many rows of x) takes the packed gemms (gemm*). Addresses are BYTE addresses into heap.ts's memory.
;;
;; The activations are quantized per call by quantizeActsK into blocks of 256, one per weight
;; super-block (like llama.cpp's Q8_K, so a super-block's integer sums are combined in i32 and
;; scaled once), 276 bytes each:
;;     q i8[256] @0 | d f32 @256 | Σq of each 32 i16[8] @260        x ≈ d·q, |q| ≤ 127
;; Integer products: i16x8.extmul of i8 pairs, summed in i16 (Q4_K / Q5_K: 4 products ≤ 15·127 / 31·127 each;
;; Q6_K: 2 products ≤ 32·127 each), then i32x4.dot_i16x8_s against the splatted sub-block scale:
;; exact in i32 (a super-block's total stays below 2^27). Each super-block's totals are then
;; summed to one i32 (Q4_K, Q5_K: two, Σ and the mins') and scaled in f32 scalars, in super-block order:
;;     acc ← (acc + f32(Σ)·(d·d_x)) − f32(Σmins)·(dmin·d_x)        (Q6_K: acc ← acc + f32(Σ)·(d·d_x))
;; — one float chain per (W row, x row), which the prefill gemms (kquant/gemm.wat) keep lane by
;; lane, so decode and prefill give the same bits. The order is fixed by the row alone, so a row's
;; result is the same whichever thread computes it.

(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; Table of contents (in this order: the order fixes the function indices, so the bytes):
  ;;   kquant/q4_k.wat             $rowQ4_K: one Q4_K row · one row of activation blocks
  ;;   kquant/q6_k.wat             $rowQ6_K: one Q6_K row · one row of activation blocks
  ;;   kquant/products.wat         exports dotQ4_K, dotQ6_K (every W row · every activation row)
  ;;   kquant/quantize-acts.wat    export quantizeActsK (x f32 → 276-byte activation blocks)
  ;;   kquant/gemm.wat             exports gemmQ4_K, gemmQ5_K, gemmQ6_K (prefill: panels of 8 W rows · 4 rows of x)
  ;;   kquant/gemm-pack.wat        $packK (8 W rows → a panel of scaled i16 pairs)
  ;;   kquant/gemm-acts.wat        export pairActsK (quantizeActsK's blocks by pairs of rows)
  ;;   kquant/scales.wat           $scalesQ4_K, $minsQ4_K (a super-block's 6-bit scales / mins as i16; shared with relaxeddot.wat)
  ;;   packed-rows.wat             $rowAt, $scales4, $store2x2 (shared with compact.wat, relaxeddot.wat)

  ;;#include kquant/q4_k.wat
  ;;#include kquant/q6_k.wat
  ;;#include kquant/q5_k.wat
  ;;#include kquant/products.wat
  ;;#include kquant/quantize-acts.wat
  ;;#include kquant/gemm.wat
  ;;#include kquant/gemm-pack.wat
  ;;#include kquant/gemm-acts.wat
  ;;#include kquant/scales.wat
  ;;#include packed-rows.wat
)
