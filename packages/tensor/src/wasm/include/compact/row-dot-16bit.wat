;; compact/row-dot-16bit.wat (compact.wat): the BF16 and F16 products, x f32 [M, K] against
;; W [rows, K] of 16-bit weights (row r at w + 2·r·K bytes): out[m·ldo + r] = Σ_k x[m, k]·W[r, k].
;; $rowsBf16 / $rowsF16 dot n consecutive W rows with one x row; dotBf16 / dotF16 run every W row
;; against every x row.
;; The relaxed variant multiplies-adds with f32x4.relaxed_madd (;;#if relaxed passages).
;; Uses $f16 (compact/f16.wat) and $hsum (hsum.wat).

  ;; ---------------------------------------------------------------------------------------------
  ;; rows(x [K] f32, w [n, K] bf16 / f16, out [n] at o): each row's dot, 16 weights an iteration
  ;; into four f32x4 accumulators (four independent add chains), then 8, then one at a time (the
  ;; same arithmetic for every row, so the bits do not depend on n). Widening: each 16-bit half unpacked above
  ;; 16 zero bits (one punpcklwd / punpckhwd: V8 matches this operand order of the shuffle), which
  ;; is the bf16 value; for f16 then shifted right 3 as signed, the sign's copies in bits 28–30
  ;; masked off and multiplied by 2^112 (exact for finite halves; the f16 encoder refuses inf/NaN).
  ;; Written inline: V8 does not inline small WASM functions (a call per 4 weights was ~7× slower);
  ;; and the rows loop inside, not a call per row (~1.1× on the 135M shape's decode for bf16: the
  ;; call's prologue and spills cost ~2 of a 576-wide row's 36 iterations).
  ;; Tried and slower (V8 spills loop-carried vectors past ~12 live ones, so their add chain goes
  ;; through memory): two rows a pass with 8 accumulators, 8 accumulators over 32 weights, 64
  ;; weights an iteration.
  ;; ---------------------------------------------------------------------------------------------
  (func $rowsBf16 (param $x i32) (param $w i32) (param $K i32) (param $n i32) (param $o i32)
    (local $k i32) (local $h v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $s f32) (local $i i32)
    (block $rowsDone (loop $rowLoop
      (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $k (i32.const 0))
      (local.set $a0 (v128.const i32x4 0 0 0 0)) (local.set $a1 (v128.const i32x4 0 0 0 0)) (local.set $a2 (v128.const i32x4 0 0 0 0)) (local.set $a3 (v128.const i32x4 0 0 0 0))
      (block $done (loop $k16
        (br_if $done (i32.gt_u (i32.add (local.get $k) (i32.const 16)) (local.get $K)))
        (local.set $h (v128.load offset=0 (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 1)))))
;;#if relaxed
        (local.set $a0 (f32x4.relaxed_madd (v128.load offset=0 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h)) (local.get $a0)))
        (local.set $a1 (f32x4.relaxed_madd (v128.load offset=16 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h)) (local.get $a1)))
;;#else
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load offset=0 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h)))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load offset=16 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h)))))
;;#end
        (local.set $h (v128.load offset=16 (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 1)))))
;;#if relaxed
        (local.set $a2 (f32x4.relaxed_madd (v128.load offset=32 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h)) (local.get $a2)))
        (local.set $a3 (f32x4.relaxed_madd (v128.load offset=48 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h)) (local.get $a3)))
;;#else
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load offset=32 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h)))))
        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.load offset=48 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h)))))
;;#end
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $k16)))
      (if (i32.le_u (i32.add (local.get $k) (i32.const 8)) (local.get $K)) (then
        (local.set $h (v128.load offset=0 (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 1)))))
;;#if relaxed
        (local.set $a0 (f32x4.relaxed_madd (v128.load offset=0 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h)) (local.get $a0)))
        (local.set $a1 (f32x4.relaxed_madd (v128.load offset=16 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h)) (local.get $a1)))
