;; compact.wat: products with weights kept compact (BF16, F16, Q8_0, Q4_0), for @mini/tensor.
;; The byte layouts are documented in src/compact/blocks.ts (Q8_0 / Q4_0: llama.cpp's blocks of
;; 32 weights, one f16 scale each; a row whose length is not a multiple of 32 ends in a block
;; zero-padded past K). The JS side (splitting across the kernel pool) is src/compact/matmul.ts;
;; the reference loops are src/compact/matmul.reference.ts.
;;
;; Every dot* export computes, for r < rows and m < M:
;;     out[m·ldo + r] = Σ_k x[m, k] · W[r, k]
;; W rows are walked in address order, one at a time (one sequential stream, as in gemv.wat), and
;; each row is used against all M activation rows while it sits in L1.
;; Addresses are BYTE addresses into the shared memory of heap.ts.
;;
;; BF16 / F16 are widened to f32 in registers (x is f32). Q8_0 / Q4_0 take the activations
;; quantized per call by quantizeActs into 8-bit blocks (d·q, |q| ≤ 127) and multiply integers:
;;   SIMD128:  i16x8.extmul of i8 pairs (|product| ≤ 127², the sum of two fits i16), then
;;             i32x4.dot_i16x8_s against ones to sum pairs into i32 lanes;
;;   relaxed:  i32x4.relaxed_dot_i8x16_i7x16_add_s, whose second operand must be 0..127: Q8_0 uses
;;             |w| there and moves w's sign onto the activation; Q4_0 uses its stored nibbles n
;;             (0..15, w = n − 8) and subtracts 8·Σq, kept in the activation block.
;; Each block's integer sum is exact; it is scaled by d_w·d_x and accumulated in f32x4 lanes.

(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; f16 bits → f32: the magnitude's bits moved to an f32's place and rescaled by 2^112 (exact for
  ;; normal and subnormal halves), inf/NaN kept, sign copied.
  (func $f16 (param $h i32) (result f32)
    (local $m i32) (local $f f32)
    (local.set $m (i32.and (local.get $h) (i32.const 0x7fff)))
    (local.set $f (f32.mul (f32.reinterpret_i32 (i32.shl (local.get $m) (i32.const 13))) (f32.const 0x1p112)))
    (if (i32.ge_u (local.get $m) (i32.const 0x7c00)) (then
      (local.set $f (f32.reinterpret_i32 (i32.or (i32.shl (local.get $m) (i32.const 13)) (i32.const 0x7f800000))))))
    (f32.copysign (local.get $f) (f32.reinterpret_i32 (i32.shl (local.get $h) (i32.const 16)))))

  ;; Σ of the 4 lanes
  (func $hsum (param $v v128) (result f32)
    (local.set $v (f32x4.add (local.get $v) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
    (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v))))

  ;; ---------------------------------------------------------------------------------------------
  ;; dot(x [K] f32, w [K] bf16): a bf16 is the top half of an f32, so widening is a shuffle that
  ;; puts each 16-bit value above 16 zero bits.
  ;; ---------------------------------------------------------------------------------------------
  (func $rowBf16 (param $x i32) (param $w i32) (param $K i32) (result f32)
    (local $k i32) (local $end8 i32) (local $h v128) (local $a0 v128) (local $a1 v128) (local $s f32)
    (local.set $end8 (i32.and (local.get $K) (i32.const -8)))
    (block $done (loop $k8
      (br_if $done (i32.ge_u (local.get $k) (local.get $end8)))
      (local.set $h (v128.load (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 1)))))
;;#if relaxed
      (local.set $a0 (f32x4.relaxed_madd (v128.load (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2))))
        (i8x16.shuffle 16 16 0 1 16 16 2 3 16 16 4 5 16 16 6 7 (local.get $h) (v128.const i32x4 0 0 0 0)) (local.get $a0)))
      (local.set $a1 (f32x4.relaxed_madd (v128.load offset=16 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2))))
        (i8x16.shuffle 16 16 8 9 16 16 10 11 16 16 12 13 16 16 14 15 (local.get $h) (v128.const i32x4 0 0 0 0)) (local.get $a1)))
