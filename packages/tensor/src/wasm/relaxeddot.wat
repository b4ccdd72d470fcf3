;; relaxeddot.wat: Q8_0 / Q4_0 products (and Q4_K's prefill gemm) with relaxed SIMD's int8 dot product
;; (i16x8.relaxed_dot_i8x16_i7x16_s: 16 multiplies of i8 × i7, summed in pairs, an instruction —
;; pmaddubsw on x86), for @mini/tensor. Only the relaxed-SIMD build has these functions (the
;; SIMD128 build of this file is an empty module): compact.wat's dotQ8_0 / dotQ4_0
;; (i32x4.dot_i16x8_s on 16-bit activations) stay the SIMD128 path and the fallback.
;; src/compact/matmul.ts takes these only where the start-up probe (relaxed-probe.ts) found them
;; exact. (Not i32x4.relaxed_dot_i8x16_i7x16_add_s: on x86 without AVX-VNNI V8 spends 5
;; instructions on it, rebuilding a vector of ones each time, and Node 20's V8 computes it wrong.)
;;
;; (gemmQ4_K gives kquant.wat's dotQ4_K / gemmQ4_K numbers bit for bit: see relaxeddot/q4_k-gemm.wat;
;; dotQ4_K / dotQ5_K / dotQ6_K give kquant.wat's row-dots' bits: relaxeddot/kquant-rows.wat.)
;; Same contract and the same float results, bit for bit, as compact.wat's dotQ8_0 / dotQ4_0: the
;; activations get the same integers q_x and scales d_x (quantizeActs8), every block's Σ q_w·q_x is
;; the same exact integer (only how it is summed differs), then converted, scaled by d_w·d_x and
;; accumulated with compact.wat's float operations in its order (four rows at a time, lane R = row R).
;;
;; Why the integer sums are exact although the instruction is "relaxed": its second operand b is
;; "i7" — the result is implementation-defined only where a byte of b has its top bit set (x86
;; reads b as unsigned, Arm as signed) or a pair sum leaves i16 (x86 saturates) — and here b is
;; always in [0, 127], so each i16 lane is exactly a·b + a'·b', |·| ≤ 2·128·127 = 32512:
;;   Q4_0: b = the stored nibbles n ∈ [0, 15], a = q_x; the two halves' pair sums (|·| ≤ 2·127·15
;;         each) are added in i16, widened by i32x4.dot_i16x8_s with ones, and −8·Σq_x
;;         (precomputed per block by quantizeActs8) is added to the four rows' transposed sums:
;;         Σ q_x·(n − 8).
;;   Q8_0: b = |q_x| ∈ [0, 127], a = q_w with q_x's sign: (q_w ⊕ m) − m, m = −1 where q_x < 0
;;         (q_w·q_x = (±q_w)·|q_x|); each half widened on its own (two would overflow i16). Exact
;;         for q_w ∈ [−127, 127]; q_w = −128 (never written by llama.cpp's or mini's encoder,
;;         possible in a hand-made file) would negate to itself, so a matrix holding one uses
;;         compact.wat's product instead (WeightMatrix checks its bytes: q8HasMinus128).
;;
;; Activation blocks (64 bytes each, the size of compact.wat's, so the scratch layout is shared):
;; q_x i8[32] @0, then i32x4 @32: −8·Σq_x in every lane (the Q4_0 correction, one per block for
;; the four rows' sums at once); d_x f32 [M][nb] apart at xd.

(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; Table of contents (in this order: the order fixes the function indices, so the bytes). All
  ;; inside one ;;#if relaxed passage: the SIMD128 build of this file is an empty module.
  ;;   relaxeddot/quantize-acts8.wat   export quantizeActs8 (x f32 → the 64-byte activation blocks above)
  ;;   relaxeddot/q8-minus128.wat      export q8HasMinus128 (does a Q8_0 matrix hold a −128?)
  ;;   relaxeddot/q8_0.wat             export dotQ8_0 (activation blocks · Q8_0 blocks, 4 rows at a time)
  ;;   relaxeddot/q4_0.wat             export dotQ4_0 (the same against Q4_0 blocks)
  ;;   relaxeddot/q4_0-gemm.wat        export gemmQ4_0 (prefill: panels of 8 W rows · 4 rows of x, by quads of k)
  ;;   relaxeddot/q4_0-gemm-pack.wat   $packNibbles (8 W rows → a panel); export pairActs8 (x by pairs of rows)
  ;;   relaxeddot/q4_k-gemm.wat        export gemmQ4_K (prefill with Q4_K W: kquant/gemm.wat's tiling on bytes)
  ;;   relaxeddot/q4_k-gemm-pack.wat   $packQ4_K8 (8 Q4_K rows → a panel); export pairActsK8 (quantizeActsK's blocks by pairs of rows)
  ;;   relaxeddot/kquant-rows.wat      exports dotQ4_K, dotQ5_K, dotQ6_K (decode: kquant.wat's row-dots on the int8 dot product)
  ;;   relaxeddot/q4_k-row.wat         $rowQ4_K8 (one Q4_K row · one row of activation blocks)
  ;;   relaxeddot/q5_k-row.wat         $rowQ5_K8 (one Q5_K row · one row of activation blocks)
  ;;   relaxeddot/q6_k-row.wat         $rowQ6_K8; export sumsK16 (the activations' sums of each 16 it takes)
  ;;   kquant/scales.wat               $scalesQ4_K, $minsQ4_K (shared with kquant.wat)
  ;;   packed-rows.wat                 $rowAt, $scales4, $store2x2 (shared with compact.wat)
;;#if relaxed
  ;;#include relaxeddot/quantize-acts8.wat
  ;;#include relaxeddot/q8-minus128.wat
  ;;#include relaxeddot/q8_0.wat
  ;;#include relaxeddot/q4_0.wat
  ;;#include relaxeddot/q4_0-gemm.wat
  ;;#include relaxeddot/q4_0-gemm-pack.wat
  ;;#include relaxeddot/q4_k-gemm.wat
  ;;#include relaxeddot/q4_k-gemm-pack.wat
  ;;#include relaxeddot/kquant-rows.wat
  ;;#include relaxeddot/q4_k-row.wat
  ;;#include relaxeddot/q5_k-row.wat
  ;;#include relaxeddot/q6_k-row.wat
  ;;#include kquant/scales.wat
  ;;#include packed-rows.wat
;;#else
;;#end
)
