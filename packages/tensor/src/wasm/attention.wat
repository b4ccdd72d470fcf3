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

  ;;#include exp-core.wat

  ;; dot(a, b) over n floats: 4-lane partial sums, then the lanes, then the tail in order
  (func $dot (param $a i32) (param $b i32) (param $n i32) (result f32)
    (local $o i32) (local $end i32) (local $end4 i32) (local $acc v128) (local $s f32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (block $done (loop $v
      (br_if $done (i32.ge_u (local.get $o) (local.get $end4)))
      (local.set $acc (f32x4.add (local.get $acc)
        (f32x4.mul (v128.load (i32.add (local.get $a) (local.get $o))) (v128.load (i32.add (local.get $b) (local.get $o))))))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $v)))
    (local.set $acc (f32x4.add (local.get $acc) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $acc) (local.get $acc))))
    (local.set $s (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc))))
    (block $done (loop $t
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (local.set $s (f32.add (local.get $s) (f32.mul (f32.load (i32.add (local.get $a) (local.get $o))) (f32.load (i32.add (local.get $b) (local.get $o))))))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $t)))
    (local.get $s))

  ;; y[0:n] += w·x[0:n]
  (func $axpy (param $w f32) (param $x i32) (param $y i32) (param $n i32)
    (local $o i32) (local $end i32) (local $end4 i32) (local $vw v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (local.set $vw (f32x4.splat (local.get $w)))
    (block $done (loop $v
      (br_if $done (i32.ge_u (local.get $o) (local.get $end4)))
      (v128.store (i32.add (local.get $y) (local.get $o)) (f32x4.add (v128.load (i32.add (local.get $y) (local.get $o)))
        (f32x4.mul (local.get $vw) (v128.load (i32.add (local.get $x) (local.get $o))))))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $v)))
    (block $done (loop $t
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (f32.store (i32.add (local.get $y) (local.get $o)) (f32.add (f32.load (i32.add (local.get $y) (local.get $o)))
        (f32.mul (local.get $w) (f32.load (i32.add (local.get $x) (local.get $o))))))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $t))))

  ;; ---------------------------------------------------------------------------------------------
  ;; attention: for heads h in [h0, h1) and query rows i in [0, nQ):
  ;;   s_j = scale·q[i, h]·k_j (j in [lo, p]),  m = max s,  e_j = e^(s_j − m),
  ;;   out[i, h] = (Σ_j e_j·v_j) · (1 / Σ_j e_j)
  ;; scores: scratch of at least (keys one query sees) floats, private to this call.
  ;; ---------------------------------------------------------------------------------------------
  (func (export "attention")
    (param $q i32) (param $out i32) (param $nQ i32) (param $pos0 i32) (param $h0 i32) (param $h1 i32)
    (param $nHeads i32) (param $nKv i32) (param $hd i32) (param $keys i32) (param $values i32)
    (param $bs i32) (param $table i32) (param $window i32) (param $scale f32) (param $scores i32)
    (local $h i32) (local $i i32) (local $p i32) (local $lo i32) (local $n i32) (local $j i32)
    (local $rowB i32) (local $khOff i32) (local $qrow i32) (local $orow i32) (local $b i32) (local $slot i32)
    (local $kaddr i32) (local $s i32) (local $m f32) (local $sum f32)
    (local.set $rowB (i32.shl (local.get $hd) (i32.const 2)))
    (local.set $h (local.get $h0))
    (block $heads (loop $head
      (br_if $heads (i32.ge_s (local.get $h) (local.get $h1)))
      ;; kv head h / G, G = nHeads / nKv: byte offset of its slab inside a block
      (local.set $khOff (i32.mul (i32.div_u (local.get $h) (i32.div_u (local.get $nHeads) (local.get $nKv)))
                                 (i32.mul (local.get $bs) (local.get $rowB))))
      (local.set $i (i32.const 0))
      (block $rows (loop $row
        (br_if $rows (i32.ge_s (local.get $i) (local.get $nQ)))
        (local.set $p (i32.add (local.get $pos0) (local.get $i)))
        (local.set $lo (i32.const 0))
        (if (i32.gt_s (local.get $window) (i32.const 0)) (then
          (local.set $lo (i32.add (i32.sub (local.get $p) (local.get $window)) (i32.const 1)))
          (if (i32.lt_s (local.get $lo) (i32.const 0)) (then (local.set $lo (i32.const 0))))))
        (local.set $n (i32.add (i32.sub (local.get $p) (local.get $lo)) (i32.const 1)))
        (local.set $qrow (i32.add (local.get $q) (i32.mul (i32.add (i32.mul (local.get $i) (local.get $nHeads)) (local.get $h)) (local.get $rowB))))
        (local.set $orow (i32.add (local.get $out) (i32.mul (i32.add (i32.mul (local.get $i) (local.get $nHeads)) (local.get $h)) (local.get $rowB))))
        ;; scores[j − lo] = scale·q·k_j, walking the blocks from lo's
        (local.set $b (i32.div_u (local.get $lo) (local.get $bs)))
        (local.set $slot (i32.sub (local.get $lo) (i32.mul (local.get $b) (local.get $bs))))
        (local.set $kaddr (i32.add (i32.add (i32.add (local.get $keys) (i32.load (i32.add (local.get $table) (i32.shl (local.get $b) (i32.const 2)))))
                                            (local.get $khOff)) (i32.mul (local.get $slot) (local.get $rowB))))
        (local.set $s (local.get $scores))
        (local.set $j (i32.const 0))
        (block $done (loop $key
          (br_if $done (i32.ge_s (local.get $j) (local.get $n)))
          (f32.store (local.get $s) (f32.mul (local.get $scale) (call $dot (local.get $qrow) (local.get $kaddr) (local.get $hd))))
          (local.set $s (i32.add (local.get $s) (i32.const 4)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (local.set $slot (i32.add (local.get $slot) (i32.const 1)))
          (local.set $kaddr (i32.add (local.get $kaddr) (local.get $rowB)))
          (if (i32.eq (local.get $slot) (local.get $bs)) (then
            (local.set $slot (i32.const 0))
            (local.set $b (i32.add (local.get $b) (i32.const 1)))
            (if (i32.lt_s (local.get $j) (local.get $n)) (then
              (local.set $kaddr (i32.add (i32.add (local.get $keys) (i32.load (i32.add (local.get $table) (i32.shl (local.get $b) (i32.const 2)))))
                                         (local.get $khOff)))))))
          (br $key)))
        ;; softmax numerators in place, and their sum
        (local.set $m (call $rowMax (local.get $scores) (local.get $n)))
        (local.set $sum (call $expShiftSum (local.get $scores) (local.get $scores) (local.get $n) (local.get $m)))
        ;; out row = Σ_j e_j·v_j, same walk over the value blocks, then · 1/sum
        (memory.fill (local.get $orow) (i32.const 0) (local.get $rowB))
        (local.set $b (i32.div_u (local.get $lo) (local.get $bs)))
        (local.set $slot (i32.sub (local.get $lo) (i32.mul (local.get $b) (local.get $bs))))
        (local.set $kaddr (i32.add (i32.add (i32.add (local.get $values) (i32.load (i32.add (local.get $table) (i32.shl (local.get $b) (i32.const 2)))))
                                            (local.get $khOff)) (i32.mul (local.get $slot) (local.get $rowB))))
        (local.set $s (local.get $scores))
        (local.set $j (i32.const 0))
        (block $done (loop $value
          (br_if $done (i32.ge_s (local.get $j) (local.get $n)))
          (call $axpy (f32.load (local.get $s)) (local.get $kaddr) (local.get $orow) (local.get $hd))
          (local.set $s (i32.add (local.get $s) (i32.const 4)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (local.set $slot (i32.add (local.get $slot) (i32.const 1)))
          (local.set $kaddr (i32.add (local.get $kaddr) (local.get $rowB)))
          (if (i32.eq (local.get $slot) (local.get $bs)) (then
            (local.set $slot (i32.const 0))
            (local.set $b (i32.add (local.get $b) (i32.const 1)))
            (if (i32.lt_s (local.get $j) (local.get $n)) (then
              (local.set $kaddr (i32.add (i32.add (local.get $values) (i32.load (i32.add (local.get $table) (i32.shl (local.get $b) (i32.const 2)))))
                                         (local.get $khOff)))))))
          (br $value)))
        (call $scale (local.get $orow) (local.get $hd) (f32.div (f32.const 1) (local.get $sum)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $row)))
      (local.set $h (i32.add (local.get $h) (i32.const 1)))
      (br $head))))
)
