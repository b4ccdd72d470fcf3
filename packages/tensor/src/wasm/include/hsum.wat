;; hsum.wat: Σ of the 4 f32 lanes of a v128, as (v0 + v2) + (v1 + v3) (one shuffle, one add, one
;; scalar add). Included (;;#include hsum.wat) by compact.wat and attention.wat, which
;; all sum their lane-wise partial dot products this way; the order is part of their results.
;; $hsum (v: v128) → f32.

  ;; Σ of the 4 lanes: (v0 + v2) + (v1 + v3)
  (func $hsum (param $v v128) (result f32)
    (local.set $v (f32x4.add (local.get $v) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
    (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v))))