;;#else
      (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2))))
        (i8x16.shuffle 16 16 0 1 16 16 2 3 16 16 4 5 16 16 6 7 (local.get $h) (v128.const i32x4 0 0 0 0)))))
      (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load offset=16 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2))))
        (i8x16.shuffle 16 16 8 9 16 16 10 11 16 16 12 13 16 16 14 15 (local.get $h) (v128.const i32x4 0 0 0 0)))))
;;#end
      (local.set $k (i32.add (local.get $k) (i32.const 8)))
      (br $k8)))
    (local.set $s (call $hsum (f32x4.add (local.get $a0) (local.get $a1))))
    (block $done (loop $k1
      (br_if $done (i32.ge_u (local.get $k) (local.get $K)))
      (local.set $s (f32.add (local.get $s)
        (f32.mul (f32.load (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2))))
                 (f32.reinterpret_i32 (i32.shl (i32.load16_u (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 1)))) (i32.const 16))))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $k1)))
    (local.get $s))

  ;; dot(x [K] f32, w [K] f16)
  (func $rowF16 (param $x i32) (param $w i32) (param $K i32) (result f32)
    (local $k i32) (local $end8 i32) (local $h v128) (local $lo v128) (local $hi v128) (local $a0 v128) (local $a1 v128) (local $s f32)
    (local.set $end8 (i32.and (local.get $K) (i32.const -8)))
    (block $done (loop $k8
      (br_if $done (i32.ge_u (local.get $k) (local.get $end8)))
      (local.set $h (v128.load (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 1)))))
      ;; widened inline (a call per 4 weights measured ~7× slower than f32: V8 does not inline it)
      (local.set $lo (i32x4.extend_low_i16x8_u (local.get $h)))
      (local.set $hi (i32x4.extend_high_i16x8_u (local.get $h)))
;;#if relaxed
      (local.set $a0 (f32x4.relaxed_madd (v128.load (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2))))
        (v128.or (f32x4.mul (i32x4.shl (v128.and (local.get $lo) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff)) (i32.const 13)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)) (v128.and (i32x4.shl (local.get $lo) (i32.const 16)) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))) (local.get $a0)))
      (local.set $a1 (f32x4.relaxed_madd (v128.load offset=16 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2))))
        (v128.or (f32x4.mul (i32x4.shl (v128.and (local.get $hi) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff)) (i32.const 13)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)) (v128.and (i32x4.shl (local.get $hi) (i32.const 16)) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))) (local.get $a1)))
;;#else
      (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2))))
        (v128.or (f32x4.mul (i32x4.shl (v128.and (local.get $lo) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff)) (i32.const 13)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)) (v128.and (i32x4.shl (local.get $lo) (i32.const 16)) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))))
      (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load offset=16 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2))))
        (v128.or (f32x4.mul (i32x4.shl (v128.and (local.get $hi) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff)) (i32.const 13)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)) (v128.and (i32x4.shl (local.get $hi) (i32.const 16)) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))))
