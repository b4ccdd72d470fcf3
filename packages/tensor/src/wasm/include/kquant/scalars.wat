;; kquant/scalars.wat (kquant.wat, relaxeddot.wat): the steps of every K-quant row-dot's per-super-block
;; float part: a finite f16 scale → f32, an exact i32x4 total → f32, and Q4_K / Q5_K's two terms.

  ;; f16 bits → f32 for finite halves (the block scales): magnitude moved to an f32's place and
  ;; rescaled by 2^112 (exact for normal and subnormal halves), sign copied.
  (func $f16 (param $h i32) (result f32)
    (f32.copysign
      (f32.mul (f32.reinterpret_i32 (i32.shl (i32.and (local.get $h) (i32.const 0x7fff)) (i32.const 13))) (f32.const 0x1p112))
      (f32.reinterpret_i32 (i32.shl (local.get $h) (i32.const 16)))))

  ;; f32(Σ of the 4 i32 lanes), the sum exact (the K-quant sums stay far below 2^31), summed and
  ;; converted in vector registers (a scalar f32.convert_i32_s from a lane costs a move out of them)
  (func $isum4f (param $v v128) (result f32)
    (local.set $v (i32x4.add (local.get $v) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
    (f32x4.extract_lane 0 (f32x4.convert_i32x4_s (i32x4.add (local.get $v) (i8x16.shuffle 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 (local.get $v) (local.get $v))))))

  ;; Q4_K / Q5_K's two terms of a super-block (w: its bytes, d f16 @0, dmin f16 @2; xq: its
  ;; activation block, d_x f32 @256), from the integer totals' lanes isum (Σ sc·Σq_w·q_x) and mins
  ;; (Σ m·Σq_x): [f32(Σ)·(d·d_x), ·, f32(Σmins)·(dmin·d_x), ·], so that a row-dot steps
  ;;     acc ← (acc + lane 0) − lane 2                  ($isum4f and $f16's results, bit for bit)
  ;; Both totals are summed across lanes at once (exact integers) and d, dmin widened at once (each
  ;; half above 16 zero bits, then $f16's shift, mask and 2^112).
  (func $termsQ4_K (param $isum v128) (param $mins v128) (param $w i32) (param $xq i32) (result v128)
    (local $t v128)
    (local.set $t (i32x4.add (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $isum) (local.get $mins))
                             (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $isum) (local.get $mins))))
    (local.set $t (i32x4.add (local.get $t) (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $t) (local.get $t))))
    (f32x4.mul (f32x4.convert_i32x4_s (local.get $t))
      (f32x4.mul
        (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 0 1 16 17 0 1 16 17 0 1 18 19 0 1 18 19 (v128.const i32x4 0 0 0 0) (v128.load32_splat (local.get $w))) (i32.const 3))
                             (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112))
        (f32x4.splat (f32.load offset=256 (local.get $xq))))))
