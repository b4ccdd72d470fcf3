;; kquant.wat: products with weights kept in llama.cpp's K-quant super-blocks (Q4_K, Q6_K: 256
;; weights each; layouts in src/quant/q4_k.ts and q6_k.ts), for @mini/tensor. The JS side
;; (splitting across the kernel pool) is src/compact/matmul.ts; the reference loops are
;; src/compact/matmul.reference.ts.
;;
;; Every dot* export computes, for r < rows and m < M:
;;     out[m·ldo + r] = Σ_k x[m, k] · W[r, k]
;; W rows are walked in address order, one at a time, each used against all M activation rows
;; while it sits in L1 (as compact.wat does). Addresses are BYTE addresses into heap.ts's memory.
;;
;; The activations are quantized per call by quantizeActsK into blocks of 256, one per weight
;; super-block (like llama.cpp's Q8_K, so a super-block's integer sums are combined in i32 and
;; scaled once), 276 bytes each:
;;     q i8[256] @0 | d f32 @256 | Σq of each 32 i16[8] @260        x ≈ d·q, |q| ≤ 127
;; Integer products: i16x8.extmul of i8 pairs, summed in i16 (Q4_K: 4 products ≤ 15·127 each;
;; Q6_K: 2 products ≤ 32·127 each), then i32x4.dot_i16x8_s against the splatted sub-block scale:
;; exact in i32 (a super-block's total stays below 2^26). The order of the float operations is
;; fixed by the row alone, so a row's result is the same whichever thread computes it.

(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; f16 bits → f32 for finite halves (the block scales): magnitude moved to an f32's place and
  ;; rescaled by 2^112 (exact for normal and subnormal halves), sign copied.
  (func $f16 (param $h i32) (result f32)
    (f32.copysign
      (f32.mul (f32.reinterpret_i32 (i32.shl (i32.and (local.get $h) (i32.const 0x7fff)) (i32.const 13))) (f32.const 0x1p112))
      (f32.reinterpret_i32 (i32.shl (local.get $h) (i32.const 16)))))

  ;;#include hsum.wat

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
    (local $b i32) (local $u0 i32) (local $u1 i32) (local $u2 i32) (local $dx f32)
    (local $v0 v128) (local $v1 v128) (local $n0 v128) (local $n1 v128) (local $x0 v128) (local $x1 v128)
    (local $sc v128) (local $mn v128) (local $isum v128) (local $acc v128) (local $accMin v128)
    (block $done (loop $block
      (br_if $done (i32.ge_u (local.get $b) (local.get $nsb)))
      (local.set $u0 (i32.load offset=4 (local.get $w)))
      (local.set $u1 (i32.load offset=8 (local.get $w)))
      (local.set $u2 (i32.load offset=12 (local.get $w)))
      (local.set $sc (i16x8.extend_low_i8x16_u (i32x4.replace_lane 1
        (i32x4.splat (i32.and (local.get $u0) (i32.const 0x3f3f3f3f)))
        (i32.or (i32.and (local.get $u2) (i32.const 0x0f0f0f0f)) (i32.shl (i32.and (i32.shr_u (local.get $u0) (i32.const 6)) (i32.const 0x03030303)) (i32.const 4))))))
      (local.set $mn (i16x8.extend_low_i8x16_u (i32x4.replace_lane 1
        (i32x4.splat (i32.and (local.get $u1) (i32.const 0x3f3f3f3f)))
        (i32.or (i32.and (i32.shr_u (local.get $u2) (i32.const 4)) (i32.const 0x0f0f0f0f)) (i32.shl (i32.and (i32.shr_u (local.get $u1) (i32.const 6)) (i32.const 0x03030303)) (i32.const 4))))))
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
      (local.set $dx (f32.load offset=256 (local.get $xq)))
      (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (f32x4.convert_i32x4_s (local.get $isum))
        (f32x4.splat (f32.mul (call $f16 (i32.load16_u (local.get $w))) (local.get $dx))))))
      ;; Σ_s m[s]·Σq[s]: the mins against the activation block's i16 sums, exact in i32
      (local.set $accMin (f32x4.add (local.get $accMin) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.dot_i16x8_s (local.get $mn) (v128.load offset=260 (local.get $xq))))
        (f32x4.splat (f32.mul (call $f16 (i32.load16_u offset=2 (local.get $w))) (local.get $dx))))))
      (local.set $w (i32.add (local.get $w) (i32.const 144)))
      (local.set $xq (i32.add (local.get $xq) (i32.const 276)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $block)))
    (f32.sub (call $hsum (local.get $acc)) (call $hsum (local.get $accMin))))

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
    (local $b i32)
    (local $a v128) (local $bv v128) (local $hb v128) (local $q v128) (local $x v128) (local $sc8 v128) (local $scs v128)
    (local $isum v128) (local $acc v128)
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
      (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (f32x4.convert_i32x4_s (local.get $isum))
        (f32x4.splat (f32.mul (call $f16 (i32.load16_u offset=208 (local.get $w))) (f32.load offset=256 (local.get $xq)))))))
      (local.set $w (i32.add (local.get $w) (i32.const 210)))
      (local.set $xq (i32.add (local.get $xq) (i32.const 276)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $block)))
    (call $hsum (local.get $acc)))

  ;; ---------------------------------------------------------------------------------------------
  ;; The exports: every W row r against every activation row m; nsb = K/256 super-blocks a row.
  ;; ---------------------------------------------------------------------------------------------
  (func (export "dotQ4_K") (param $xq i32) (param $M i32) (param $nsb i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32)
    (local $r i32) (local $m i32)
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $m (i32.const 0))
      (block $mDone (loop $mLoop
        (br_if $mDone (i32.ge_u (local.get $m) (local.get $M)))
        (f32.store (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $m) (local.get $ldo)) (local.get $r)) (i32.const 2)))
          (call $rowQ4_K (i32.add (local.get $xq) (i32.mul (i32.mul (local.get $m) (local.get $nsb)) (i32.const 276)))
            (i32.add (local.get $w) (i32.mul (i32.mul (local.get $r) (local.get $nsb)) (i32.const 144))) (local.get $nsb)))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $mLoop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  (func (export "dotQ6_K") (param $xq i32) (param $M i32) (param $nsb i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32)
    (local $r i32) (local $m i32)
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $m (i32.const 0))
      (block $mDone (loop $mLoop
        (br_if $mDone (i32.ge_u (local.get $m) (local.get $M)))
        (f32.store (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $m) (local.get $ldo)) (local.get $r)) (i32.const 2)))
          (call $rowQ6_K (i32.add (local.get $xq) (i32.mul (i32.mul (local.get $m) (local.get $nsb)) (i32.const 276)))
            (i32.add (local.get $w) (i32.mul (i32.mul (local.get $r) (local.get $nsb)) (i32.const 210))) (local.get $nsb)))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $mLoop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  ;; ---------------------------------------------------------------------------------------------
  ;; quantizeActsK: x f32 [M, K] (K a multiple of 256) → M rows of K/256 activation blocks at xq
  ;; (276 bytes each): d = max|x|/127, q = round-half-even(x/d) (0 where d = 0), Σq of each 32.
  ;; Scalar, one value at a time: this is O(M·K) next to the product's O(M·K·N).
  ;; ---------------------------------------------------------------------------------------------
  (func (export "quantizeActsK") (param $x i32) (param $M i32) (param $K i32) (param $xq i32)
    (local $end i32) (local $j i32) (local $amax f32) (local $d f32) (local $id f32) (local $q i32) (local $sum i32)
    ;; x is walked block by block: M·K values, 256 at a time
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.mul (local.get $M) (local.get $K)) (i32.const 2))))
    (block $done (loop $block
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $amax (f32.const 0))
      (local.set $j (i32.const 0))
      (block $e (loop $max
        (br_if $e (i32.ge_u (local.get $j) (i32.const 1024)))
        (local.set $amax (f32.max (local.get $amax) (f32.abs (f32.load (i32.add (local.get $x) (local.get $j))))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $max)))
      (local.set $d (f32.div (local.get $amax) (f32.const 127)))
      (local.set $id (select (f32.div (f32.const 1) (local.get $d)) (f32.const 0) (f32.ne (local.get $d) (f32.const 0))))
      (local.set $sum (i32.const 0))
      (local.set $j (i32.const 0))
      (block $e (loop $quant
        (br_if $e (i32.ge_u (local.get $j) (i32.const 256)))
        (local.set $q (i32.trunc_sat_f32_s (f32.nearest (f32.mul (local.get $id) (f32.load (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 2))))))))
        (i32.store8 (i32.add (local.get $xq) (local.get $j)) (local.get $q))
        (local.set $sum (i32.add (local.get $sum) (local.get $q)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        ;; at the end of each 32: Σq (|Σq| ≤ 32·127) to 260 + 2·(j/32 − 1)
        (if (i32.eqz (i32.and (local.get $j) (i32.const 31))) (then
          (i32.store16 offset=258 (i32.add (local.get $xq) (i32.shr_u (local.get $j) (i32.const 4))) (local.get $sum))
          (local.set $sum (i32.const 0))))
        (br $quant)))
      (f32.store offset=256 (local.get $xq) (local.get $d))
      (local.set $x (i32.add (local.get $x) (i32.const 1024)))
      (local.set $xq (i32.add (local.get $xq) (i32.const 276)))
      (br $block))))
)