;;#end
      (local.set $k (i32.add (local.get $k) (i32.const 8)))
      (br $k8)))
    (local.set $s (call $hsum (f32x4.add (local.get $a0) (local.get $a1))))
    (block $done (loop $k1
      (br_if $done (i32.ge_u (local.get $k) (local.get $K)))
      (local.set $s (f32.add (local.get $s)
        (f32.mul (f32.load (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2))))
                 (call $f16 (i32.load16_u (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 1))))))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $k1)))
    (local.get $s))

  ;; ---------------------------------------------------------------------------------------------
  ;; dot(activation blocks xq, Q8_0 blocks w), nb blocks each.
  ;; Activation block (40 bytes): d f32 @0, Σq i32 @4, q i8[32] @8.  Q8_0 block (34 bytes): d f16 @0, q i8[32] @2.
  ;; ---------------------------------------------------------------------------------------------
  (func $rowQ8_0 (param $xq i32) (param $w i32) (param $nb i32) (result f32)
    (local $h i32) ;; the block scale's f16 bits (converted inline: finite scales, as the quantizers write)
    (local $b i32) (local $w0 v128) (local $w1 v128) (local $a0 v128) (local $a1 v128) (local $p v128) (local $acc v128)
    (block $done (loop $block
      (br_if $done (i32.ge_u (local.get $b) (local.get $nb)))
      (local.set $w0 (v128.load offset=2 (local.get $w)))
      (local.set $w1 (v128.load offset=18 (local.get $w)))
      (local.set $a0 (v128.load offset=8 (local.get $xq)))
      (local.set $a1 (v128.load offset=24 (local.get $xq)))
;;#if relaxed
      ;; w·a = |w|·(sign(w)·a): |w| ≤ 127 is a valid 7-bit operand
      (local.set $p (i32x4.relaxed_dot_i8x16_i7x16_add_s
        (v128.bitselect (i8x16.neg (local.get $a0)) (local.get $a0) (i8x16.lt_s (local.get $w0) (v128.const i32x4 0 0 0 0)))
        (i8x16.abs (local.get $w0)) (v128.const i32x4 0 0 0 0)))
      (local.set $p (i32x4.relaxed_dot_i8x16_i7x16_add_s
        (v128.bitselect (i8x16.neg (local.get $a1)) (local.get $a1) (i8x16.lt_s (local.get $w1) (v128.const i32x4 0 0 0 0)))
        (i8x16.abs (local.get $w1)) (local.get $p)))
      (local.set $acc (f32x4.relaxed_madd (f32x4.convert_i32x4_s (local.get $p))
        (f32x4.splat (f32.mul (f32.copysign (f32.mul (f32.reinterpret_i32 (i32.shl (i32.and (local.tee $h (i32.load16_u (local.get $w))) (i32.const 0x7fff)) (i32.const 13))) (f32.const 0x1p112)) (f32.reinterpret_i32 (i32.shl (local.get $h) (i32.const 16)))) (f32.load (local.get $xq)))) (local.get $acc)))
;;#else
      (local.set $p (i32x4.add
        (i32x4.dot_i16x8_s (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $w0) (local.get $a0)) (i16x8.extmul_high_i8x16_s (local.get $w0) (local.get $a0)))
                           (v128.const i16x8 1 1 1 1 1 1 1 1))
        (i32x4.dot_i16x8_s (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $w1) (local.get $a1)) (i16x8.extmul_high_i8x16_s (local.get $w1) (local.get $a1)))
                           (v128.const i16x8 1 1 1 1 1 1 1 1))))
      (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (f32x4.convert_i32x4_s (local.get $p))
        (f32x4.splat (f32.mul (f32.copysign (f32.mul (f32.reinterpret_i32 (i32.shl (i32.and (local.tee $h (i32.load16_u (local.get $w))) (i32.const 0x7fff)) (i32.const 13))) (f32.const 0x1p112)) (f32.reinterpret_i32 (i32.shl (local.get $h) (i32.const 16)))) (f32.load (local.get $xq)))))))
