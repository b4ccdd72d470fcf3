;; kquant/q4_k.wat (kquant.wat): $rowQ4_K, one W row of Q4_K super-blocks (144 bytes each, nsb of
;; them) against one row of the activation blocks of quantizeActsK (276 bytes: q i8[256] @0, d f32 @256, Σq of each 32 i16[8] @260)
;; → that row's dot product as f32. Its super-block float step: kquant/step-q4_k.wat.

  ;; ---------------------------------------------------------------------------------------------
  ;; dot(activation blocks xq, Q4_K super-blocks w), nsb super-blocks (one activation block each).
  ;; Q4_K (144 bytes): d f16 @0, dmin f16 @2, 12 bytes of 6-bit scales/mins @4, nibbles @16.
  ;; Sub-block s (32 weights): w = d·sc[s]·n − dmin·m[s]; sub-blocks 2c and 2c+1 are the low and
  ;; high nibbles of bytes 16+32c … 16+32c+31. Per super-block:
  ;;     d·d_x·Σ_s sc[s]·Σ n·q  −  dmin·d_x·Σ_s m[s]·Σq[s]          (Σq[s] from the activation block)
  ;; The 12 packed bytes are unpacked 4 at a time (u0, u1, u2: bytes 0-3, 4-7, 8-11; q4_k.ts scaleMin):
  ;;     sc[0..3] = u0 & 63, sc[4..7] = (u2 & 15) | (u0 >> 6) << 4
  ;;     m[0..3]  = u1 & 63, m[4..7]  = (u2 >> 4) | (u1 >> 6) << 4
  ;; into i16 lanes; the 8 sub-blocks are unrolled, each taking its scale by a constant shuffle.
  ;; ---------------------------------------------------------------------------------------------
  (func $rowQ4_K (param $xq i32) (param $w i32) (param $nsb i32) (result f32)
    (local $b i32) (local $u0 i32) (local $u1 i32) (local $u2 i32)
    (local $v0 v128) (local $v1 v128) (local $n0 v128) (local $n1 v128) (local $x0 v128) (local $x1 v128)
    (local $sc v128) (local $mn v128) (local $isum v128) (local $t v128) (local $acc f32)
    (block $done (loop $block
      (br_if $done (i32.ge_u (local.get $b) (local.get $nsb)))
      ;; the 6-bit scales and mins as i16 lanes (kquant/unpack-q4_k.wat)
      ;;#include kquant/unpack-q4_k.wat
      (local.set $isum (v128.const i32x4 0 0 0 0))
        (local.set $v0 (v128.load offset=16 (local.get $w)))
        (local.set $v1 (v128.load offset=32 (local.get $w)))
        ;; sub-block 0: low nibbles against q[0 …+32]
        (local.set $n0 (v128.and (local.get $v0) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
        (local.set $n1 (v128.and (local.get $v1) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
        (local.set $x0 (v128.load (local.get $xq)))
        (local.set $x1 (v128.load offset=16 (local.get $xq)))
        (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
          (i16x8.add
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n0) (local.get $x0)) (i16x8.extmul_high_i8x16_s (local.get $n0) (local.get $x0)))
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n1) (local.get $x1)) (i16x8.extmul_high_i8x16_s (local.get $n1) (local.get $x1))))
          (i8x16.shuffle 0 1 0 1 0 1 0 1 0 1 0 1 0 1 0 1 (local.get $sc) (local.get $sc)))))
        ;; sub-block 1: high nibbles against q[32 …+32]
        (local.set $n0 (i8x16.shr_u (local.get $v0) (i32.const 4)))
        (local.set $n1 (i8x16.shr_u (local.get $v1) (i32.const 4)))
        (local.set $x0 (v128.load offset=32 (local.get $xq)))
        (local.set $x1 (v128.load offset=48 (local.get $xq)))
        (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
          (i16x8.add
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n0) (local.get $x0)) (i16x8.extmul_high_i8x16_s (local.get $n0) (local.get $x0)))
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n1) (local.get $x1)) (i16x8.extmul_high_i8x16_s (local.get $n1) (local.get $x1))))
          (i8x16.shuffle 2 3 2 3 2 3 2 3 2 3 2 3 2 3 2 3 (local.get $sc) (local.get $sc)))))
        (local.set $v0 (v128.load offset=48 (local.get $w)))
        (local.set $v1 (v128.load offset=64 (local.get $w)))
        ;; sub-block 2: low nibbles against q[64 …+32]
        (local.set $n0 (v128.and (local.get $v0) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
        (local.set $n1 (v128.and (local.get $v1) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
        (local.set $x0 (v128.load offset=64 (local.get $xq)))
        (local.set $x1 (v128.load offset=80 (local.get $xq)))
        (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
          (i16x8.add
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n0) (local.get $x0)) (i16x8.extmul_high_i8x16_s (local.get $n0) (local.get $x0)))
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n1) (local.get $x1)) (i16x8.extmul_high_i8x16_s (local.get $n1) (local.get $x1))))
          (i8x16.shuffle 4 5 4 5 4 5 4 5 4 5 4 5 4 5 4 5 (local.get $sc) (local.get $sc)))))
        ;; sub-block 3: high nibbles against q[96 …+32]
        (local.set $n0 (i8x16.shr_u (local.get $v0) (i32.const 4)))
        (local.set $n1 (i8x16.shr_u (local.get $v1) (i32.const 4)))
        (local.set $x0 (v128.load offset=96 (local.get $xq)))
        (local.set $x1 (v128.load offset=112 (local.get $xq)))
        (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
          (i16x8.add
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n0) (local.get $x0)) (i16x8.extmul_high_i8x16_s (local.get $n0) (local.get $x0)))
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n1) (local.get $x1)) (i16x8.extmul_high_i8x16_s (local.get $n1) (local.get $x1))))
          (i8x16.shuffle 6 7 6 7 6 7 6 7 6 7 6 7 6 7 6 7 (local.get $sc) (local.get $sc)))))
        (local.set $v0 (v128.load offset=80 (local.get $w)))
        (local.set $v1 (v128.load offset=96 (local.get $w)))
        ;; sub-block 4: low nibbles against q[128 …+32]
        (local.set $n0 (v128.and (local.get $v0) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
        (local.set $n1 (v128.and (local.get $v1) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
        (local.set $x0 (v128.load offset=128 (local.get $xq)))
        (local.set $x1 (v128.load offset=144 (local.get $xq)))
        (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
          (i16x8.add
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n0) (local.get $x0)) (i16x8.extmul_high_i8x16_s (local.get $n0) (local.get $x0)))
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n1) (local.get $x1)) (i16x8.extmul_high_i8x16_s (local.get $n1) (local.get $x1))))
          (i8x16.shuffle 8 9 8 9 8 9 8 9 8 9 8 9 8 9 8 9 (local.get $sc) (local.get $sc)))))
        ;; sub-block 5: high nibbles against q[160 …+32]
        (local.set $n0 (i8x16.shr_u (local.get $v0) (i32.const 4)))
        (local.set $n1 (i8x16.shr_u (local.get $v1) (i32.const 4)))
        (local.set $x0 (v128.load offset=160 (local.get $xq)))
        (local.set $x1 (v128.load offset=176 (local.get $xq)))
        (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
          (i16x8.add
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n0) (local.get $x0)) (i16x8.extmul_high_i8x16_s (local.get $n0) (local.get $x0)))
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n1) (local.get $x1)) (i16x8.extmul_high_i8x16_s (local.get $n1) (local.get $x1))))
          (i8x16.shuffle 10 11 10 11 10 11 10 11 10 11 10 11 10 11 10 11 (local.get $sc) (local.get $sc)))))
        (local.set $v0 (v128.load offset=112 (local.get $w)))
        (local.set $v1 (v128.load offset=128 (local.get $w)))
        ;; sub-block 6: low nibbles against q[192 …+32]
        (local.set $n0 (v128.and (local.get $v0) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
        (local.set $n1 (v128.and (local.get $v1) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
        (local.set $x0 (v128.load offset=192 (local.get $xq)))
        (local.set $x1 (v128.load offset=208 (local.get $xq)))
        (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
          (i16x8.add
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n0) (local.get $x0)) (i16x8.extmul_high_i8x16_s (local.get $n0) (local.get $x0)))
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n1) (local.get $x1)) (i16x8.extmul_high_i8x16_s (local.get $n1) (local.get $x1))))
          (i8x16.shuffle 12 13 12 13 12 13 12 13 12 13 12 13 12 13 12 13 (local.get $sc) (local.get $sc)))))
        ;; sub-block 7: high nibbles against q[224 …+32]
        (local.set $n0 (i8x16.shr_u (local.get $v0) (i32.const 4)))
        (local.set $n1 (i8x16.shr_u (local.get $v1) (i32.const 4)))
        (local.set $x0 (v128.load offset=224 (local.get $xq)))
        (local.set $x1 (v128.load offset=240 (local.get $xq)))
        (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
          (i16x8.add
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n0) (local.get $x0)) (i16x8.extmul_high_i8x16_s (local.get $n0) (local.get $x0)))
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n1) (local.get $x1)) (i16x8.extmul_high_i8x16_s (local.get $n1) (local.get $x1))))
          (i8x16.shuffle 14 15 14 15 14 15 14 15 14 15 14 15 14 15 14 15 (local.get $sc) (local.get $sc)))))
      ;; the super-block in float: (acc + f32(Σ)·(d·d_x)) − f32(Σ_s m[s]·Σq[s])·(dmin·d_x), the two
      ;; integer totals exact in i32 (the order gemmQ4_K shares, kquant/gemm.wat)
      ;; the super-block in float (kquant/step-q4_k.wat)
      ;;#include kquant/step-q4_k.wat
      (local.set $w (i32.add (local.get $w) (i32.const 144)))
      (local.set $xq (i32.add (local.get $xq) (i32.const 276)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $block)))
    (local.get $acc))
