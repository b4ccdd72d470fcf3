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

;; The last hd mod 4 floats of a row as a vector (zeros above), loaded lane by lane: a v128 load
  ;; would read past the row's end (possibly past the cache's last byte).
  (func $tail (param $p i32) (param $t i32) (result v128)
    (local $v v128)
    (if (i32.ge_u (local.get $t) (i32.const 1)) (then (local.set $v (f32x4.replace_lane 0 (local.get $v) (f32.load (local.get $p))))))
    (if (i32.ge_u (local.get $t) (i32.const 2)) (then (local.set $v (f32x4.replace_lane 1 (local.get $v) (f32.load offset=4 (local.get $p))))))
    (if (i32.ge_u (local.get $t) (i32.const 3)) (then (local.set $v (f32x4.replace_lane 2 (local.get $v) (f32.load offset=8 (local.get $p))))))
    (local.get $v))

  ;; (a0 + a2) + (a1 + a3): one key's score from its 4-lane partial sums
  (func $hsum (param $a v128) (result f32)
    (local.set $a (f32x4.add (local.get $a) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $a) (local.get $a))))
    (f32.add (f32x4.extract_lane 0 (local.get $a)) (f32x4.extract_lane 1 (local.get $a))))

  ;; ---------------------------------------------------------------------------------------------
  ;; scoreRun: s[j] = scale·q·k_j for the r keys k_j = k + j·hd·4 (contiguous: one block's run).
  ;; Four keys at a time share each load of q; each key's sum is 4 lanes over the whole vectors,
  ;; plus its tail as a vector, then (a0 + a2) + (a1 + a3): the same arithmetic for a key taken
  ;; alone, so a score does not depend on where the runs (blocks) begin.
  ;; ---------------------------------------------------------------------------------------------
  (func $scoreRun (param $q i32) (param $k i32) (param $r i32) (param $hd i32) (param $scale f32) (param $s i32)
    (local $rowB i32) (local $endB i32) (local $t i32) (local $o i32) (local $qv v128) (local $qt v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $lo v128) (local $hi v128)
    (local.set $rowB (i32.shl (local.get $hd) (i32.const 2)))
    (local.set $endB (i32.shl (i32.and (local.get $hd) (i32.const -4)) (i32.const 2)))
    (local.set $t (i32.and (local.get $hd) (i32.const 3)))
    (local.set $qt (call $tail (i32.add (local.get $q) (local.get $endB)) (local.get $t)))
    (block $done4 (loop $four
      (br_if $done4 (i32.lt_s (local.get $r) (i32.const 4)))
      (local.set $a0 (v128.const i32x4 0 0 0 0)) (local.set $a1 (v128.const i32x4 0 0 0 0))
      (local.set $a2 (v128.const i32x4 0 0 0 0)) (local.set $a3 (v128.const i32x4 0 0 0 0))
      (local.set $o (i32.const 0))
      (block $end (loop $v
        (br_if $end (i32.ge_u (local.get $o) (local.get $endB)))
        (local.set $qv (v128.load (i32.add (local.get $q) (local.get $o))))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $qv) (v128.load (i32.add (local.get $k) (local.get $o))))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $qv) (v128.load (i32.add (i32.add (local.get $k) (local.get $rowB)) (local.get $o))))))
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $qv) (v128.load (i32.add (i32.add (local.get $k) (i32.shl (local.get $rowB) (i32.const 1))) (local.get $o))))))
        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $qv) (v128.load (i32.add (i32.add (local.get $k) (i32.mul (local.get $rowB) (i32.const 3))) (local.get $o))))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $v)))
      (if (local.get $t) (then
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $qt) (call $tail (i32.add (local.get $k) (local.get $endB)) (local.get $t)))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $qt) (call $tail (i32.add (i32.add (local.get $k) (local.get $rowB)) (local.get $endB)) (local.get $t)))))
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $qt) (call $tail (i32.add (i32.add (local.get $k) (i32.shl (local.get $rowB) (i32.const 1))) (local.get $endB)) (local.get $t)))))
        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $qt) (call $tail (i32.add (i32.add (local.get $k) (i32.mul (local.get $rowB) (i32.const 3))) (local.get $endB)) (local.get $t)))))))
      ;; transpose-add: lanes (a0 + a2) + (a1 + a3) of each key, the four keys' scores in one vector
      (local.set $a0 (f32x4.add (local.get $a0) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $a0) (local.get $a0))))
      (local.set $a1 (f32x4.add (local.get $a1) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $a1) (local.get $a1))))
      (local.set $a2 (f32x4.add (local.get $a2) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $a2) (local.get $a2))))
      (local.set $a3 (f32x4.add (local.get $a3) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $a3) (local.get $a3))))
      ;; lo = [a0.0, a1.0, a2.0, a3.0], hi = [a0.1, a1.1, a2.1, a3.1]
      (local.set $lo (i8x16.shuffle 0 1 2 3 16 17 18 19 0 1 2 3 16 17 18 19 (local.get $a0) (local.get $a1)))
      (local.set $hi (i8x16.shuffle 0 1 2 3 16 17 18 19 0 1 2 3 16 17 18 19 (local.get $a2) (local.get $a3)))
      (local.set $lo (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $lo) (local.get $hi)))
      (local.set $hi (i8x16.shuffle 4 5 6 7 20 21 22 23 4 5 6 7 20 21 22 23 (local.get $a0) (local.get $a1)))
      (local.set $a2 (i8x16.shuffle 4 5 6 7 20 21 22 23 4 5 6 7 20 21 22 23 (local.get $a2) (local.get $a3)))
      (local.set $hi (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $hi) (local.get $a2)))
      (v128.store (local.get $s) (f32x4.mul (f32x4.splat (local.get $scale)) (f32x4.add (local.get $lo) (local.get $hi))))
      (local.set $k (i32.add (local.get $k) (i32.shl (local.get $rowB) (i32.const 2))))
      (local.set $s (i32.add (local.get $s) (i32.const 16)))
      (local.set $r (i32.sub (local.get $r) (i32.const 4)))
      (br $four)))
    (block $done (loop $one
      (br_if $done (i32.le_s (local.get $r) (i32.const 0)))
      (local.set $a0 (v128.const i32x4 0 0 0 0))
      (local.set $o (i32.const 0))
      (block $end (loop $v
        (br_if $end (i32.ge_u (local.get $o) (local.get $endB)))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load (i32.add (local.get $q) (local.get $o))) (v128.load (i32.add (local.get $k) (local.get $o))))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $v)))
      (if (local.get $t) (then
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $qt) (call $tail (i32.add (local.get $k) (local.get $endB)) (local.get $t)))))))
      (f32.store (local.get $s) (f32.mul (local.get $scale) (call $hsum (local.get $a0))))
      (local.set $k (i32.add (local.get $k) (local.get $rowB)))
      (local.set $s (i32.add (local.get $s) (i32.const 4)))
      (local.set $r (i32.sub (local.get $r) (i32.const 1)))
      (br $one))))

  ;; ---------------------------------------------------------------------------------------------
  ;; valueRun: y[0:hd] += Σ_j w[j]·v_j for the r values v_j = v + j·hd·4, added one key after the
  ;; other in key order (four keys per pass over y, kept in registers between them), so the sum
  ;; does not depend on where the runs begin.
  ;; ---------------------------------------------------------------------------------------------
  (func $valueRun (param $w i32) (param $v i32) (param $r i32) (param $hd i32) (param $y i32)
    (local $rowB i32) (local $endB i32) (local $o i32) (local $acc v128) (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128)
    (local $e i32) (local $sum f32)
    (local.set $rowB (i32.shl (local.get $hd) (i32.const 2)))
    (local.set $endB (i32.shl (i32.and (local.get $hd) (i32.const -4)) (i32.const 2)))
    (block $done4 (loop $four
      (br_if $done4 (i32.lt_s (local.get $r) (i32.const 4)))
      (local.set $w0 (v128.load32_splat (local.get $w)))
      (local.set $w1 (v128.load32_splat offset=4 (local.get $w)))
      (local.set $w2 (v128.load32_splat offset=8 (local.get $w)))
      (local.set $w3 (v128.load32_splat offset=12 (local.get $w)))
      (local.set $o (i32.const 0))
      (block $end (loop $c
        (br_if $end (i32.ge_u (local.get $o) (local.get $endB)))
        (local.set $acc (v128.load (i32.add (local.get $y) (local.get $o))))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $w0) (v128.load (i32.add (local.get $v) (local.get $o))))))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $w1) (v128.load (i32.add (i32.add (local.get $v) (local.get $rowB)) (local.get $o))))))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $w2) (v128.load (i32.add (i32.add (local.get $v) (i32.shl (local.get $rowB) (i32.const 1))) (local.get $o))))))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $w3) (v128.load (i32.add (i32.add (local.get $v) (i32.mul (local.get $rowB) (i32.const 3))) (local.get $o))))))
        (v128.store (i32.add (local.get $y) (local.get $o)) (local.get $acc))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $c)))
      ;; the tail floats, key after key
      (block $end (loop $c
        (br_if $end (i32.ge_u (local.get $o) (local.get $rowB)))
        (local.set $e (i32.add (local.get $v) (local.get $o)))
        (local.set $sum (f32.load (i32.add (local.get $y) (local.get $o))))
        (local.set $sum (f32.add (local.get $sum) (f32.mul (f32.load (local.get $w)) (f32.load (local.get $e)))))
        (local.set $e (i32.add (local.get $e) (local.get $rowB)))
        (local.set $sum (f32.add (local.get $sum) (f32.mul (f32.load offset=4 (local.get $w)) (f32.load (local.get $e)))))
        (local.set $e (i32.add (local.get $e) (local.get $rowB)))
        (local.set $sum (f32.add (local.get $sum) (f32.mul (f32.load offset=8 (local.get $w)) (f32.load (local.get $e)))))
        (local.set $e (i32.add (local.get $e) (local.get $rowB)))
        (local.set $sum (f32.add (local.get $sum) (f32.mul (f32.load offset=12 (local.get $w)) (f32.load (local.get $e)))))
        (f32.store (i32.add (local.get $y) (local.get $o)) (local.get $sum))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $c)))
      (local.set $v (i32.add (local.get $v) (i32.shl (local.get $rowB) (i32.const 2))))
      (local.set $w (i32.add (local.get $w) (i32.const 16)))
      (local.set $r (i32.sub (local.get $r) (i32.const 4)))
      (br $four)))
    (block $done (loop $one
      (br_if $done (i32.le_s (local.get $r) (i32.const 0)))
      (local.set $w0 (v128.load32_splat (local.get $w)))
      (local.set $o (i32.const 0))
      (block $end (loop $c
        (br_if $end (i32.ge_u (local.get $o) (local.get $endB)))
        (v128.store (i32.add (local.get $y) (local.get $o)) (f32x4.add (v128.load (i32.add (local.get $y) (local.get $o)))
          (f32x4.mul (local.get $w0) (v128.load (i32.add (local.get $v) (local.get $o))))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $c)))
      (block $end (loop $c
        (br_if $end (i32.ge_u (local.get $o) (local.get $rowB)))
        (f32.store (i32.add (local.get $y) (local.get $o)) (f32.add (f32.load (i32.add (local.get $y) (local.get $o)))
          (f32.mul (f32.load (local.get $w)) (f32.load (i32.add (local.get $v) (local.get $o))))))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $c)))
      (local.set $v (i32.add (local.get $v) (local.get $rowB)))
      (local.set $w (i32.add (local.get $w) (i32.const 4)))
      (local.set $r (i32.sub (local.get $r) (i32.const 1)))
      (br $one))))

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
    (local $kaddr i32) (local $s i32) (local $r i32) (local $m f32) (local $sum f32)
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
        ;; scores[j − lo] = scale·q·k_j, run by run: keys lo … p from block lo / bs on, each run the
        ;; rest of a block (or of the keys)
        (local.set $b (i32.div_u (local.get $lo) (local.get $bs)))
        (local.set $slot (i32.sub (local.get $lo) (i32.mul (local.get $b) (local.get $bs))))
        (local.set $s (local.get $scores))
        (local.set $j (i32.const 0))
        (block $done (loop $run
          (br_if $done (i32.ge_s (local.get $j) (local.get $n)))
          (local.set $r (i32.sub (local.get $bs) (local.get $slot)))
          (if (i32.gt_s (local.get $r) (i32.sub (local.get $n) (local.get $j))) (then (local.set $r (i32.sub (local.get $n) (local.get $j)))))
          (local.set $kaddr (i32.add (i32.add (i32.add (local.get $keys) (i32.load (i32.add (local.get $table) (i32.shl (local.get $b) (i32.const 2)))))
                                              (local.get $khOff)) (i32.mul (local.get $slot) (local.get $rowB))))
          (call $scoreRun (local.get $qrow) (local.get $kaddr) (local.get $r) (local.get $hd) (local.get $scale) (local.get $s))
          (local.set $s (i32.add (local.get $s) (i32.shl (local.get $r) (i32.const 2))))
          (local.set $j (i32.add (local.get $j) (local.get $r)))
          (local.set $slot (i32.const 0))
          (local.set $b (i32.add (local.get $b) (i32.const 1)))
          (br $run)))
        ;; softmax numerators in place, and their sum
        (local.set $m (call $rowMax (local.get $scores) (local.get $n)))
        (local.set $sum (call $expShiftSum (local.get $scores) (local.get $scores) (local.get $n) (local.get $m)))
        ;; out row = Σ_j e_j·v_j, the same runs over the value blocks, then · 1/sum
        (memory.fill (local.get $orow) (i32.const 0) (local.get $rowB))
        (local.set $b (i32.div_u (local.get $lo) (local.get $bs)))
        (local.set $slot (i32.sub (local.get $lo) (i32.mul (local.get $b) (local.get $bs))))
        (local.set $s (local.get $scores))
        (local.set $j (i32.const 0))
        (block $done (loop $run
          (br_if $done (i32.ge_s (local.get $j) (local.get $n)))
          (local.set $r (i32.sub (local.get $bs) (local.get $slot)))
          (if (i32.gt_s (local.get $r) (i32.sub (local.get $n) (local.get $j))) (then (local.set $r (i32.sub (local.get $n) (local.get $j)))))
          (local.set $kaddr (i32.add (i32.add (i32.add (local.get $values) (i32.load (i32.add (local.get $table) (i32.shl (local.get $b) (i32.const 2)))))
                                              (local.get $khOff)) (i32.mul (local.get $slot) (local.get $rowB))))
          (call $valueRun (local.get $s) (local.get $kaddr) (local.get $r) (local.get $hd) (local.get $orow))
          (local.set $s (i32.add (local.get $s) (i32.shl (local.get $r) (i32.const 2))))
          (local.set $j (i32.add (local.get $j) (local.get $r)))
          (local.set $slot (i32.const 0))
          (local.set $b (i32.add (local.get $b) (i32.const 1)))
          (br $run)))
        (call $scale (local.get $orow) (local.get $hd) (f32.div (f32.const 1) (local.get $sum)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $row)))
      (local.set $h (i32.add (local.get $h) (i32.const 1)))
      (br $head))))
)
