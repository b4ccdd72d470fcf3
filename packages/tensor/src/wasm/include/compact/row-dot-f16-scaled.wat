;; compact/row-dot-f16-scaled.wat (compact.wat): the F16 row-dots with the 2^112 of the widening moved
;; onto x, for decode. row-dot-16bit.wat's $rowsF16 widens a half h to f32 as
;;     bits((h << 16) >>s 3) & 0x8fffffff  =  w·2^−112   (exact: normal halves keep their exponent
;;                                                        field, subnormals become f32 subnormals)
;; and multiplies by 2^112 before the product. Here x' = x·2^112 is made once per call
;; (scaleActs112) and the weights stay at w·2^−112: fl(x'·w') = fl(x·w), the same real product, so
;; every product, sum and output has $rowsF16's bits. x' is exact while |x| < 2^16 (or x is ±inf /
;; NaN); scaleActs112 says when some finite |x| ≥ 2^16 would overflow, and the caller then takes
;; $rowsF16 (src/compact/matmul.ts). The widening itself works on 8 halves at once in i16 lanes —
;; hi = (h >>s 3) & 0x8fff, lo = h << 13, then the two interleaved (one punpcklwd / punpckhwd each)
;; are the f32 bits above — 5 operations per 8 weights instead of 8 (and no multiply).
;; Uses $hsum (hsum.wat).

  ;; x' [n] = x [n]·2^112; 1 when exact (no finite |x| ≥ 2^16), else 0 (then x' is not to be used)
  (func (export "scaleActs112") (param $x i32) (param $n i32) (param $out i32) (result i32)
    (local $i i32) (local $end4 i32) (local $v v128) (local $a v128) (local $bad v128) (local $s f32)
    (local.set $end4 (i32.and (local.get $n) (i32.const -4)))
    (block $done (loop $four
      (br_if $done (i32.ge_u (local.get $i) (local.get $end4)))
      (local.set $v (v128.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))))
      (v128.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))) (f32x4.mul (local.get $v) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)))
      (local.set $a (f32x4.abs (local.get $v)))
      (local.set $bad (v128.or (local.get $bad) (v128.and (f32x4.ge (local.get $a) (v128.const f32x4 65536 65536 65536 65536))
                                                         (f32x4.lt (local.get $a) (v128.const f32x4 inf inf inf inf)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $four)))
    (block $done (loop $one
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $s (f32.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))))
      (f32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))) (f32.mul (local.get $s) (f32.const 0x1p112)))
      (if (i32.and (f32.ge (f32.abs (local.get $s)) (f32.const 65536)) (f32.lt (f32.abs (local.get $s)) (f32.const inf)))
        (then (local.set $bad (v128.const i32x4 -1 -1 -1 -1))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $one)))
    (i32.eqz (v128.any_true (local.get $bad))))

  ;; rows(x' [K], w [n, K] f16, out [n] at o): $rowsF16's loops and accumulators, on x'
  (func $rowsF16Scaled (param $x i32) (param $w i32) (param $K i32) (param $n i32) (param $o i32)
    (local $k i32) (local $h v128) (local $hi v128) (local $lo v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $s f32) (local $i i32) (local $b i32)
    (block $rowsDone (loop $rowLoop
      (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $k (i32.const 0))
      (local.set $a0 (v128.const i32x4 0 0 0 0)) (local.set $a1 (v128.const i32x4 0 0 0 0)) (local.set $a2 (v128.const i32x4 0 0 0 0)) (local.set $a3 (v128.const i32x4 0 0 0 0))
      (block $done (loop $k16
        (br_if $done (i32.gt_u (i32.add (local.get $k) (i32.const 16)) (local.get $K)))
        (local.set $h (v128.load offset=0 (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 1)))))
        (local.set $hi (v128.and (i16x8.shr_s (local.get $h) (i32.const 3)) (v128.const i16x8 0x8fff 0x8fff 0x8fff 0x8fff 0x8fff 0x8fff 0x8fff 0x8fff)))
        (local.set $lo (i16x8.shl (local.get $h) (i32.const 13)))
;;#if relaxed
        (local.set $a0 (f32x4.relaxed_madd (v128.load offset=0 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $lo) (local.get $hi)) (local.get $a0)))
        (local.set $a1 (f32x4.relaxed_madd (v128.load offset=16 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $lo) (local.get $hi)) (local.get $a1)))
;;#else
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load offset=0 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $lo) (local.get $hi)))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load offset=16 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $lo) (local.get $hi)))))
;;#end
        (local.set $h (v128.load offset=16 (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 1)))))
        (local.set $hi (v128.and (i16x8.shr_s (local.get $h) (i32.const 3)) (v128.const i16x8 0x8fff 0x8fff 0x8fff 0x8fff 0x8fff 0x8fff 0x8fff 0x8fff)))
        (local.set $lo (i16x8.shl (local.get $h) (i32.const 13)))
