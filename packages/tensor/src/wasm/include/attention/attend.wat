;; attention/attend.wat (attention.wat): the export attention: per head in [h0, h1) and query row,
;; walks the block table over the keys the row sees, scores them (runs, two heads at a time where
;; a kv head serves two), softmax with exp-core.wat's exp, then the weighted sum of the values.
;; Layouts: the header of attention.wat.

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
    (local $pair i32) (local $s2 i32) (local $second i32) (local $seen i32)
    (local.set $rowB (i32.shl (local.get $hd) (i32.const 2)))
    ;; the second head's scores row: after the first, which holds at most min(window, pos0 + nQ) keys
    (local.set $seen (i32.add (local.get $pos0) (local.get $nQ)))
    (if (i32.and (i32.gt_s (local.get $window) (i32.const 0)) (i32.lt_s (local.get $window) (local.get $seen))) (then (local.set $seen (local.get $window))))
    (local.set $second (i32.add (local.get $scores) (i32.shl (i32.and (i32.add (local.get $seen) (i32.const 3)) (i32.const -4)) (i32.const 2))))
    (local.set $h (local.get $h0))
    (block $heads (loop $head
      (br_if $heads (i32.ge_s (local.get $h) (local.get $h1)))
      ;; kv head h / G, G = nHeads / nKv: byte offset of its slab inside a block
      (local.set $khOff (i32.mul (i32.div_u (local.get $h) (i32.div_u (local.get $nHeads) (local.get $nKv)))
                                 (i32.mul (local.get $bs) (local.get $rowB))))
      ;; heads h and h + 1 together when both are this call's and share the kv head (the same keys)
      (local.set $pair (i32.and (i32.lt_s (i32.add (local.get $h) (i32.const 1)) (local.get $h1))
        (i32.eq (i32.div_u (local.get $h) (i32.div_u (local.get $nHeads) (local.get $nKv)))
                (i32.div_u (i32.add (local.get $h) (i32.const 1)) (i32.div_u (local.get $nHeads) (local.get $nKv))))))
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
        (local.set $s2 (local.get $second))
        (local.set $j (i32.const 0))
        (block $done (loop $run
          (br_if $done (i32.ge_s (local.get $j) (local.get $n)))
          (local.set $r (i32.sub (local.get $bs) (local.get $slot)))
          (if (i32.gt_s (local.get $r) (i32.sub (local.get $n) (local.get $j))) (then (local.set $r (i32.sub (local.get $n) (local.get $j)))))
          (local.set $kaddr (i32.add (i32.add (i32.add (local.get $keys) (i32.load (i32.add (local.get $table) (i32.shl (local.get $b) (i32.const 2)))))
                                              (local.get $khOff)) (i32.mul (local.get $slot) (local.get $rowB))))
          (if (local.get $pair)
            (then (call $scoreRun2 (local.get $qrow) (i32.add (local.get $qrow) (local.get $rowB)) (local.get $kaddr) (local.get $r) (local.get $hd)
                                   (local.get $scale) (local.get $s) (local.get $s2)))
            (else (call $scoreRun (local.get $qrow) (local.get $kaddr) (local.get $r) (local.get $hd) (local.get $scale) (local.get $s))))
          (local.set $s (i32.add (local.get $s) (i32.shl (local.get $r) (i32.const 2))))
          (local.set $s2 (i32.add (local.get $s2) (i32.shl (local.get $r) (i32.const 2))))
          (local.set $j (i32.add (local.get $j) (local.get $r)))
          (local.set $slot (i32.const 0))
          (local.set $b (i32.add (local.get $b) (i32.const 1)))
          (br $run)))
        ;; softmax numerators in place, and their sum
        (local.set $m (call $rowMax (local.get $scores) (local.get $n)))
        (local.set $sum (call $expShiftSum (local.get $scores) (local.get $scores) (local.get $n) (local.get $m)))
        (if (local.get $pair) (then
          (local.set $m (call $rowMax (local.get $second) (local.get $n)))
          (local.set $m (call $expShiftSum (local.get $second) (local.get $second) (local.get $n) (local.get $m)))))
        ;; out row = Σ_j e_j·v_j, the same runs over the value blocks, then · 1/sum ($m: the second head's sum)
        (memory.fill (local.get $orow) (i32.const 0) (i32.shl (local.get $rowB) (local.get $pair)))
        (local.set $b (i32.div_u (local.get $lo) (local.get $bs)))
        (local.set $slot (i32.sub (local.get $lo) (i32.mul (local.get $b) (local.get $bs))))
        (local.set $s (local.get $scores))
        (local.set $s2 (local.get $second))
        (local.set $j (i32.const 0))
        (block $done (loop $run
          (br_if $done (i32.ge_s (local.get $j) (local.get $n)))
          (local.set $r (i32.sub (local.get $bs) (local.get $slot)))
          (if (i32.gt_s (local.get $r) (i32.sub (local.get $n) (local.get $j))) (then (local.set $r (i32.sub (local.get $n) (local.get $j)))))
          (local.set $kaddr (i32.add (i32.add (i32.add (local.get $values) (i32.load (i32.add (local.get $table) (i32.shl (local.get $b) (i32.const 2)))))
                                              (local.get $khOff)) (i32.mul (local.get $slot) (local.get $rowB))))
          (if (local.get $pair)
            (then (call $valueRun2 (local.get $s) (local.get $s2) (local.get $kaddr) (local.get $r) (local.get $hd)
                                   (local.get $orow) (i32.add (local.get $orow) (local.get $rowB))))
            (else (call $valueRun (local.get $s) (local.get $kaddr) (local.get $r) (local.get $hd) (local.get $orow))))
          (local.set $s (i32.add (local.get $s) (i32.shl (local.get $r) (i32.const 2))))
          (local.set $s2 (i32.add (local.get $s2) (i32.shl (local.get $r) (i32.const 2))))
          (local.set $j (i32.add (local.get $j) (local.get $r)))
          (local.set $slot (i32.const 0))
          (local.set $b (i32.add (local.get $b) (i32.const 1)))
          (br $run)))
        (call $scale (local.get $orow) (local.get $hd) (f32.div (f32.const 1) (local.get $sum)))
        (if (local.get $pair) (then
          (call $scale (i32.add (local.get $orow) (local.get $rowB)) (local.get $hd) (f32.div (f32.const 1) (local.get $m)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $row)))
      (local.set $h (i32.add (i32.add (local.get $h) (i32.const 1)) (local.get $pair)))
      (br $head))))
