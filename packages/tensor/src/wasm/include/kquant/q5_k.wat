;; kquant/q5_k.wat (kquant.wat): $rowQ5_K, one W row of Q5_K super-blocks (176 bytes each, nsb of
;; them) against one row of the activation blocks of quantizeActsK (276 bytes: q i8[256] @0, d f32 @256, Σq of each 32 i16[8] @260)
;; → that row's dot product as f32. Uses $f16, $isum4f, $scalesQ4_K, $minsQ4_K (kquant/scales.wat).

  ;; ---------------------------------------------------------------------------------------------
  ;; dot(activation blocks xq, Q5_K super-blocks w), nsb super-blocks (one activation block each).
  ;; Q5_K (176 bytes; src/quant/q5_k.ts): d f16 @0, dmin f16 @2, Q4_K's 12 bytes of 6-bit
  ;; scales/mins @4, qh @16 (32 bytes: the 5th bits), low nibbles @48. Sub-block s (32 weights):
  ;; w = d·sc[s]·q − dmin·m[s], q = nibble | (bit s of qh[l]) << 4 in 0…31; sub-blocks 2c and 2c+1
  ;; are the low and high nibbles of bytes 48+32c … +31. So Q4_K's sums with 5-bit q: 4 products
  ;; ≤ 31·127 summed in i16 (15748), then dot_i16x8_s against the sub-block scale, exact in i32
  ;; (|Σ| ≤ 256·63·31·127 < 2^26). Per super-block, as $rowQ4_K (the order kquantMatmulF32 fixes):
  ;;     acc ← (acc + f32(Σ)·(d·d_x)) − f32(Σ_s m[s]·Σq[s])·(dmin·d_x)
  ;; The 4 chunks are a loop; qh's bit s is moved to bit 4 by shifting qh right once a sub-block.
  ;; ---------------------------------------------------------------------------------------------
  (func $rowQ5_K (param $xq i32) (param $w i32) (param $nsb i32) (result f32)
    (local $b i32) (local $c i32) (local $dx f32) (local $acc f32)
    (local $v0 v128) (local $v1 v128) (local $h0 v128) (local $h1 v128) (local $n0 v128) (local $n1 v128) (local $x0 v128) (local $x1 v128)
    (local $sc v128) (local $isum v128) (local $wc i32) (local $xc i32)
    (block $done (loop $block
      (br_if $done (i32.ge_u (local.get $b) (local.get $nsb)))
      (local.set $sc (call $scalesQ4_K (local.get $w)))
      (local.set $h0 (v128.load offset=16 (local.get $w)))
      (local.set $h1 (v128.load offset=32 (local.get $w)))
      (local.set $isum (v128.const i32x4 0 0 0 0))
      (local.set $c (i32.const 0))
      (loop $chunk
        ;; wc: this chunk's 32 nibble bytes; xc: its 64 activations
        (local.set $wc (i32.add (local.get $w) (i32.shl (local.get $c) (i32.const 5))))
        (local.set $xc (i32.add (local.get $xq) (i32.shl (local.get $c) (i32.const 6))))
        (local.set $v0 (v128.load offset=48 (local.get $wc)))
        (local.set $v1 (v128.load offset=64 (local.get $wc)))
        ;; sub-block 2c: low nibbles | qh bit 2c, against q[64c …+32], scale sc[2c]
        (local.set $n0 (v128.or (v128.and (local.get $v0) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))
          (v128.and (i8x16.shl (local.get $h0) (i32.const 4)) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16))))
        (local.set $n1 (v128.or (v128.and (local.get $v1) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))
          (v128.and (i8x16.shl (local.get $h1) (i32.const 4)) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16))))
        (local.set $x0 (v128.load (local.get $xc)))
        (local.set $x1 (v128.load offset=16 (local.get $xc)))
        (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
          (i16x8.add
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n0) (local.get $x0)) (i16x8.extmul_high_i8x16_s (local.get $n0) (local.get $x0)))
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n1) (local.get $x1)) (i16x8.extmul_high_i8x16_s (local.get $n1) (local.get $x1))))
          (i8x16.swizzle (local.get $sc) (i16x8.splat (i32.add (i32.const 0x0100) (i32.mul (local.get $c) (i32.const 0x0404))))))))
        ;; sub-block 2c+1: high nibbles | qh bit 2c+1, against q[64c+32 …+32], scale sc[2c+1]
        (local.set $n0 (v128.or (i8x16.shr_u (local.get $v0) (i32.const 4))
          (v128.and (i8x16.shl (local.get $h0) (i32.const 3)) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16))))
        (local.set $n1 (v128.or (i8x16.shr_u (local.get $v1) (i32.const 4))
          (v128.and (i8x16.shl (local.get $h1) (i32.const 3)) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16))))
        (local.set $x0 (v128.load offset=32 (local.get $xc)))
        (local.set $x1 (v128.load offset=48 (local.get $xc)))
        (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
          (i16x8.add
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n0) (local.get $x0)) (i16x8.extmul_high_i8x16_s (local.get $n0) (local.get $x0)))
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n1) (local.get $x1)) (i16x8.extmul_high_i8x16_s (local.get $n1) (local.get $x1))))
          (i8x16.swizzle (local.get $sc) (i16x8.splat (i32.add (i32.const 0x0302) (i32.mul (local.get $c) (i32.const 0x0404))))))))
        ;; the next chunk's bits 2c+2, 2c+3 to bits 0, 1
        (local.set $h0 (i8x16.shr_u (local.get $h0) (i32.const 2)))
        (local.set $h1 (i8x16.shr_u (local.get $h1) (i32.const 2)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br_if $chunk (i32.lt_u (local.get $c) (i32.const 4))))
      (local.set $dx (f32.load offset=256 (local.get $xq)))
      (local.set $acc (f32.sub
        (f32.add (local.get $acc) (f32.mul (call $isum4f (local.get $isum))
          (f32.mul (call $f16 (i32.load16_u (local.get $w))) (local.get $dx))))
        (f32.mul (call $isum4f (i32x4.dot_i16x8_s (call $minsQ4_K (local.get $w)) (v128.load offset=260 (local.get $xq))))
          (f32.mul (call $f16 (i32.load16_u offset=2 (local.get $w))) (local.get $dx)))))
      (local.set $w (i32.add (local.get $w) (i32.const 176)))
      (local.set $xq (i32.add (local.get $xq) (i32.const 276)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $block)))
    (local.get $acc))
