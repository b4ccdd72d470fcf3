;; kquant/q5_k.wat (kquant.wat): $rowQ5_K, one W row of Q5_K super-blocks (176 bytes each, nsb of
;; them) against one row of the activation blocks of quantizeActsK (276 bytes: q i8[256] @0, d f32 @256, Σq of each 32 i16[8] @260)
;; → that row's dot product as f32. Its super-block float step: kquant/step-q4_k.wat.

  ;; ---------------------------------------------------------------------------------------------
  ;; dot(activation blocks xq, Q5_K super-blocks w), nsb super-blocks (one activation block each).
  ;; Q5_K (176 bytes; src/quant/q5_k.ts): d f16 @0, dmin f16 @2, Q4_K's 12 bytes of 6-bit
  ;; scales/mins @4, qh @16 (32 bytes: the 5th bits), low nibbles @48. Sub-block s (32 weights):
  ;; w = d·sc[s]·q − dmin·m[s], q = nibble | (bit s of qh[l]) << 4 in 0…31; sub-blocks 2c and 2c+1
  ;; are the low and high nibbles of bytes 48+32c … +31. So Q4_K's sums with 5-bit q: 4 products
  ;; ≤ 31·127 summed in i16 (15748), then dot_i16x8_s against the sub-block scale, exact in i32
  ;; (|Σ| ≤ 256·63·31·127 < 2^26). Per super-block, as $rowQ4_K (the order kquantMatmulF32 fixes):
  ;;     acc ← (acc + f32(Σ)·(d·d_x)) − f32(Σ_s m[s]·Σq[s])·(dmin·d_x)
  ;; The scales and mins are unpacked inline as in $rowQ4_K (kquant/scales.wat's $scalesQ4_K /
  ;; $minsQ4_K, whose v128 results cost ~1.7× this function's time as calls: measured, dotQ5_K 14 →
  ;; 8 ms on 35 M weights). The 8 sub-blocks are unrolled as $rowQ4_K's, each taking its scale by a constant shuffle; qh's
  ;; bit s is moved to bit 4 by one constant i16x8 shift and the mask 16 (an i16 shift by ≤ 4
  ;; moves bit 4 of each byte from bits 0…7 of the same byte, so the lanes' bytes do not mix).
  ;; ---------------------------------------------------------------------------------------------
  (func $rowQ5_K (param $xq i32) (param $w i32) (param $nsb i32) (result f32)
    (local $b i32) (local $acc f32)
    (local $v0 v128) (local $v1 v128) (local $h0 v128) (local $h1 v128) (local $n0 v128) (local $n1 v128) (local $x0 v128) (local $x1 v128)
    (local $sc v128) (local $isum v128) (local $t v128) (local $mn v128) (local $u0 i32) (local $u1 i32)
    (block $done (loop $block
      (br_if $done (i32.ge_u (local.get $b) (local.get $nsb)))
      (local.set $u0 (i32.load offset=4 (local.get $w)))
      (local.set $sc (i16x8.extend_low_i8x16_u (i32x4.replace_lane 1
        (i32x4.splat (i32.and (local.get $u0) (i32.const 0x3f3f3f3f)))
        (i32.or (i32.and (i32.load offset=12 (local.get $w)) (i32.const 0x0f0f0f0f)) (i32.shl (i32.and (i32.shr_u (local.get $u0) (i32.const 6)) (i32.const 0x03030303)) (i32.const 4))))))
      (local.set $u1 (i32.load offset=8 (local.get $w)))
      (local.set $mn (i16x8.extend_low_i8x16_u (i32x4.replace_lane 1
        (i32x4.splat (i32.and (local.get $u1) (i32.const 0x3f3f3f3f)))
        (i32.or (i32.and (i32.shr_u (i32.load offset=12 (local.get $w)) (i32.const 4)) (i32.const 0x0f0f0f0f)) (i32.shl (i32.and (i32.shr_u (local.get $u1) (i32.const 6)) (i32.const 0x03030303)) (i32.const 4))))))
      (local.set $h0 (v128.load offset=16 (local.get $w)))
      (local.set $h1 (v128.load offset=32 (local.get $w)))
      (local.set $isum (v128.const i32x4 0 0 0 0))
        (local.set $v0 (v128.load offset=48 (local.get $w)))
        (local.set $v1 (v128.load offset=64 (local.get $w)))
        ;; sub-block 0: low nibbles | qh bit 0, against q[0 …+32]
        (local.set $n0 (v128.or (v128.and (local.get $v0) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (i16x8.shl (local.get $h0) (i32.const 4)) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16))))
        (local.set $n1 (v128.or (v128.and (local.get $v1) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (i16x8.shl (local.get $h1) (i32.const 4)) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16))))
        (local.set $x0 (v128.load offset=0 (local.get $xq)))
        (local.set $x1 (v128.load offset=16 (local.get $xq)))
        (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
          (i16x8.add
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n0) (local.get $x0)) (i16x8.extmul_high_i8x16_s (local.get $n0) (local.get $x0)))
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n1) (local.get $x1)) (i16x8.extmul_high_i8x16_s (local.get $n1) (local.get $x1))))
          (i8x16.shuffle 0 1 0 1 0 1 0 1 0 1 0 1 0 1 0 1 (local.get $sc) (local.get $sc)))))
        ;; sub-block 1: high nibbles | qh bit 1, against q[32 …+32]
        (local.set $n0 (v128.or (v128.and (i16x8.shr_u (local.get $v0) (i32.const 4)) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (i16x8.shl (local.get $h0) (i32.const 3)) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16))))
        (local.set $n1 (v128.or (v128.and (i16x8.shr_u (local.get $v1) (i32.const 4)) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (i16x8.shl (local.get $h1) (i32.const 3)) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16))))
        (local.set $x0 (v128.load offset=32 (local.get $xq)))
        (local.set $x1 (v128.load offset=48 (local.get $xq)))
        (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
          (i16x8.add
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n0) (local.get $x0)) (i16x8.extmul_high_i8x16_s (local.get $n0) (local.get $x0)))
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n1) (local.get $x1)) (i16x8.extmul_high_i8x16_s (local.get $n1) (local.get $x1))))
          (i8x16.shuffle 2 3 2 3 2 3 2 3 2 3 2 3 2 3 2 3 (local.get $sc) (local.get $sc)))))
        (local.set $v0 (v128.load offset=80 (local.get $w)))
        (local.set $v1 (v128.load offset=96 (local.get $w)))
        ;; sub-block 2: low nibbles | qh bit 2, against q[64 …+32]
        (local.set $n0 (v128.or (v128.and (local.get $v0) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (i16x8.shl (local.get $h0) (i32.const 2)) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16))))
        (local.set $n1 (v128.or (v128.and (local.get $v1) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (i16x8.shl (local.get $h1) (i32.const 2)) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16))))
        (local.set $x0 (v128.load offset=64 (local.get $xq)))
        (local.set $x1 (v128.load offset=80 (local.get $xq)))
        (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
          (i16x8.add
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n0) (local.get $x0)) (i16x8.extmul_high_i8x16_s (local.get $n0) (local.get $x0)))
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n1) (local.get $x1)) (i16x8.extmul_high_i8x16_s (local.get $n1) (local.get $x1))))
          (i8x16.shuffle 4 5 4 5 4 5 4 5 4 5 4 5 4 5 4 5 (local.get $sc) (local.get $sc)))))
        ;; sub-block 3: high nibbles | qh bit 3, against q[96 …+32]
        (local.set $n0 (v128.or (v128.and (i16x8.shr_u (local.get $v0) (i32.const 4)) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (i16x8.shl (local.get $h0) (i32.const 1)) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16))))
        (local.set $n1 (v128.or (v128.and (i16x8.shr_u (local.get $v1) (i32.const 4)) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (i16x8.shl (local.get $h1) (i32.const 1)) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16))))
        (local.set $x0 (v128.load offset=96 (local.get $xq)))
        (local.set $x1 (v128.load offset=112 (local.get $xq)))
        (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
          (i16x8.add
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n0) (local.get $x0)) (i16x8.extmul_high_i8x16_s (local.get $n0) (local.get $x0)))
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n1) (local.get $x1)) (i16x8.extmul_high_i8x16_s (local.get $n1) (local.get $x1))))
          (i8x16.shuffle 6 7 6 7 6 7 6 7 6 7 6 7 6 7 6 7 (local.get $sc) (local.get $sc)))))
        (local.set $v0 (v128.load offset=112 (local.get $w)))
        (local.set $v1 (v128.load offset=128 (local.get $w)))
        ;; sub-block 4: low nibbles | qh bit 4, against q[128 …+32]
        (local.set $n0 (v128.or (v128.and (local.get $v0) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (local.get $h0) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16))))
        (local.set $n1 (v128.or (v128.and (local.get $v1) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (local.get $h1) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16))))
        (local.set $x0 (v128.load offset=128 (local.get $xq)))
        (local.set $x1 (v128.load offset=144 (local.get $xq)))
        (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
          (i16x8.add
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n0) (local.get $x0)) (i16x8.extmul_high_i8x16_s (local.get $n0) (local.get $x0)))
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n1) (local.get $x1)) (i16x8.extmul_high_i8x16_s (local.get $n1) (local.get $x1))))
          (i8x16.shuffle 8 9 8 9 8 9 8 9 8 9 8 9 8 9 8 9 (local.get $sc) (local.get $sc)))))
        ;; sub-block 5: high nibbles | qh bit 5, against q[160 …+32]
        (local.set $n0 (v128.or (v128.and (i16x8.shr_u (local.get $v0) (i32.const 4)) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (i16x8.shr_u (local.get $h0) (i32.const 1)) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16))))
        (local.set $n1 (v128.or (v128.and (i16x8.shr_u (local.get $v1) (i32.const 4)) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (i16x8.shr_u (local.get $h1) (i32.const 1)) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16))))
        (local.set $x0 (v128.load offset=160 (local.get $xq)))
        (local.set $x1 (v128.load offset=176 (local.get $xq)))
        (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
          (i16x8.add
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n0) (local.get $x0)) (i16x8.extmul_high_i8x16_s (local.get $n0) (local.get $x0)))
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n1) (local.get $x1)) (i16x8.extmul_high_i8x16_s (local.get $n1) (local.get $x1))))
          (i8x16.shuffle 10 11 10 11 10 11 10 11 10 11 10 11 10 11 10 11 (local.get $sc) (local.get $sc)))))
        (local.set $v0 (v128.load offset=144 (local.get $w)))
        (local.set $v1 (v128.load offset=160 (local.get $w)))
        ;; sub-block 6: low nibbles | qh bit 6, against q[192 …+32]
        (local.set $n0 (v128.or (v128.and (local.get $v0) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (i16x8.shr_u (local.get $h0) (i32.const 2)) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16))))
        (local.set $n1 (v128.or (v128.and (local.get $v1) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (i16x8.shr_u (local.get $h1) (i32.const 2)) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16))))
        (local.set $x0 (v128.load offset=192 (local.get $xq)))
        (local.set $x1 (v128.load offset=208 (local.get $xq)))
        (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
          (i16x8.add
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n0) (local.get $x0)) (i16x8.extmul_high_i8x16_s (local.get $n0) (local.get $x0)))
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n1) (local.get $x1)) (i16x8.extmul_high_i8x16_s (local.get $n1) (local.get $x1))))
          (i8x16.shuffle 12 13 12 13 12 13 12 13 12 13 12 13 12 13 12 13 (local.get $sc) (local.get $sc)))))
        ;; sub-block 7: high nibbles | qh bit 7, against q[224 …+32]
        (local.set $n0 (v128.or (v128.and (i16x8.shr_u (local.get $v0) (i32.const 4)) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (i16x8.shr_u (local.get $h0) (i32.const 3)) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16))))
        (local.set $n1 (v128.or (v128.and (i16x8.shr_u (local.get $v1) (i32.const 4)) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (i16x8.shr_u (local.get $h1) (i32.const 3)) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16))))
        (local.set $x0 (v128.load offset=224 (local.get $xq)))
        (local.set $x1 (v128.load offset=240 (local.get $xq)))
        (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
          (i16x8.add
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n0) (local.get $x0)) (i16x8.extmul_high_i8x16_s (local.get $n0) (local.get $x0)))
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n1) (local.get $x1)) (i16x8.extmul_high_i8x16_s (local.get $n1) (local.get $x1))))
          (i8x16.shuffle 14 15 14 15 14 15 14 15 14 15 14 15 14 15 14 15 (local.get $sc) (local.get $sc)))))
      ;; the super-block in float, as $rowQ4_K: (acc + f32(Σ)·(d·d_x)) − f32(Σ_s m[s]·Σq[s])·(dmin·d_x)
      ;; the super-block in float (kquant/step-q4_k.wat)
      ;;#include kquant/step-q4_k.wat
      (local.set $w (i32.add (local.get $w) (i32.const 176)))
      (local.set $xq (i32.add (local.get $xq) (i32.const 276)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $block)))
    (local.get $acc))
