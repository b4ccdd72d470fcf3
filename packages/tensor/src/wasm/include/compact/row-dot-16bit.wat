;; compact/row-dot-16bit.wat (compact.wat): the BF16 and F16 products, x f32 [M, K] against
;; W [rows, K] of 16-bit weights (row r at w + 2·r·K bytes): out[m·ldo + r] = Σ_k x[m, k]·W[r, k].
;; $rowBf16 / $rowF16 are one row's dot; dotBf16 / dotF16 run every W row against every x row.
;; The relaxed variant multiplies-adds with f32x4.relaxed_madd (;;#if relaxed passages).
;; Uses $f16 (compact/f16.wat) and $hsum (hsum.wat).

  ;; ---------------------------------------------------------------------------------------------
  ;; dot(x [K] f32, w [K] bf16 / f16): 16 weights an iteration into four f32x4 accumulators (four
  ;; independent add chains), then 8, then one at a time. Widening: each 16-bit half unpacked above
  ;; 16 zero bits (one punpcklwd / punpckhwd: V8 matches this operand order of the shuffle), which
  ;; is the bf16 value; for f16 then shifted right 3 as signed, the sign's copies in bits 28–30
  ;; masked off and multiplied by 2^112 (exact for finite halves; the f16 encoder refuses inf/NaN).
  ;; Written inline: V8 does not inline small WASM functions (a call per 4 weights was ~7× slower).
  ;; ---------------------------------------------------------------------------------------------
  (func $rowBf16 (param $x i32) (param $w i32) (param $K i32) (result f32)
    (local $k i32) (local $h v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $s f32)
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
    (local.get $s))

  (func $rowF16 (param $x i32) (param $w i32) (param $K i32) (result f32)
    (local $k i32) (local $h v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $s f32)
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
    (local.get $s))

  ;; ---------------------------------------------------------------------------------------------
  ;; The exports: every W row r (bytes rowB apart) against every activation row m (xB apart).
  ;; ---------------------------------------------------------------------------------------------
  (func (export "dotBf16") (param $x i32) (param $M i32) (param $K i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32)
    (local $r i32) (local $m i32)
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $m (i32.const 0))
      (block $mDone (loop $mLoop
        (br_if $mDone (i32.ge_u (local.get $m) (local.get $M)))
        (f32.store (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $m) (local.get $ldo)) (local.get $r)) (i32.const 2)))
          (call $rowBf16 (i32.add (local.get $x) (i32.shl (i32.mul (local.get $m) (local.get $K)) (i32.const 2)))
            (i32.add (local.get $w) (i32.shl (i32.mul (local.get $r) (local.get $K)) (i32.const 1))) (local.get $K)))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $mLoop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  (func (export "dotF16") (param $x i32) (param $M i32) (param $K i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32)
    (local $r i32) (local $m i32)
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $m (i32.const 0))
      (block $mDone (loop $mLoop
        (br_if $mDone (i32.ge_u (local.get $m) (local.get $M)))
        (f32.store (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $m) (local.get $ldo)) (local.get $r)) (i32.const 2)))
          (call $rowF16 (i32.add (local.get $x) (i32.shl (i32.mul (local.get $m) (local.get $K)) (i32.const 2)))
            (i32.add (local.get $w) (i32.shl (i32.mul (local.get $r) (local.get $K)) (i32.const 1))) (local.get $K)))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $mLoop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))