;;#else
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load offset=0 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h)))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load offset=16 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h)))))
;;#end
        (local.set $k (i32.add (local.get $k) (i32.const 8)))))
      (local.set $s (call $hsum (f32x4.add (f32x4.add (local.get $a0) (local.get $a2)) (f32x4.add (local.get $a1) (local.get $a3)))))
      (block $done (loop $k1
        (br_if $done (i32.ge_u (local.get $k) (local.get $K)))
        (local.set $s (f32.add (local.get $s)
          (f32.mul (f32.load (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (f32.reinterpret_i32 (i32.shl (i32.load16_u (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 1)))) (i32.const 16))))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $k1)))
      (f32.store (local.get $o) (local.get $s))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (local.set $w (i32.add (local.get $w) (i32.shl (local.get $K) (i32.const 1))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rowLoop))))

  (func $rowsF16 (param $x i32) (param $w i32) (param $K i32) (param $n i32) (param $o i32)
    (local $k i32) (local $h v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $s f32) (local $i i32)
    (block $rowsDone (loop $rowLoop
      (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $k (i32.const 0))
      (local.set $a0 (v128.const i32x4 0 0 0 0)) (local.set $a1 (v128.const i32x4 0 0 0 0)) (local.set $a2 (v128.const i32x4 0 0 0 0)) (local.set $a3 (v128.const i32x4 0 0 0 0))
      (block $done (loop $k16
        (br_if $done (i32.gt_u (i32.add (local.get $k) (i32.const 16)) (local.get $K)))
        (local.set $h (v128.load offset=0 (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 1)))))
;;#if relaxed
        (local.set $a0 (f32x4.relaxed_madd (v128.load offset=0 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)) (local.get $a0)))
        (local.set $a1 (f32x4.relaxed_madd (v128.load offset=16 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)) (local.get $a1)))
;;#else
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load offset=0 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load offset=16 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)))))
;;#end
        (local.set $h (v128.load offset=16 (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 1)))))
;;#if relaxed
        (local.set $a2 (f32x4.relaxed_madd (v128.load offset=32 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)) (local.get $a2)))
        (local.set $a3 (f32x4.relaxed_madd (v128.load offset=48 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)) (local.get $a3)))
;;#else
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load offset=32 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)))))
        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.load offset=48 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)))))
;;#end
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $k16)))
      (if (i32.le_u (i32.add (local.get $k) (i32.const 8)) (local.get $K)) (then
        (local.set $h (v128.load offset=0 (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 1)))))
;;#if relaxed
        (local.set $a0 (f32x4.relaxed_madd (v128.load offset=0 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)) (local.get $a0)))
        (local.set $a1 (f32x4.relaxed_madd (v128.load offset=16 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)) (local.get $a1)))
;;#else
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load offset=0 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load offset=16 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)))))
;;#end
        (local.set $k (i32.add (local.get $k) (i32.const 8)))))
      (local.set $s (call $hsum (f32x4.add (f32x4.add (local.get $a0) (local.get $a2)) (f32x4.add (local.get $a1) (local.get $a3)))))
      (block $done (loop $k1
        (br_if $done (i32.ge_u (local.get $k) (local.get $K)))
        (local.set $s (f32.add (local.get $s)
          (f32.mul (f32.load (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (call $f16 (i32.load16_u (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 1))))))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $k1)))
      (f32.store (local.get $o) (local.get $s))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (local.set $w (i32.add (local.get $w) (i32.shl (local.get $K) (i32.const 1))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rowLoop))))

  ;; ---------------------------------------------------------------------------------------------
  ;; The exports: every W row r (bytes rowB apart) against every activation row m (xB apart).
  ;; ---------------------------------------------------------------------------------------------
  (func (export "dotBf16") (param $x i32) (param $M i32) (param $K i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32)
    (local $r i32) (local $m i32)
    ;; one x row (decode): every W row in one call
    (if (i32.eq (local.get $M) (i32.const 1)) (then
      (call $rowsBf16 (local.get $x) (local.get $w) (local.get $K) (local.get $rows) (local.get $out))
      (return)))
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $m (i32.const 0))
      (block $mDone (loop $mLoop
        (br_if $mDone (i32.ge_u (local.get $m) (local.get $M)))
        (call $rowsBf16 (i32.add (local.get $x) (i32.shl (i32.mul (local.get $m) (local.get $K)) (i32.const 2)))
          (i32.add (local.get $w) (i32.shl (i32.mul (local.get $r) (local.get $K)) (i32.const 1))) (local.get $K) (i32.const 1)
          (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $m) (local.get $ldo)) (local.get $r)) (i32.const 2))))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $mLoop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  (func (export "dotF16") (param $x i32) (param $M i32) (param $K i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32)
    (local $r i32) (local $m i32)
    ;; one x row (decode): every W row in one call
    (if (i32.eq (local.get $M) (i32.const 1)) (then
      (call $rowsF16 (local.get $x) (local.get $w) (local.get $K) (local.get $rows) (local.get $out))
      (return)))
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $m (i32.const 0))
      (block $mDone (loop $mLoop
        (br_if $mDone (i32.ge_u (local.get $m) (local.get $M)))
        (call $rowsF16 (i32.add (local.get $x) (i32.shl (i32.mul (local.get $m) (local.get $K)) (i32.const 2)))
          (i32.add (local.get $w) (i32.shl (i32.mul (local.get $r) (local.get $K)) (i32.const 1))) (local.get $K) (i32.const 1)
          (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $m) (local.get $ldo)) (local.get $r)) (i32.const 2))))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $mLoop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))
