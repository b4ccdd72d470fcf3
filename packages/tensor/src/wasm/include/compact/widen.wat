;; compact/widen.wat (compact.wat): widenBf16 / widenF16, n 16-bit values → n f32 (embedding
;; rows; gemm.wat's gemmW16 widens the same way while packing, include/gemm/pack16.wat). Uses $f16 (compact/f16.wat) for tails and inf/NaN groups.

  ;; ---------------------------------------------------------------------------------------------
  ;; widenBf16 / widenF16: n 16-bit values at w → n f32 at out (both any alignment): embedding
  ;; rows. Eight at a time: the halves unpacked above 16 zero
  ;; bits; for f16 that is (s|e5|m10) << 16, shifted right 3 as signed (sign repeated in bits
  ;; 28–30, cleared by the mask) and rescaled by 2^112: exact for finite halves. The tail, and any
  ;; group of 8 holding an inf/NaN half, through $f16 (the vector path would turn inf into 2^16·1.x).
  ;; ---------------------------------------------------------------------------------------------
  (func (export "widenBf16") (param $w i32) (param $n i32) (param $out i32)
    (local $k i32) (local $end8 i32) (local $h v128)
    (local.set $end8 (i32.and (local.get $n) (i32.const -8)))
    (block $done (loop $k8
      (br_if $done (i32.ge_u (local.get $k) (local.get $end8)))
      (local.set $h (v128.load (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 1)))))
      (v128.store (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 2)))
        (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h)))
      (v128.store offset=16 (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 2)))
        (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h)))
      (local.set $k (i32.add (local.get $k) (i32.const 8)))
      (br $k8)))
    (block $done (loop $k1
      (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
      (i32.store (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 2)))
        (i32.shl (i32.load16_u (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 1)))) (i32.const 16)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $k1))))

  (func (export "widenF16") (param $w i32) (param $n i32) (param $out i32)
    (local $k i32) (local $j i32) (local $end8 i32) (local $h v128)
    (local.set $end8 (i32.and (local.get $n) (i32.const -8)))
    (block $done (loop $k8
      (br_if $done (i32.ge_u (local.get $k) (local.get $end8)))
      (local.set $h (v128.load (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 1)))))
      ;; any exponent of 31 (inf/NaN) among these 8: them through $f16
      (if (v128.any_true (i16x8.eq (v128.and (local.get $h) (v128.const i16x8 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00))
                                   (v128.const i16x8 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00)))
        (then
          (local.set $j (i32.const 0))
          (block $e (loop $one
            (br_if $e (i32.ge_u (local.get $j) (i32.const 8)))
            (f32.store (i32.add (local.get $out) (i32.shl (i32.add (local.get $k) (local.get $j)) (i32.const 2)))
              (call $f16 (i32.load16_u (i32.add (local.get $w) (i32.shl (i32.add (local.get $k) (local.get $j)) (i32.const 1))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $one))))
        (else
          (v128.store (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 2)))
            (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h)) (i32.const 3))
                                 (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff))
                       (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)))
          (v128.store offset=16 (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 2)))
            (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h)) (i32.const 3))
                                 (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff))
                       (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)))))
      (local.set $k (i32.add (local.get $k) (i32.const 8)))
      (br $k8)))
    (block $done (loop $k1
      (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
      (f32.store (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 2)))
        (call $f16 (i32.load16_u (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 1))))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $k1))))