;;#end
      (local.set $w (i32.add (local.get $w) (i32.const 34)))
      (local.set $xq (i32.add (local.get $xq) (i32.const 40)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $block)))
    (call $hsum (local.get $acc)))

  ;; dot(activation blocks xq, Q4_0 blocks w). Q4_0 block (18 bytes): d f16 @0, then 16 bytes of
  ;; nibbles n: byte j holds element j (low 4 bits) and element j+16 (high 4 bits); w = d·(n − 8).
  ;; Σ q·(n − 8) = Σ q·n − 8·Σq, the correction taken from the activation block.
  (func $rowQ4_0 (param $xq i32) (param $w i32) (param $nb i32) (result f32)
    (local $h i32) ;; the block scale's f16 bits (converted inline: finite scales, as the quantizers write)
    (local $b i32) (local $v v128) (local $lo v128) (local $hi v128) (local $a0 v128) (local $a1 v128) (local $p v128) (local $acc v128)
    (block $done (loop $block
      (br_if $done (i32.ge_u (local.get $b) (local.get $nb)))
      (local.set $v (v128.load offset=2 (local.get $w)))
      (local.set $lo (v128.and (local.get $v) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
      (local.set $hi (i8x16.shr_u (local.get $v) (i32.const 4)))
      (local.set $a0 (v128.load offset=8 (local.get $xq)))
      (local.set $a1 (v128.load offset=24 (local.get $xq)))
      ;; p lane 0 starts at −8·Σq
      (local.set $p (i32x4.replace_lane 0 (v128.const i32x4 0 0 0 0) (i32.mul (i32.load offset=4 (local.get $xq)) (i32.const -8))))
;;#if relaxed
      (local.set $p (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get $a0) (local.get $lo) (local.get $p)))
      (local.set $p (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get $a1) (local.get $hi) (local.get $p)))
      (local.set $acc (f32x4.relaxed_madd (f32x4.convert_i32x4_s (local.get $p))
        (f32x4.splat (f32.mul (f32.copysign (f32.mul (f32.reinterpret_i32 (i32.shl (i32.and (local.tee $h (i32.load16_u (local.get $w))) (i32.const 0x7fff)) (i32.const 13))) (f32.const 0x1p112)) (f32.reinterpret_i32 (i32.shl (local.get $h) (i32.const 16)))) (f32.load (local.get $xq)))) (local.get $acc)))
;;#else
      (local.set $p (i32x4.add (local.get $p) (i32x4.add
        (i32x4.dot_i16x8_s (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $lo) (local.get $a0)) (i16x8.extmul_high_i8x16_s (local.get $lo) (local.get $a0)))
                           (v128.const i16x8 1 1 1 1 1 1 1 1))
        (i32x4.dot_i16x8_s (i16x8.add (i16x8.extmul_low_i8x16_s (local.get $hi) (local.get $a1)) (i16x8.extmul_high_i8x16_s (local.get $hi) (local.get $a1)))
                           (v128.const i16x8 1 1 1 1 1 1 1 1)))))
      (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (f32x4.convert_i32x4_s (local.get $p))
        (f32x4.splat (f32.mul (f32.copysign (f32.mul (f32.reinterpret_i32 (i32.shl (i32.and (local.tee $h (i32.load16_u (local.get $w))) (i32.const 0x7fff)) (i32.const 13))) (f32.const 0x1p112)) (f32.reinterpret_i32 (i32.shl (local.get $h) (i32.const 16)))) (f32.load (local.get $xq)))))))
