;; relaxeddot/q6_k-row.wat (relaxeddot.wat, relaxed build only): $rowQ6_K8, kquant/q6_k.wat's $rowQ6_K
;; on the int8 dot product (the same bits), and the export sumsK16 it needs.
;;
;; Q6_K (210 bytes): ql @0 (128), qh @128 (64), int8 scales @192 (16), d f16 @208; the weight is
;; d·scale[s]·(q − 32), q = 4-bit part | 2-bit part << 4 in [0, 63], and scale s covers the
;; activations q_x[16s …+16] (q6_k.wat's header has the bit layout). q − 32 is signed, so the
;; int8 dot takes q itself (b in [0, 63]: pair sums ≤ 2·128·63 inside i16, exact) and the −32 is
;; one correction per super-block from the activations' sums of each 16 (S[s], sumsK16):
;;     Σ_s scale[s]·Σ (q − 32)·q_x  =  Σ_s scale[s]·Σ q·q_x  −  32·Σ_s scale[s]·S[s]
;; both exact in i32, so the super-block's integer total is q6_k.wat's and its float step too.

  ;; sumsK16: n activation blocks of quantizeActsK at xq (276 bytes apart) → S i16[16] each at out
  ;; (32 bytes apart), S[s] = Σ q[16s …+16] (|S| ≤ 16·127)
  (func (export "sumsK16") (param $xq i32) (param $n i32) (param $out i32)
    (local $i i32) (local $s i32) (local $p v128)
    (block $done (loop $block
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $s (i32.const 0))
      (loop $sixteen
        ;; the 16 values in pairs (the int8 dot against ones), then pairs of pairs in i32, then across lanes
        (local.set $p (i32x4.dot_i16x8_s
          (i16x8.relaxed_dot_i8x16_i7x16_s (v128.load (i32.add (local.get $xq) (i32.shl (local.get $s) (i32.const 4)))) (v128.const i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1))
          (v128.const i16x8 1 1 1 1 1 1 1 1)))
        (local.set $p (i32x4.add (local.get $p) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $p) (local.get $p))))
        (i32.store16 (i32.add (local.get $out) (i32.shl (local.get $s) (i32.const 1)))
          (i32.add (i32x4.extract_lane 0 (local.get $p)) (i32x4.extract_lane 1 (local.get $p))))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br_if $sixteen (i32.lt_u (local.get $s) (i32.const 16))))
      (local.set $xq (i32.add (local.get $xq) (i32.const 276)))
      (local.set $out (i32.add (local.get $out) (i32.const 32)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $block))))

  ;; One Q6_K row (nsb super-blocks at w) · one row of activation blocks (xq) with their sums of 16
  ;; (sums) → f32. Per super-block, two turns (half h = 0, 1: ql @64h, qh @128 + 32h, q_x @128h,
  ;; scales 8h …+8); in each, the sixteens i = 0, 1 (+16 bytes) and four groups t (q_x +32t, scale
  ;; 8h + i + 2t: lane i + 2t of the half's scales), unrolled.
  (func $rowQ6_K8 (param $xq i32) (param $sums i32) (param $w i32) (param $nsb i32) (result f32)
    (local $b i32) (local $h i32) (local $ql i32) (local $qh i32) (local $x i32) (local $d i32) (local $acc f32)
    (local $sc8 v128) (local $lo v128) (local $hi v128) (local $scs v128) (local $isum v128)
    (local $a v128) (local $bv v128) (local $hb v128) (local $a2 v128) (local $bv2 v128) (local $hb2 v128)
    (block $done (loop $block
      (br_if $done (i32.ge_u (local.get $b) (local.get $nsb)))
      (local.set $sc8 (v128.load offset=192 (local.get $w)))
      (local.set $lo (i16x8.extend_low_i8x16_s (local.get $sc8)))
      (local.set $hi (i16x8.extend_high_i8x16_s (local.get $sc8)))
      ;; −32·Σ_s scale[s]·S[s]
      (local.set $isum (i32x4.shl (i32x4.add (i32x4.dot_i16x8_s (local.get $lo) (v128.load (local.get $sums)))
                                              (i32x4.dot_i16x8_s (local.get $hi) (v128.load offset=16 (local.get $sums)))) (i32.const 5)))
      (local.set $isum (i32x4.sub (v128.const i32x4 0 0 0 0) (local.get $isum)))
      (local.set $h (i32.const 0))
      (loop $half
        (local.set $scs (select (local.get $hi) (local.get $lo) (local.get $h)))
        (local.set $ql (i32.add (local.get $w) (i32.shl (local.get $h) (i32.const 6))))
        (local.set $qh (i32.add (i32.add (local.get $w) (i32.const 128)) (i32.shl (local.get $h) (i32.const 5))))
        (local.set $x (i32.add (local.get $xq) (i32.shl (local.get $h) (i32.const 7))))
        (local.set $a (v128.load (local.get $ql))) (local.set $bv (v128.load offset=32 (local.get $ql))) (local.set $hb (v128.load (local.get $qh)))
        (local.set $a2 (v128.load offset=16 (local.get $ql))) (local.set $bv2 (v128.load offset=48 (local.get $ql))) (local.set $hb2 (v128.load offset=16 (local.get $qh)))
        ;; t = 0: q = (ql & 15) | (qh << 4 & 48)  (i16 shifts: the bits that cross into the next byte are masked off)
        (local.set $isum (i32x4.add (local.get $isum) (i32x4.add
          (i32x4.dot_i16x8_s (i16x8.relaxed_dot_i8x16_i7x16_s (v128.load (local.get $x))
              (v128.or (v128.and (local.get $a) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (i16x8.shl (local.get $hb) (i32.const 4)) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))))
            (i8x16.shuffle 0 1 0 1 0 1 0 1 0 1 0 1 0 1 0 1 (local.get $scs) (local.get $scs)))
          (i32x4.dot_i16x8_s (i16x8.relaxed_dot_i8x16_i7x16_s (v128.load offset=16 (local.get $x))
              (v128.or (v128.and (local.get $a2) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (i16x8.shl (local.get $hb2) (i32.const 4)) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))))
            (i8x16.shuffle 2 3 2 3 2 3 2 3 2 3 2 3 2 3 2 3 (local.get $scs) (local.get $scs))))))
        ;; t = 1: q = (ql[32 …] & 15) | (qh << 2 & 48)
        (local.set $isum (i32x4.add (local.get $isum) (i32x4.add
          (i32x4.dot_i16x8_s (i16x8.relaxed_dot_i8x16_i7x16_s (v128.load offset=32 (local.get $x))
              (v128.or (v128.and (local.get $bv) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (i16x8.shl (local.get $hb) (i32.const 2)) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))))
            (i8x16.shuffle 4 5 4 5 4 5 4 5 4 5 4 5 4 5 4 5 (local.get $scs) (local.get $scs)))
          (i32x4.dot_i16x8_s (i16x8.relaxed_dot_i8x16_i7x16_s (v128.load offset=48 (local.get $x))
              (v128.or (v128.and (local.get $bv2) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (i16x8.shl (local.get $hb2) (i32.const 2)) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))))
            (i8x16.shuffle 6 7 6 7 6 7 6 7 6 7 6 7 6 7 6 7 (local.get $scs) (local.get $scs))))))
        ;; t = 2: q = (ql >> 4) | (qh & 48)
        (local.set $isum (i32x4.add (local.get $isum) (i32x4.add
          (i32x4.dot_i16x8_s (i16x8.relaxed_dot_i8x16_i7x16_s (v128.load offset=64 (local.get $x))
              (v128.or (v128.and (i16x8.shr_u (local.get $a) (i32.const 4)) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (local.get $hb) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))))
            (i8x16.shuffle 8 9 8 9 8 9 8 9 8 9 8 9 8 9 8 9 (local.get $scs) (local.get $scs)))
          (i32x4.dot_i16x8_s (i16x8.relaxed_dot_i8x16_i7x16_s (v128.load offset=80 (local.get $x))
              (v128.or (v128.and (i16x8.shr_u (local.get $a2) (i32.const 4)) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (local.get $hb2) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))))
            (i8x16.shuffle 10 11 10 11 10 11 10 11 10 11 10 11 10 11 10 11 (local.get $scs) (local.get $scs))))))
        ;; t = 3: q = (ql[32 …] >> 4) | (qh >> 2 & 48)
        (local.set $isum (i32x4.add (local.get $isum) (i32x4.add
          (i32x4.dot_i16x8_s (i16x8.relaxed_dot_i8x16_i7x16_s (v128.load offset=96 (local.get $x))
              (v128.or (v128.and (i16x8.shr_u (local.get $bv) (i32.const 4)) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (i16x8.shr_u (local.get $hb) (i32.const 2)) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))))
            (i8x16.shuffle 12 13 12 13 12 13 12 13 12 13 12 13 12 13 12 13 (local.get $scs) (local.get $scs)))
          (i32x4.dot_i16x8_s (i16x8.relaxed_dot_i8x16_i7x16_s (v128.load offset=112 (local.get $x))
              (v128.or (v128.and (i16x8.shr_u (local.get $bv2) (i32.const 4)) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (i16x8.shr_u (local.get $hb2) (i32.const 2)) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))))
            (i8x16.shuffle 14 15 14 15 14 15 14 15 14 15 14 15 14 15 14 15 (local.get $scs) (local.get $scs))))))
        (local.set $h (i32.add (local.get $h) (i32.const 1)))
        (br_if $half (i32.lt_u (local.get $h) (i32.const 2))))
      ;; the super-block in float (kquant/step-q6_k.wat)
      ;;#include kquant/step-q6_k.wat
      (local.set $w (i32.add (local.get $w) (i32.const 210)))
      (local.set $xq (i32.add (local.get $xq) (i32.const 276)))
      (local.set $sums (i32.add (local.get $sums) (i32.const 32)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $block)))
    (local.get $acc))
