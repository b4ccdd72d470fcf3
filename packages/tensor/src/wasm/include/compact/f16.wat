;; compact/f16.wat (compact.wat): $f16, one IEEE half (the low 16 bits of an i32) → f32, for the
;; scalar tails and the inf/NaN groups of the bf16 / f16 kernels and for the Q8_0 / Q4_0 block scales.
;; (kquant.wat has its own, finite-only $f16: its scales are never inf/NaN.)

  ;; f16 bits → f32: the magnitude's bits moved to an f32's place and rescaled by 2^112 (exact for
  ;; normal and subnormal halves), inf/NaN kept, sign copied.
  (func $f16 (param $h i32) (result f32)
    (local $m i32) (local $f f32)
    (local.set $m (i32.and (local.get $h) (i32.const 0x7fff)))
    (local.set $f (f32.mul (f32.reinterpret_i32 (i32.shl (local.get $m) (i32.const 13))) (f32.const 0x1p112)))
    (if (i32.ge_u (local.get $m) (i32.const 0x7c00)) (then
      (local.set $f (f32.reinterpret_i32 (i32.or (i32.shl (local.get $m) (i32.const 13)) (i32.const 0x7f800000))))))
    (f32.copysign (local.get $f) (f32.reinterpret_i32 (i32.shl (local.get $h) (i32.const 16)))))