;;#end
      (local.set $w (i32.add (local.get $w) (i32.const 18)))
      (local.set $xq (i32.add (local.get $xq) (i32.const 40)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $block)))
    (call $hsum (local.get $acc)))

  ;; ---------------------------------------------------------------------------------------------
  ;; The exports: every W row r (bytes rowB apart) against every activation row m (xB apart).
  ;; ---------------------------------------------------------------------------------------------
  (func (export "dotBf16") (param $x i32) (param $M i32) (param $K i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32)
    (local $r i32) (local $m i32)
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $m (i32.const 0))
      (block $mDone (loop $mLoop
        (br_if $mDone (i32.ge_u (local.get $m) (local.get $M)))
        (f32.store (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $m) (local.get $ldo)) (local.get $r)) (i32.const 2)))
          (call $rowBf16 (i32.add (local.get $x) (i32.shl (i32.mul (local.get $m) (local.get $K)) (i32.const 2)))
            (i32.add (local.get $w) (i32.shl (i32.mul (local.get $r) (local.get $K)) (i32.const 1))) (local.get $K)))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $mLoop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  (func (export "dotF16") (param $x i32) (param $M i32) (param $K i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32)
    (local $r i32) (local $m i32)
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $m (i32.const 0))
      (block $mDone (loop $mLoop
        (br_if $mDone (i32.ge_u (local.get $m) (local.get $M)))
        (f32.store (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $m) (local.get $ldo)) (local.get $r)) (i32.const 2)))
          (call $rowF16 (i32.add (local.get $x) (i32.shl (i32.mul (local.get $m) (local.get $K)) (i32.const 2)))
            (i32.add (local.get $w) (i32.shl (i32.mul (local.get $r) (local.get $K)) (i32.const 1))) (local.get $K)))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $mLoop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  (func (export "dotQ8_0") (param $xq i32) (param $M i32) (param $nb i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32)
    (local $r i32) (local $m i32)
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $m (i32.const 0))
      (block $mDone (loop $mLoop
        (br_if $mDone (i32.ge_u (local.get $m) (local.get $M)))
        (f32.store (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $m) (local.get $ldo)) (local.get $r)) (i32.const 2)))
          (call $rowQ8_0 (i32.add (local.get $xq) (i32.mul (i32.mul (local.get $m) (local.get $nb)) (i32.const 40)))
            (i32.add (local.get $w) (i32.mul (i32.mul (local.get $r) (local.get $nb)) (i32.const 34))) (local.get $nb)))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $mLoop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  (func (export "dotQ4_0") (param $xq i32) (param $M i32) (param $nb i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32)
    (local $r i32) (local $m i32)
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $m (i32.const 0))
      (block $mDone (loop $mLoop
        (br_if $mDone (i32.ge_u (local.get $m) (local.get $M)))
        (f32.store (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $m) (local.get $ldo)) (local.get $r)) (i32.const 2)))
          (call $rowQ4_0 (i32.add (local.get $xq) (i32.mul (i32.mul (local.get $m) (local.get $nb)) (i32.const 40)))
            (i32.add (local.get $w) (i32.mul (i32.mul (local.get $r) (local.get $nb)) (i32.const 18))) (local.get $nb)))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $mLoop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  ;; ---------------------------------------------------------------------------------------------
  ;; quantizeActs: x f32 [M, K] → M rows of nb = ⌈K/32⌉ activation blocks at xq (40 bytes each):
  ;; d = max|x|/127, q = round-half-even(x/d) (0 where d = 0), Σq; past K the block is zeros.
  ;; One block at a time, scalar: this is O(M·K) next to the product's O(M·K·N).
  ;; ---------------------------------------------------------------------------------------------
  (func (export "quantizeActs") (param $x i32) (param $M i32) (param $K i32) (param $xq i32)
    (local $m i32) (local $k0 i32) (local $j i32) (local $n i32) (local $amax f32) (local $d f32) (local $id f32)
    (local $q i32) (local $sum i32) (local $row i32)
    (block $done (loop $rowLoop
      (br_if $done (i32.ge_u (local.get $m) (local.get $M)))
      (local.set $row (i32.add (local.get $x) (i32.shl (i32.mul (local.get $m) (local.get $K)) (i32.const 2))))
      (local.set $k0 (i32.const 0))
      (block $rowDone (loop $block
        (br_if $rowDone (i32.ge_u (local.get $k0) (local.get $K)))
        ;; n = valid elements in this block
        (local.set $n (select (i32.const 32) (i32.sub (local.get $K) (local.get $k0)) (i32.le_u (i32.add (local.get $k0) (i32.const 32)) (local.get $K))))
        (local.set $amax (f32.const 0))
        (local.set $j (i32.const 0))
        (block $e (loop $max
          (br_if $e (i32.ge_u (local.get $j) (local.get $n)))
          (local.set $amax (f32.max (local.get $amax) (f32.abs (f32.load (i32.add (local.get $row) (i32.shl (i32.add (local.get $k0) (local.get $j)) (i32.const 2)))))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $max)))
        (local.set $d (f32.div (local.get $amax) (f32.const 127)))
        (local.set $id (select (f32.div (f32.const 1) (local.get $d)) (f32.const 0) (f32.ne (local.get $d) (f32.const 0))))
        (local.set $sum (i32.const 0))
        (local.set $j (i32.const 0))
        (block $e (loop $quant
          (br_if $e (i32.ge_u (local.get $j) (i32.const 32)))
          (local.set $q (i32.const 0))
          (if (i32.lt_u (local.get $j) (local.get $n)) (then
            (local.set $q (i32.trunc_sat_f32_s (f32.nearest (f32.mul (local.get $id)
              (f32.load (i32.add (local.get $row) (i32.shl (i32.add (local.get $k0) (local.get $j)) (i32.const 2))))))))))
          (i32.store8 offset=8 (i32.add (local.get $xq) (local.get $j)) (local.get $q))
          (local.set $sum (i32.add (local.get $sum) (local.get $q)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $quant)))
        (f32.store (local.get $xq) (local.get $d))
        (i32.store offset=4 (local.get $xq) (local.get $sum))
        (local.set $xq (i32.add (local.get $xq) (i32.const 40)))
        (local.set $k0 (i32.add (local.get $k0) (i32.const 32)))
        (br $block)))
      (local.set $m (i32.add (local.get $m) (i32.const 1)))
      (br $rowLoop))))
)
