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
;; The activations come quantized by compact.wat's quantizeActs: nb = K/32 blocks a row of
;;     d f32 @0 | Σq i32 @4 | q i8[32] @8          x ≈ d·q, |q| ≤ 127
;; (32-wide blocks, finer than llama.cpp's 256-wide Q8_K: one scale per Q4_K sub-block, one per
;; pair of Q6_K sub-blocks). Integer products: i16x8.extmul of i8 pairs, summed in i16 (Q4_K:
;; 4 products ≤ 15·127 each; Q6_K: 2 products ≤ 32·127 each), then i32x4.dot_i16x8_s against ones.
;; Every integer sum is exact; the order of the float operations is fixed by the row alone, so a
;; row's result is the same whichever thread computes it.

(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; f16 bits → f32 for finite halves (the block scales): magnitude moved to an f32's place and
  ;; rescaled by 2^112 (exact for normal and subnormal halves), sign copied.
  (func $f16 (param $h i32) (result f32)
    (f32.copysign
      (f32.mul (f32.reinterpret_i32 (i32.shl (i32.and (local.get $h) (i32.const 0x7fff)) (i32.const 13))) (f32.const 0x1p112))
      (f32.reinterpret_i32 (i32.shl (local.get $h) (i32.const 16)))))

  ;; Σ of the 4 lanes
  (func $hsum (param $v v128) (result f32)
    (local.set $v (f32x4.add (local.get $v) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
    (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v))))

  ;; ---------------------------------------------------------------------------------------------
  ;; dot(activation blocks xq, Q4_K super-blocks w), nsb super-blocks (8 activation blocks each).
  ;; Q4_K (144 bytes): d f16 @0, dmin f16 @2, 12 bytes of 6-bit scales/mins @4, nibbles @16.
  ;; Sub-block s (32 weights): w = d·sc[s]·n − dmin·m[s]; sub-blocks 2c and 2c+1 are the low and
  ;; high nibbles of bytes 16+32c … 16+32c+31. Per sub-block, against activation block s:
  ;;     d·sc·d_x·Σ n·q  −  dmin·m·d_x·Σq          (Σq from the activation block)
  ;; the first term in f32x4 lanes, the second in a scalar, subtracted at the end.
  ;; ---------------------------------------------------------------------------------------------
  (func $rowQ4_K (param $xq i32) (param $w i32) (param $nsb i32) (result f32)
    (local $b i32) (local $c i32) (local $s i32) (local $p i32) (local $sc i32) (local $m i32)
    (local $d f32) (local $dmin f32) (local $xa i32) (local $mins f32)
    (local $v0 v128) (local $v1 v128) (local $n0 v128) (local $n1 v128) (local $acc v128)
    (block $done (loop $block
      (br_if $done (i32.ge_u (local.get $b) (local.get $nsb)))
      (local.set $d (call $f16 (i32.load16_u (local.get $w))))
      (local.set $dmin (call $f16 (i32.load16_u offset=2 (local.get $w))))
      (local.set $p (i32.add (local.get $w) (i32.const 4)))
      (local.set $c (i32.const 0))
      (block $cDone (loop $pair
        (br_if $cDone (i32.ge_u (local.get $c) (i32.const 4)))
        (local.set $v0 (v128.load offset=16 (i32.add (local.get $w) (i32.shl (local.get $c) (i32.const 5)))))
        (local.set $v1 (v128.load offset=32 (i32.add (local.get $w) (i32.shl (local.get $c) (i32.const 5)))))
        ;; s = 2c: the low nibbles; s = 2c + 1: the high nibbles
        (local.set $s (i32.shl (local.get $c) (i32.const 1)))
        (local.set $n0 (v128.and (local.get $v0) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
        (local.set $n1 (v128.and (local.get $v1) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
        (block $half (loop $sub
          ;; 6-bit scale and min of sub-block s (q4_k.ts: scaleMin)
          (if (i32.lt_u (local.get $s) (i32.const 4))
            (then
              (local.set $sc (i32.and (i32.load8_u (i32.add (local.get $p) (local.get $s))) (i32.const 63)))
              (local.set $m (i32.and (i32.load8_u offset=4 (i32.add (local.get $p) (local.get $s))) (i32.const 63))))
            (else
              (local.set $sc (i32.or (i32.and (i32.load8_u offset=4 (i32.add (local.get $p) (local.get $s))) (i32.const 15))
                (i32.shl (i32.shr_u (i32.load8_u (i32.sub (i32.add (local.get $p) (local.get $s)) (i32.const 4))) (i32.const 6)) (i32.const 4))))
              (local.set $m (i32.or (i32.shr_u (i32.load8_u offset=4 (i32.add (local.get $p) (local.get $s))) (i32.const 4))
                (i32.shl (i32.shr_u (i32.load8_u (i32.add (local.get $p) (local.get $s))) (i32.const 6)) (i32.const 4))))))
          (local.set $xa (i32.add (local.get $xq) (i32.mul (local.get $s) (i32.const 40))))
          (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul
            (f32x4.convert_i32x4_s (i32x4.dot_i16x8_s
              (i16x8.add
                (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n0) (v128.load offset=8 (local.get $xa)))
                           (i16x8.extmul_high_i8x16_s (local.get $n0) (v128.load offset=8 (local.get $xa))))
                (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $n1) (v128.load offset=24 (local.get $xa)))
                           (i16x8.extmul_high_i8x16_s (local.get $n1) (v128.load offset=24 (local.get $xa)))))
              (v128.const i16x8 1 1 1 1 1 1 1 1)))
            (f32x4.splat (f32.mul (f32.mul (local.get $d) (f32.convert_i32_u (local.get $sc))) (f32.load (local.get $xa)))))))
          (local.set $mins (f32.add (local.get $mins)
            (f32.mul (f32.mul (f32.mul (local.get $dmin) (f32.convert_i32_u (local.get $m))) (f32.load (local.get $xa)))
                     (f32.convert_i32_s (i32.load offset=4 (local.get $xa))))))
          (br_if $half (i32.and (local.get $s) (i32.const 1)))
          (local.set $s (i32.add (local.get $s) (i32.const 1)))
          (local.set $n0 (i8x16.shr_u (local.get $v0) (i32.const 4)))
          (local.set $n1 (i8x16.shr_u (local.get $v1) (i32.const 4)))
          (br $sub)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $pair)))
      (local.set $w (i32.add (local.get $w) (i32.const 144)))
      (local.set $xq (i32.add (local.get $xq) (i32.const 320)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $block)))
    (f32.sub (call $hsum (local.get $acc)) (local.get $mins)))

  ;; ---------------------------------------------------------------------------------------------
  ;; dot(activation blocks xq, Q6_K super-blocks w), nsb super-blocks (8 activation blocks each).
  ;; Q6_K (210 bytes): ql @0 (128), qh @128 (64), int8 scales @192 (16), d f16 @208.
  ;; Half h (128 weights) reads ql[64h …], qh[32h …], scales[8h …]; its 32-weight group t (t < 4)
  ;; holds, for l < 32, q = 4-bit part | 2-bit part << 4 (q6_k.ts), w = d·scale·(q − 32), with
  ;; scale[8h + 2t] for l < 16 and scale[8h + 2t + 1] for l ≥ 16. Group t is activation block
  ;; 4h + t:  d·d_x·Σ_(two halves of 16) scale·Σ (q − 32)·q_x. The 16 products (|·| ≤ 32·127) are
  ;; summed in pairs in i16, then i32x4.dot_i16x8_s against the splatted scale: exact in i32.
  ;; ---------------------------------------------------------------------------------------------
  (func $rowQ6_K (param $xq i32) (param $w i32) (param $nsb i32) (result f32)
    (local $b i32) (local $h i32) (local $j i32) (local $ql i32) (local $qh i32) (local $sc i32) (local $xa i32) (local $xj i32)
    (local $d f32)
    (local $a v128) (local $bv v128) (local $hb v128) (local $q v128) (local $x v128) (local $p0 v128) (local $p1 v128) (local $p2 v128) (local $p3 v128) (local $acc v128)
    (block $done (loop $block
      (br_if $done (i32.ge_u (local.get $b) (local.get $nsb)))
      (local.set $d (call $f16 (i32.load16_u offset=208 (local.get $w))))
      (local.set $h (i32.const 0))
      (block $hDone (loop $half
        (br_if $hDone (i32.ge_u (local.get $h) (i32.const 2)))
        (local.set $xa (i32.add (local.get $xq) (i32.mul (local.get $h) (i32.const 160))))
        (local.set $p0 (v128.const i32x4 0 0 0 0))
        (local.set $p1 (v128.const i32x4 0 0 0 0))
        (local.set $p2 (v128.const i32x4 0 0 0 0))
        (local.set $p3 (v128.const i32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (block $jDone (loop $sixteen
          (br_if $jDone (i32.ge_u (local.get $j) (i32.const 2)))
          ;; ql, qh: this half's bytes l = 16j … 16j+15; sc: scale index 8h + j (group t adds 2t)
          (local.set $ql (i32.add (i32.add (local.get $w) (i32.shl (local.get $h) (i32.const 6))) (i32.shl (local.get $j) (i32.const 4))))
          (local.set $qh (i32.add (i32.add (local.get $w) (i32.shl (local.get $h) (i32.const 5))) (i32.shl (local.get $j) (i32.const 4))))
          (local.set $sc (i32.add (i32.add (local.get $w) (i32.shl (local.get $h) (i32.const 3))) (local.get $j)))
          (local.set $a (v128.load (local.get $ql)))
          (local.set $bv (v128.load offset=32 (local.get $ql)))
          (local.set $hb (v128.load offset=128 (local.get $qh)))
          (local.set $xj (i32.add (local.get $xa) (i32.shl (local.get $j) (i32.const 4))))
          ;; group 0: low nibbles of ql[l], qh bits 0-1
          (local.set $q (i8x16.sub (v128.or (v128.and (local.get $a) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (i8x16.shl (local.get $hb) (i32.const 4)) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)))
          (local.set $x (v128.load offset=8 (local.get $xj)))
          (local.set $p0 (i32x4.add (local.get $p0) (i32x4.dot_i16x8_s
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $q) (local.get $x)) (i16x8.extmul_high_i8x16_s (local.get $q) (local.get $x)))
            (i16x8.splat (i32.load8_s offset=192 (local.get $sc))))))
          ;; group 1: low nibbles of ql[l + 32], qh bits 2-3
          (local.set $q (i8x16.sub (v128.or (v128.and (local.get $bv) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (i8x16.shl (local.get $hb) (i32.const 2)) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)))
          (local.set $x (v128.load offset=48 (local.get $xj)))
          (local.set $p1 (i32x4.add (local.get $p1) (i32x4.dot_i16x8_s
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $q) (local.get $x)) (i16x8.extmul_high_i8x16_s (local.get $q) (local.get $x)))
            (i16x8.splat (i32.load8_s offset=194 (local.get $sc))))))
          ;; group 2: high nibbles of ql[l], qh bits 4-5
          (local.set $q (i8x16.sub (v128.or (i8x16.shr_u (local.get $a) (i32.const 4)) (v128.and (local.get $hb) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)))
          (local.set $x (v128.load offset=88 (local.get $xj)))
          (local.set $p2 (i32x4.add (local.get $p2) (i32x4.dot_i16x8_s
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $q) (local.get $x)) (i16x8.extmul_high_i8x16_s (local.get $q) (local.get $x)))
            (i16x8.splat (i32.load8_s offset=196 (local.get $sc))))))
          ;; group 3: high nibbles of ql[l + 32], qh bits 6-7
          (local.set $q (i8x16.sub (v128.or (i8x16.shr_u (local.get $bv) (i32.const 4)) (v128.and (i8x16.shr_u (local.get $hb) (i32.const 2)) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)))
          (local.set $x (v128.load offset=128 (local.get $xj)))
          (local.set $p3 (i32x4.add (local.get $p3) (i32x4.dot_i16x8_s
            (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $q) (local.get $x)) (i16x8.extmul_high_i8x16_s (local.get $q) (local.get $x)))
            (i16x8.splat (i32.load8_s offset=198 (local.get $sc))))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $sixteen)))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (f32x4.convert_i32x4_s (local.get $p0)) (f32x4.splat (f32.mul (local.get $d) (f32.load (local.get $xa)))))))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (f32x4.convert_i32x4_s (local.get $p1)) (f32x4.splat (f32.mul (local.get $d) (f32.load offset=40 (local.get $xa)))))))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (f32x4.convert_i32x4_s (local.get $p2)) (f32x4.splat (f32.mul (local.get $d) (f32.load offset=80 (local.get $xa)))))))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (f32x4.convert_i32x4_s (local.get $p3)) (f32x4.splat (f32.mul (local.get $d) (f32.load offset=120 (local.get $xa)))))))
        (local.set $h (i32.add (local.get $h) (i32.const 1)))
        (br $half)))
      (local.set $w (i32.add (local.get $w) (i32.const 210)))
      (local.set $xq (i32.add (local.get $xq) (i32.const 320)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $block)))
    (call $hsum (local.get $acc)))

  ;; ---------------------------------------------------------------------------------------------
  ;; The exports: every W row r against every activation row m. nb = K/32 activation blocks a row
  ;; (K a multiple of 256: nb/8 super-blocks).
  ;; ---------------------------------------------------------------------------------------------
  (func (export "dotQ4_K") (param $xq i32) (param $M i32) (param $nb i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32)
    (local $r i32) (local $m i32) (local $nsb i32)
    (local.set $nsb (i32.shr_u (local.get $nb) (i32.const 3)))
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $m (i32.const 0))
      (block $mDone (loop $mLoop
        (br_if $mDone (i32.ge_u (local.get $m) (local.get $M)))
        (f32.store (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $m) (local.get $ldo)) (local.get $r)) (i32.const 2)))
          (call $rowQ4_K (i32.add (local.get $xq) (i32.mul (i32.mul (local.get $m) (local.get $nb)) (i32.const 40)))
            (i32.add (local.get $w) (i32.mul (i32.mul (local.get $r) (local.get $nsb)) (i32.const 144))) (local.get $nsb)))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $mLoop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  (func (export "dotQ6_K") (param $xq i32) (param $M i32) (param $nb i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32)
    (local $r i32) (local $m i32) (local $nsb i32)
    (local.set $nsb (i32.shr_u (local.get $nb) (i32.const 3)))
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $m (i32.const 0))
      (block $mDone (loop $mLoop
        (br_if $mDone (i32.ge_u (local.get $m) (local.get $M)))
        (f32.store (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $m) (local.get $ldo)) (local.get $r)) (i32.const 2)))
          (call $rowQ6_K (i32.add (local.get $xq) (i32.mul (i32.mul (local.get $m) (local.get $nb)) (i32.const 40)))
            (i32.add (local.get $w) (i32.mul (i32.mul (local.get $r) (local.get $nsb)) (i32.const 210))) (local.get $nsb)))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $mLoop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))
)
