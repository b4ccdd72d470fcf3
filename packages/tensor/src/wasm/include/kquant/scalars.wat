;; kquant/scalars.wat (kquant.wat, relaxeddot.wat): the two scalar steps of every K-quant row-dot's
;; per-super-block float part: a finite f16 scale → f32, and an exact i32x4 total → f32.

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
