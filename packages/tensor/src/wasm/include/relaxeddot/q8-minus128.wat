;; relaxeddot/q8-minus128.wat (relaxeddot.wat, relaxed build only): the export q8HasMinus128, a
;; scan of n Q8_0 blocks (34 bytes: d f16 @0, q i8[32] @2) for the one weight the relaxed product
;; cannot take.

  ;; ---------------------------------------------------------------------------------------------
  ;; q8HasMinus128: 1 when some weight of the n Q8_0 blocks at w is −128 (0x80; such a matrix keeps
  ;; compact.wat's product: see the header), else 0. Streams the bytes once (a model load's cost).
  ;; ---------------------------------------------------------------------------------------------
  (func (export "q8HasMinus128") (param $w i32) (param $n i32) (result i32)
    (local $end i32) (local $hit v128)
    (local.set $end (i32.add (local.get $w) (i32.mul (local.get $n) (i32.const 34))))
    (block $done (loop $b
      (br_if $done (i32.ge_u (local.get $w) (local.get $end)))
      (local.set $hit (v128.or (local.get $hit) (v128.or
        (i8x16.eq (v128.load offset=2 (local.get $w)) (v128.const i8x16 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128))
        (i8x16.eq (v128.load offset=18 (local.get $w)) (v128.const i8x16 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128 -128)))))
      (local.set $w (i32.add (local.get $w) (i32.const 34)))
      (br $b)))
    (v128.any_true (local.get $hit)))

