;; compact/int-gemm.wat (compact.wat): gemmQ8_0, gemmQ4_0 — the products of prefill (many rows of
;; x) with Q8_0 / Q4_0 W: the same numbers as dotQ8_0 / dotQ4_0 bit for bit, laid out for reuse.
;; Uses $packQ8_0, $packQ4_0 (compact/int-gemm-pack.wat).
;;
;; Why a second kernel: the row-dots (compact/q8_0.wat) widen each weight byte to i16 once per one
;; or two rows of x and add the four rows' lane sums across lanes (transposes) every block. Here
;; each group of 4 W rows is first packed into a panel (scratch, one per job) where the weights are
;; already i16 and interleaved by pairs of k:
;;   panel block b (272 bytes): for p = 0…15 an i16x8 [r0 q[2p], r0 q[2p+1], r1 q[2p], r1 q[2p+1],
;;   r2 …, r3 …] (256 bytes), then f32x4 [d_w of rows r0 … r3] (16 bytes)
;; so one i32x4.dot_i16x8_s of a panel vector with x's pair (q_x[2p], q_x[2p+1]) in all 4 lanes
;; gives lane R = row R's partial sum: no transposes, each panel vector used for 4 rows of x, and
;; per block one f32(Σ)·(d_w·d_x) added to acc (lane R = row R) — compact.wat's float operations,
;; in its order.

  ;; ---------------------------------------------------------------------------------------------
  ;; gemmQ8_0 / gemmQ4_0: dotQ8_0's / dotQ4_0's arguments (activations from quantizeActs16: q i16
  ;; [M][nb][32] at xq, d f32 [M][nb] at xd; W [rows][nb] blocks at w; out[m·ldo + r]) and `panel`:
  ;; nb·272 bytes of scratch of this call alone.
  ;; ---------------------------------------------------------------------------------------------
  (func (export "gemmQ8_0") (param $xq i32) (param $xd i32) (param $M i32) (param $nb i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32) (param $panel i32)
    (local $r i32)
    (block $done (loop $group
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (call $packQ8_0 (local.get $w) (local.get $nb) (local.get $r) (local.get $rows) (local.get $panel))
      (call $panelTimesActs (local.get $xq) (local.get $xd) (local.get $M) (local.get $nb) (local.get $panel)
        (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2))) (local.get $ldo) (i32.sub (local.get $rows) (local.get $r)))
      (local.set $r (i32.add (local.get $r) (i32.const 4)))
      (br $group))))

  (func (export "gemmQ4_0") (param $xq i32) (param $xd i32) (param $M i32) (param $nb i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32) (param $panel i32)
    (local $r i32)
    (block $done (loop $group
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (call $packQ4_0 (local.get $w) (local.get $nb) (local.get $r) (local.get $rows) (local.get $panel))
      (call $panelTimesActs (local.get $xq) (local.get $xd) (local.get $M) (local.get $nb) (local.get $panel)
        (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2))) (local.get $ldo) (i32.sub (local.get $rows) (local.get $r)))
      (local.set $r (i32.add (local.get $r) (i32.const 4)))
      (br $group))))

  ;; out[m·ldo + c] (c < min(cols, 4)) = the panel's rows times every row of x, four rows of x at a
  ;; time (past the last row of x: the last one again, not stored); sR: row m+R's block sums.
  (func $panelTimesActs (param $xq i32) (param $xd i32) (param $M i32) (param $nb i32) (param $panel i32) (param $out i32) (param $ldo i32) (param $cols i32)
    (local $m i32) (local $last i32) (local $b i32) (local $half i32) (local $pb i32) (local $o i32)
    (local $x0 i32) (local $x1 i32) (local $x2 i32) (local $x3 i32) (local $d0 i32) (local $d1 i32) (local $d2 i32) (local $d3 i32)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128) (local $v v128) (local $f v128) (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $last (i32.sub (local.get $M) (i32.const 1)))
    (block $done (loop $rows4
      (br_if $done (i32.ge_u (local.get $m) (local.get $M)))
      (local.set $x0 (i32.add (local.get $xq) (i32.shl (i32.mul (local.get $m) (local.get $nb)) (i32.const 6))))
      (local.set $d0 (i32.add (local.get $xd) (i32.shr_u (i32.sub (local.get $x0) (local.get $xq)) (i32.const 4))))
      (local.set $x1 (i32.add (local.get $xq) (i32.shl (i32.mul (select (i32.add (local.get $m) (i32.const 1)) (local.get $last) (i32.lt_u (i32.add (local.get $m) (i32.const 1)) (local.get $M))) (local.get $nb)) (i32.const 6))))
      (local.set $d1 (i32.add (local.get $xd) (i32.shr_u (i32.sub (local.get $x1) (local.get $xq)) (i32.const 4))))
      (local.set $x2 (i32.add (local.get $xq) (i32.shl (i32.mul (select (i32.add (local.get $m) (i32.const 2)) (local.get $last) (i32.lt_u (i32.add (local.get $m) (i32.const 2)) (local.get $M))) (local.get $nb)) (i32.const 6))))
      (local.set $d2 (i32.add (local.get $xd) (i32.shr_u (i32.sub (local.get $x2) (local.get $xq)) (i32.const 4))))
      (local.set $x3 (i32.add (local.get $xq) (i32.shl (i32.mul (select (i32.add (local.get $m) (i32.const 3)) (local.get $last) (i32.lt_u (i32.add (local.get $m) (i32.const 3)) (local.get $M))) (local.get $nb)) (i32.const 6))))
      (local.set $d3 (i32.add (local.get $xd) (i32.shr_u (i32.sub (local.get $x3) (local.get $xq)) (i32.const 4))))
      (local.set $a0 (v128.const i32x4 0 0 0 0)) (local.set $a1 (v128.const i32x4 0 0 0 0))
      (local.set $a2 (v128.const i32x4 0 0 0 0)) (local.set $a3 (v128.const i32x4 0 0 0 0))
      (local.set $pb (local.get $panel))
      (local.set $b (i32.const 0))
      (block $blocksDone (loop $block
        (br_if $blocksDone (i32.ge_u (local.get $b) (local.get $nb)))
        (local.set $s0 (v128.const i32x4 0 0 0 0)) (local.set $s1 (v128.const i32x4 0 0 0 0))
        (local.set $s2 (v128.const i32x4 0 0 0 0)) (local.set $s3 (v128.const i32x4 0 0 0 0))
        ;; the block's 16 pairs of k, 4 at a time (exact: |Σ| ≤ 32·128·127 < 2^24)
        (local.set $half (i32.const 0))
        (block $pairsDone (loop $pairs
          (br_if $pairsDone (i32.ge_u (local.get $half) (i32.const 4)))
            ;; four pairs of k: wJ = the panel's vector of pair J, vR = x row R's pairs (i32 lanes), broadcast lane by lane
            (local.set $w0 (v128.load offset=0 (local.get $pb))) (local.set $w1 (v128.load offset=16 (local.get $pb)))
            (local.set $w2 (v128.load offset=32 (local.get $pb))) (local.set $w3 (v128.load offset=48 (local.get $pb)))
            (local.set $v (v128.load (local.get $x0)))
            (local.set $s0 (i32x4.add (local.get $s0) (i32x4.dot_i16x8_s (local.get $w0) (i8x16.shuffle 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3 (local.get $v) (local.get $v)))))
            (local.set $s0 (i32x4.add (local.get $s0) (i32x4.dot_i16x8_s (local.get $w1) (i8x16.shuffle 4 5 6 7 4 5 6 7 4 5 6 7 4 5 6 7 (local.get $v) (local.get $v)))))
            (local.set $s0 (i32x4.add (local.get $s0) (i32x4.dot_i16x8_s (local.get $w2) (i8x16.shuffle 8 9 10 11 8 9 10 11 8 9 10 11 8 9 10 11 (local.get $v) (local.get $v)))))
            (local.set $s0 (i32x4.add (local.get $s0) (i32x4.dot_i16x8_s (local.get $w3) (i8x16.shuffle 12 13 14 15 12 13 14 15 12 13 14 15 12 13 14 15 (local.get $v) (local.get $v)))))
            (local.set $v (v128.load (local.get $x1)))
            (local.set $s1 (i32x4.add (local.get $s1) (i32x4.dot_i16x8_s (local.get $w0) (i8x16.shuffle 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3 (local.get $v) (local.get $v)))))
            (local.set $s1 (i32x4.add (local.get $s1) (i32x4.dot_i16x8_s (local.get $w1) (i8x16.shuffle 4 5 6 7 4 5 6 7 4 5 6 7 4 5 6 7 (local.get $v) (local.get $v)))))
            (local.set $s1 (i32x4.add (local.get $s1) (i32x4.dot_i16x8_s (local.get $w2) (i8x16.shuffle 8 9 10 11 8 9 10 11 8 9 10 11 8 9 10 11 (local.get $v) (local.get $v)))))
            (local.set $s1 (i32x4.add (local.get $s1) (i32x4.dot_i16x8_s (local.get $w3) (i8x16.shuffle 12 13 14 15 12 13 14 15 12 13 14 15 12 13 14 15 (local.get $v) (local.get $v)))))
            (local.set $v (v128.load (local.get $x2)))
            (local.set $s2 (i32x4.add (local.get $s2) (i32x4.dot_i16x8_s (local.get $w0) (i8x16.shuffle 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3 (local.get $v) (local.get $v)))))
            (local.set $s2 (i32x4.add (local.get $s2) (i32x4.dot_i16x8_s (local.get $w1) (i8x16.shuffle 4 5 6 7 4 5 6 7 4 5 6 7 4 5 6 7 (local.get $v) (local.get $v)))))
            (local.set $s2 (i32x4.add (local.get $s2) (i32x4.dot_i16x8_s (local.get $w2) (i8x16.shuffle 8 9 10 11 8 9 10 11 8 9 10 11 8 9 10 11 (local.get $v) (local.get $v)))))
            (local.set $s2 (i32x4.add (local.get $s2) (i32x4.dot_i16x8_s (local.get $w3) (i8x16.shuffle 12 13 14 15 12 13 14 15 12 13 14 15 12 13 14 15 (local.get $v) (local.get $v)))))
            (local.set $v (v128.load (local.get $x3)))
            (local.set $s3 (i32x4.add (local.get $s3) (i32x4.dot_i16x8_s (local.get $w0) (i8x16.shuffle 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3 (local.get $v) (local.get $v)))))
            (local.set $s3 (i32x4.add (local.get $s3) (i32x4.dot_i16x8_s (local.get $w1) (i8x16.shuffle 4 5 6 7 4 5 6 7 4 5 6 7 4 5 6 7 (local.get $v) (local.get $v)))))
            (local.set $s3 (i32x4.add (local.get $s3) (i32x4.dot_i16x8_s (local.get $w2) (i8x16.shuffle 8 9 10 11 8 9 10 11 8 9 10 11 8 9 10 11 (local.get $v) (local.get $v)))))
            (local.set $s3 (i32x4.add (local.get $s3) (i32x4.dot_i16x8_s (local.get $w3) (i8x16.shuffle 12 13 14 15 12 13 14 15 12 13 14 15 12 13 14 15 (local.get $v) (local.get $v)))))
          (local.set $pb (i32.add (local.get $pb) (i32.const 64)))
          (local.set $x0 (i32.add (local.get $x0) (i32.const 16))) (local.set $x1 (i32.add (local.get $x1) (i32.const 16)))
          (local.set $x2 (i32.add (local.get $x2) (i32.const 16))) (local.set $x3 (i32.add (local.get $x3) (i32.const 16)))
          (local.set $half (i32.add (local.get $half) (i32.const 1)))
          (br $pairs)))
        ;; acc += f32(Σ) · (d_w · d_x) for the 4 W rows (lanes) and each row of x
        (local.set $f (v128.load (local.get $pb)))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (f32x4.convert_i32x4_s (local.get $s0)) (f32x4.mul (local.get $f) (v128.load32_splat (local.get $d0))))))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (f32x4.convert_i32x4_s (local.get $s1)) (f32x4.mul (local.get $f) (v128.load32_splat (local.get $d1))))))
          (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (f32x4.convert_i32x4_s (local.get $s2)) (f32x4.mul (local.get $f) (v128.load32_splat (local.get $d2))))))
          (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (f32x4.convert_i32x4_s (local.get $s3)) (f32x4.mul (local.get $f) (v128.load32_splat (local.get $d3))))))
        (local.set $pb (i32.add (local.get $pb) (i32.const 16)))
        (local.set $d0 (i32.add (local.get $d0) (i32.const 4))) (local.set $d1 (i32.add (local.get $d1) (i32.const 4)))
        (local.set $d2 (i32.add (local.get $d2) (i32.const 4))) (local.set $d3 (i32.add (local.get $d3) (i32.const 4)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $block)))
      (local.set $o (i32.add (local.get $out) (i32.shl (i32.mul (local.get $m) (local.get $ldo)) (i32.const 2))))
      (if (i32.lt_u (i32.add (local.get $m) (i32.const 0)) (local.get $M)) (then (call $store4 (local.get $o) (local.get $a0) (local.get $cols))))
      (local.set $o (i32.add (local.get $o) (i32.shl (local.get $ldo) (i32.const 2))))
      (if (i32.lt_u (i32.add (local.get $m) (i32.const 1)) (local.get $M)) (then (call $store4 (local.get $o) (local.get $a1) (local.get $cols))))
      (local.set $o (i32.add (local.get $o) (i32.shl (local.get $ldo) (i32.const 2))))
      (if (i32.lt_u (i32.add (local.get $m) (i32.const 2)) (local.get $M)) (then (call $store4 (local.get $o) (local.get $a2) (local.get $cols))))
      (local.set $o (i32.add (local.get $o) (i32.shl (local.get $ldo) (i32.const 2))))
      (if (i32.lt_u (i32.add (local.get $m) (i32.const 3)) (local.get $M)) (then (call $store4 (local.get $o) (local.get $a3) (local.get $cols))))
      (local.set $o (i32.add (local.get $o) (i32.shl (local.get $ldo) (i32.const 2))))
      (local.set $m (i32.add (local.get $m) (i32.const 4)))
      (br $rows4))))

  ;; the first min(cols, 4) lanes of v to o … o+12
  (func $store4 (param $o i32) (param $v v128) (param $cols i32)
    (if (i32.ge_u (local.get $cols) (i32.const 4)) (then (v128.store (local.get $o) (local.get $v)) (return)))
    (f32.store (local.get $o) (f32x4.extract_lane 0 (local.get $v)))
    (if (i32.gt_u (local.get $cols) (i32.const 1)) (then (f32.store offset=4 (local.get $o) (f32x4.extract_lane 1 (local.get $v)))))
    (if (i32.gt_u (local.get $cols) (i32.const 2)) (then (f32.store offset=8 (local.get $o) (f32x4.extract_lane 2 (local.get $v))))))
