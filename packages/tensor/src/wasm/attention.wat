;; attention.wat: fused causal attention (scores, softmax, weighted sum of values) in WebAssembly
;; SIMD (f32x4), for the query rows of one sequence over a key/value cache stored in blocks.
;;
;; Reference: src/kernels/attention.reference.ts (float64 in JS; here float32 throughout, the exp of
;; softmax from include/exp-core.wat, so results agree to a few ulp). JS side: src/wasm/attention.ts.
;; Addresses are BYTE addresses into the memory imported from heap.ts; counts are in floats.
;;
;; Layouts (G = nHeads / nKv query heads share kv head h / G: grouped-query attention):
;;   q, out   [nQ, nHeads, hd]     query i is at position pos0 + i
;;   keys, values: position p of kv head kh at  base + table[p / bs] + kh·bs·hd·4 + (p mod bs)·hd·4
;;            (table: i32 byte offsets of each block's kv-head-0 slab; a contiguous cache
;;             [kvHeads, maxLen, hd] is one block of bs = maxLen)
;; Query i sees keys [lo, p] with p = pos0 + i and lo = max(0, p − window + 1) when window > 0
;; (the query's own key counted), else lo = 0.
;;
;; Determinism: one call computes heads [h0, h1) for every query row; each output element is
;; computed by exactly one call, keys in increasing position, whatever the split of heads across
;; threads (src/wasm/attention.ts), so every thread count gives the same bits.

(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; Table of contents (in this order: the order fixes the function indices, so the bytes):
  ;;   exp-core.wat             the exp of softmax (shared with exp.wat), row max, sum of numerators
  ;;   $tail below              the last hd mod 4 floats of a row as a vector
  ;;   hsum.wat                 $hsum: Σ of 4 f32 lanes (shared with compact.wat, kquant.wat)
  ;;   attention/runs.wat       $scoreRun, $valueRun: one query row against one block's run of keys / values
  ;;   attention/runs2.wat      $scoreRun2, $valueRun2: the same for two query rows at once
  ;;   attention/attend.wat     export attention: the loops over heads, rows and blocks, and the softmax

  ;;#include exp-core.wat

  ;; The last hd mod 4 floats of a row as a vector (zeros above), loaded lane by lane: a v128 load
  ;; would read past the row's end (possibly past the cache's last byte). The key loops have it
  ;; inline (V8 does not inline small WASM functions); this one loads the query rows' tails.
  (func $tail (param $p i32) (param $t i32) (result v128)
    (local $v v128)
    (if (i32.ge_u (local.get $t) (i32.const 1)) (then (local.set $v (f32x4.replace_lane 0 (local.get $v) (f32.load (local.get $p))))))
    (if (i32.ge_u (local.get $t) (i32.const 2)) (then (local.set $v (f32x4.replace_lane 1 (local.get $v) (f32.load offset=4 (local.get $p))))))
    (if (i32.ge_u (local.get $t) (i32.const 3)) (then (local.set $v (f32x4.replace_lane 2 (local.get $v) (f32.load offset=8 (local.get $p))))))
    (local.get $v))

  ;; $hsum, (a0 + a2) + (a1 + a3): one key's score from its 4-lane partial sums
  ;;#include hsum.wat

  ;;#include attention/runs.wat
  ;;#include attention/runs2.wat
  ;;#include attention/attend.wat
)
