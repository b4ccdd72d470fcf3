;; kquant/q6_k.wat (kquant.wat): $rowQ6_K, one W row of Q6_K super-blocks (210 bytes each, nsb of
;; them) against one row of the activation blocks of quantizeActsK (276 bytes: q i8[256] @0, d f32 @256, Σq of each 32 i16[8] @260)
;; → that row's dot product as f32. Its super-block float step: kquant/step-q6_k.wat.

  ;; ---------------------------------------------------------------------------------------------
  ;; dot(activation blocks xq, Q6_K super-blocks w), nsb super-blocks (one activation block each).
  ;; Q6_K (210 bytes): ql @0 (128), qh @128 (64), int8 scales @192 (16), d f16 @208.
  ;; Half h (128 weights) reads ql[64h …], qh[32h …], scales[8h …]; its 32-weight group t (t < 4)
  ;; holds, for l < 32, q = 4-bit part | 2-bit part << 4 (q6_k.ts), w = d·scale·(q − 32), with
  ;; scale[8h + 2t] for l < 16 and scale[8h + 2t + 1] for l ≥ 16, against the activations
  ;; q[128h + 32t + l]. Per super-block: d·d_x·Σ scale·Σ (q − 32)·q_x, the sum exact in i32.
  ;; Unrolled (2 halves × 2 sixteens × 4 groups), each group taking its scale by a constant shuffle.
  ;; ---------------------------------------------------------------------------------------------
  (func $rowQ6_K (param $xq i32) (param $w i32) (param $nsb i32) (result f32)
    (local $b i32) (local $d i32)
    (local $a v128) (local $bv v128) (local $hb v128) (local $q v128) (local $x v128) (local $sc8 v128) (local $scs v128)
    (local $isum v128) (local $acc f32)
    (block $done (loop $block
      (br_if $done (i32.ge_u (local.get $b) (local.get $nsb)))
      (local.set $sc8 (v128.load offset=192 (local.get $w)))
      (local.set $isum (v128.const i32x4 0 0 0 0))
      ;; half 0: scales 0 … 7
      (local.set $scs (i16x8.extend_low_i8x16_s (local.get $sc8)))
      (local.set $a (v128.load (local.get $w)))
      (local.set $bv (v128.load offset=32 (local.get $w)))
      (local.set $hb (v128.load offset=128 (local.get $w)))
      (local.set $q (i8x16.sub (v128.or (v128.and (local.get $a) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (i8x16.shl (local.get $hb) (i32.const 4)) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)))
      (local.set $x (v128.load (local.get $xq)))
      (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
        (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $q) (local.get $x)) (i16x8.extmul_high_i8x16_s (local.get $q) (local.get $x)))
        (i8x16.shuffle 0 1 0 1 0 1 0 1 0 1 0 1 0 1 0 1 (local.get $scs) (local.get $scs)))))
      (local.set $q (i8x16.sub (v128.or (v128.and (local.get $bv) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (i8x16.shl (local.get $hb) (i32.const 2)) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)))
      (local.set $x (v128.load offset=32 (local.get $xq)))
      (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
        (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $q) (local.get $x)) (i16x8.extmul_high_i8x16_s (local.get $q) (local.get $x)))
        (i8x16.shuffle 4 5 4 5 4 5 4 5 4 5 4 5 4 5 4 5 (local.get $scs) (local.get $scs)))))
      (local.set $q (i8x16.sub (v128.or (i8x16.shr_u (local.get $a) (i32.const 4)) (v128.and (local.get $hb) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)))
      (local.set $x (v128.load offset=64 (local.get $xq)))
      (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
        (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $q) (local.get $x)) (i16x8.extmul_high_i8x16_s (local.get $q) (local.get $x)))
        (i8x16.shuffle 8 9 8 9 8 9 8 9 8 9 8 9 8 9 8 9 (local.get $scs) (local.get $scs)))))
      (local.set $q (i8x16.sub (v128.or (i8x16.shr_u (local.get $bv) (i32.const 4)) (v128.and (i8x16.shr_u (local.get $hb) (i32.const 2)) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)))
      (local.set $x (v128.load offset=96 (local.get $xq)))
      (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
        (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $q) (local.get $x)) (i16x8.extmul_high_i8x16_s (local.get $q) (local.get $x)))
        (i8x16.shuffle 12 13 12 13 12 13 12 13 12 13 12 13 12 13 12 13 (local.get $scs) (local.get $scs)))))
      (local.set $a (v128.load offset=16 (local.get $w)))
      (local.set $bv (v128.load offset=48 (local.get $w)))
      (local.set $hb (v128.load offset=144 (local.get $w)))
      (local.set $q (i8x16.sub (v128.or (v128.and (local.get $a) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (i8x16.shl (local.get $hb) (i32.const 4)) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)))
      (local.set $x (v128.load offset=16 (local.get $xq)))
      (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
        (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $q) (local.get $x)) (i16x8.extmul_high_i8x16_s (local.get $q) (local.get $x)))
        (i8x16.shuffle 2 3 2 3 2 3 2 3 2 3 2 3 2 3 2 3 (local.get $scs) (local.get $scs)))))
      (local.set $q (i8x16.sub (v128.or (v128.and (local.get $bv) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (i8x16.shl (local.get $hb) (i32.const 2)) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)))
      (local.set $x (v128.load offset=48 (local.get $xq)))
      (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
        (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $q) (local.get $x)) (i16x8.extmul_high_i8x16_s (local.get $q) (local.get $x)))
        (i8x16.shuffle 6 7 6 7 6 7 6 7 6 7 6 7 6 7 6 7 (local.get $scs) (local.get $scs)))))
      (local.set $q (i8x16.sub (v128.or (i8x16.shr_u (local.get $a) (i32.const 4)) (v128.and (local.get $hb) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)))
      (local.set $x (v128.load offset=80 (local.get $xq)))
      (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
        (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $q) (local.get $x)) (i16x8.extmul_high_i8x16_s (local.get $q) (local.get $x)))
        (i8x16.shuffle 10 11 10 11 10 11 10 11 10 11 10 11 10 11 10 11 (local.get $scs) (local.get $scs)))))
      (local.set $q (i8x16.sub (v128.or (i8x16.shr_u (local.get $bv) (i32.const 4)) (v128.and (i8x16.shr_u (local.get $hb) (i32.const 2)) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)))
      (local.set $x (v128.load offset=112 (local.get $xq)))
      (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
        (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $q) (local.get $x)) (i16x8.extmul_high_i8x16_s (local.get $q) (local.get $x)))
        (i8x16.shuffle 14 15 14 15 14 15 14 15 14 15 14 15 14 15 14 15 (local.get $scs) (local.get $scs)))))
      ;; half 1: scales 8 … 15
      (local.set $scs (i16x8.extend_high_i8x16_s (local.get $sc8)))
      (local.set $a (v128.load offset=64 (local.get $w)))
      (local.set $bv (v128.load offset=96 (local.get $w)))
      (local.set $hb (v128.load offset=160 (local.get $w)))
      (local.set $q (i8x16.sub (v128.or (v128.and (local.get $a) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (i8x16.shl (local.get $hb) (i32.const 4)) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)))
      (local.set $x (v128.load offset=128 (local.get $xq)))
      (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
        (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $q) (local.get $x)) (i16x8.extmul_high_i8x16_s (local.get $q) (local.get $x)))
        (i8x16.shuffle 0 1 0 1 0 1 0 1 0 1 0 1 0 1 0 1 (local.get $scs) (local.get $scs)))))
      (local.set $q (i8x16.sub (v128.or (v128.and (local.get $bv) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (i8x16.shl (local.get $hb) (i32.const 2)) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)))
      (local.set $x (v128.load offset=160 (local.get $xq)))
      (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
        (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $q) (local.get $x)) (i16x8.extmul_high_i8x16_s (local.get $q) (local.get $x)))
        (i8x16.shuffle 4 5 4 5 4 5 4 5 4 5 4 5 4 5 4 5 (local.get $scs) (local.get $scs)))))
      (local.set $q (i8x16.sub (v128.or (i8x16.shr_u (local.get $a) (i32.const 4)) (v128.and (local.get $hb) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)))
      (local.set $x (v128.load offset=192 (local.get $xq)))
      (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
        (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $q) (local.get $x)) (i16x8.extmul_high_i8x16_s (local.get $q) (local.get $x)))
        (i8x16.shuffle 8 9 8 9 8 9 8 9 8 9 8 9 8 9 8 9 (local.get $scs) (local.get $scs)))))
      (local.set $q (i8x16.sub (v128.or (i8x16.shr_u (local.get $bv) (i32.const 4)) (v128.and (i8x16.shr_u (local.get $hb) (i32.const 2)) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)))
      (local.set $x (v128.load offset=224 (local.get $xq)))
      (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
        (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $q) (local.get $x)) (i16x8.extmul_high_i8x16_s (local.get $q) (local.get $x)))
        (i8x16.shuffle 12 13 12 13 12 13 12 13 12 13 12 13 12 13 12 13 (local.get $scs) (local.get $scs)))))
      (local.set $a (v128.load offset=80 (local.get $w)))
      (local.set $bv (v128.load offset=112 (local.get $w)))
      (local.set $hb (v128.load offset=176 (local.get $w)))
      (local.set $q (i8x16.sub (v128.or (v128.and (local.get $a) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (i8x16.shl (local.get $hb) (i32.const 4)) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)))
      (local.set $x (v128.load offset=144 (local.get $xq)))
      (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
        (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $q) (local.get $x)) (i16x8.extmul_high_i8x16_s (local.get $q) (local.get $x)))
        (i8x16.shuffle 2 3 2 3 2 3 2 3 2 3 2 3 2 3 2 3 (local.get $scs) (local.get $scs)))))
      (local.set $q (i8x16.sub (v128.or (v128.and (local.get $bv) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (i8x16.shl (local.get $hb) (i32.const 2)) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)))
      (local.set $x (v128.load offset=176 (local.get $xq)))
      (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
        (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $q) (local.get $x)) (i16x8.extmul_high_i8x16_s (local.get $q) (local.get $x)))
        (i8x16.shuffle 6 7 6 7 6 7 6 7 6 7 6 7 6 7 6 7 (local.get $scs) (local.get $scs)))))
      (local.set $q (i8x16.sub (v128.or (i8x16.shr_u (local.get $a) (i32.const 4)) (v128.and (local.get $hb) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)))
      (local.set $x (v128.load offset=208 (local.get $xq)))
      (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
        (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $q) (local.get $x)) (i16x8.extmul_high_i8x16_s (local.get $q) (local.get $x)))
        (i8x16.shuffle 10 11 10 11 10 11 10 11 10 11 10 11 10 11 10 11 (local.get $scs) (local.get $scs)))))
      (local.set $q (i8x16.sub (v128.or (i8x16.shr_u (local.get $bv) (i32.const 4)) (v128.and (i8x16.shr_u (local.get $hb) (i32.const 2)) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)))
      (local.set $x (v128.load offset=240 (local.get $xq)))
      (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
        (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $q) (local.get $x)) (i16x8.extmul_high_i8x16_s (local.get $q) (local.get $x)))
        (i8x16.shuffle 14 15 14 15 14 15 14 15 14 15 14 15 14 15 14 15 (local.get $scs) (local.get $scs)))))
      ;; the super-block in float (kquant/step-q6_k.wat; gemmQ6_K's order too)
      ;;#include kquant/step-q6_k.wat
      (local.set $w (i32.add (local.get $w) (i32.const 210)))
      (local.set $xq (i32.add (local.get $xq) (i32.const 276)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $block)))
    (local.get $acc))