;;#if relaxed
        (local.set $a2 (f32x4.relaxed_madd (v128.load offset=32 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $lo) (local.get $hi)) (local.get $a2)))
        (local.set $a3 (f32x4.relaxed_madd (v128.load offset=48 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $lo) (local.get $hi)) (local.get $a3)))
;;#else
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load offset=32 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $lo) (local.get $hi)))))
        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.load offset=48 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $lo) (local.get $hi)))))
;;#end
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $k16)))
      (if (i32.le_u (i32.add (local.get $k) (i32.const 8)) (local.get $K)) (then
        (local.set $h (v128.load offset=0 (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 1)))))
        (local.set $hi (v128.and (i16x8.shr_s (local.get $h) (i32.const 3)) (v128.const i16x8 0x8fff 0x8fff 0x8fff 0x8fff 0x8fff 0x8fff 0x8fff 0x8fff)))
        (local.set $lo (i16x8.shl (local.get $h) (i32.const 13)))
;;#if relaxed
        (local.set $a0 (f32x4.relaxed_madd (v128.load offset=0 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $lo) (local.get $hi)) (local.get $a0)))
        (local.set $a1 (f32x4.relaxed_madd (v128.load offset=16 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $lo) (local.get $hi)) (local.get $a1)))
;;#else
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load offset=0 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $lo) (local.get $hi)))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load offset=16 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $lo) (local.get $hi)))))
;;#end
        (local.set $k (i32.add (local.get $k) (i32.const 8)))))
      (local.set $s (call $hsum (f32x4.add (f32x4.add (local.get $a0) (local.get $a2)) (f32x4.add (local.get $a1) (local.get $a3)))))
      ;; the tail, one weight at a time: w' = the same bits as a vector lane's
      (block $done (loop $k1
        (br_if $done (i32.ge_u (local.get $k) (local.get $K)))
        (local.set $b (i32.shl (i32.load16_u (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 1)))) (i32.const 16)))
        (local.set $s (f32.add (local.get $s)
          (f32.mul (f32.load (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2))))
            (f32.reinterpret_i32 (i32.and (i32.shr_s (local.get $b) (i32.const 3)) (i32.const 0x8fffffff))))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $k1)))
      (f32.store (local.get $o) (local.get $s))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (local.set $w (i32.add (local.get $w) (i32.shl (local.get $K) (i32.const 1))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rowLoop))))

  ;; dotF16's contract on x' (scaleActs112's output), walked as dotF16 walks: one x row, every W row
  ;; in one call; more, each W row against every x row while it sits in L1
  (func (export "dotF16Scaled") (param $x i32) (param $M i32) (param $K i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32)
    (local $r i32) (local $m i32)
    (if (i32.eq (local.get $M) (i32.const 1)) (then
      (call $rowsF16Scaled (local.get $x) (local.get $w) (local.get $K) (local.get $rows) (local.get $out))
      (return)))
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $m (i32.const 0))
      (block $mDone (loop $mLoop
        (br_if $mDone (i32.ge_u (local.get $m) (local.get $M)))
        (call $rowsF16Scaled (i32.add (local.get $x) (i32.shl (i32.mul (local.get $m) (local.get $K)) (i32.const 2)))
          (i32.add (local.get $w) (i32.shl (i32.mul (local.get $r) (local.get $K)) (i32.const 1))) (local.get $K) (i32.const 1)
          (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $m) (local.get $ldo)) (local.get $r)) (i32.const 2))))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $mLoop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))
