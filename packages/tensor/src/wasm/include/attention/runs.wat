;; attention/runs.wat (attention.wat): one query row against one run of the cache, r consecutive
;; keys / values of one block (hd floats each, hd·4 bytes apart): $scoreRun writes the r scores
;; s[j] = scale·q·k_j, $valueRun adds Σ_j w[j]·v_j into y [hd]. Uses $hsum (hsum.wat).

  ;; ---------------------------------------------------------------------------------------------
  ;; scoreRun: s[j] = scale·q·k_j for the r keys k_j = k + j·hd·4 (contiguous: one block's run).
  ;; Four keys at a time share each load of q; each key's sum is 4 lanes over the whole vectors,
  ;; plus its tail as a vector, then (a0 + a2) + (a1 + a3): the same arithmetic for a key taken
  ;; alone, so a score does not depend on where the runs (blocks) begin.
  ;; ---------------------------------------------------------------------------------------------
  (func $scoreRun (param $q i32) (param $k i32) (param $r i32) (param $hd i32) (param $scale f32) (param $s i32)
    (local $rowB i32) (local $endB i32) (local $t i32) (local $o i32) (local $ta i32) (local $qv v128) (local $qt v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $lo v128) (local $hi v128)
    (local.set $rowB (i32.shl (local.get $hd) (i32.const 2)))
    (local.set $endB (i32.shl (i32.and (local.get $hd) (i32.const -4)) (i32.const 2)))
    (local.set $t (i32.and (local.get $hd) (i32.const 3)))
    (local.set $qt (block (result v128) (local.set $ta (i32.add (local.get $q) (local.get $endB)))
          (f32x4.replace_lane 2 (f32x4.replace_lane 1 (f32x4.replace_lane 0 (v128.const i32x4 0 0 0 0) (f32.load (local.get $ta)))
            (if (result f32) (i32.ge_u (local.get $t) (i32.const 2)) (then (f32.load offset=4 (local.get $ta))) (else (f32.const 0))))
            (if (result f32) (i32.ge_u (local.get $t) (i32.const 3)) (then (f32.load offset=8 (local.get $ta))) (else (f32.const 0))))))
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
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $qt) (block (result v128) (local.set $ta (i32.add (local.get $k) (local.get $endB)))
          (f32x4.replace_lane 2 (f32x4.replace_lane 1 (f32x4.replace_lane 0 (v128.const i32x4 0 0 0 0) (f32.load (local.get $ta)))
            (if (result f32) (i32.ge_u (local.get $t) (i32.const 2)) (then (f32.load offset=4 (local.get $ta))) (else (f32.const 0))))
            (if (result f32) (i32.ge_u (local.get $t) (i32.const 3)) (then (f32.load offset=8 (local.get $ta))) (else (f32.const 0))))))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $qt) (block (result v128) (local.set $ta (i32.add (i32.add (local.get $k) (local.get $rowB)) (local.get $endB)))
          (f32x4.replace_lane 2 (f32x4.replace_lane 1 (f32x4.replace_lane 0 (v128.const i32x4 0 0 0 0) (f32.load (local.get $ta)))
            (if (result f32) (i32.ge_u (local.get $t) (i32.const 2)) (then (f32.load offset=4 (local.get $ta))) (else (f32.const 0))))
            (if (result f32) (i32.ge_u (local.get $t) (i32.const 3)) (then (f32.load offset=8 (local.get $ta))) (else (f32.const 0))))))))
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $qt) (block (result v128) (local.set $ta (i32.add (i32.add (local.get $k) (i32.shl (local.get $rowB) (i32.const 1))) (local.get $endB)))
          (f32x4.replace_lane 2 (f32x4.replace_lane 1 (f32x4.replace_lane 0 (v128.const i32x4 0 0 0 0) (f32.load (local.get $ta)))
            (if (result f32) (i32.ge_u (local.get $t) (i32.const 2)) (then (f32.load offset=4 (local.get $ta))) (else (f32.const 0))))
            (if (result f32) (i32.ge_u (local.get $t) (i32.const 3)) (then (f32.load offset=8 (local.get $ta))) (else (f32.const 0))))))))
        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $qt) (block (result v128) (local.set $ta (i32.add (i32.add (local.get $k) (i32.mul (local.get $rowB) (i32.const 3))) (local.get $endB)))
          (f32x4.replace_lane 2 (f32x4.replace_lane 1 (f32x4.replace_lane 0 (v128.const i32x4 0 0 0 0) (f32.load (local.get $ta)))
            (if (result f32) (i32.ge_u (local.get $t) (i32.const 2)) (then (f32.load offset=4 (local.get $ta))) (else (f32.const 0))))
            (if (result f32) (i32.ge_u (local.get $t) (i32.const 3)) (then (f32.load offset=8 (local.get $ta))) (else (f32.const 0))))))))))
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
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $qt) (block (result v128) (local.set $ta (i32.add (local.get $k) (local.get $endB)))
          (f32x4.replace_lane 2 (f32x4.replace_lane 1 (f32x4.replace_lane 0 (v128.const i32x4 0 0 0 0) (f32.load (local.get $ta)))
            (if (result f32) (i32.ge_u (local.get $t) (i32.const 2)) (then (f32.load offset=4 (local.get $ta))) (else (f32.const 0))))
            (if (result f32) (i32.ge_u (local.get $t) (i32.const 3)) (then (f32.load offset=8 (local.get $ta))) (else (f32.const 0))))))))))
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

