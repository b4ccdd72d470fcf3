;; compact.wat: products with weights kept compact (BF16, F16, Q8_0, Q4_0), for @mini/tensor.
;; The byte layouts are documented in src/compact/blocks.ts (Q8_0 / Q4_0: llama.cpp's blocks of
;; 32 weights, one f16 scale each; a row whose length is not a multiple of 32 ends in a block
;; zero-padded past K). The JS side (splitting across the kernel pool) is src/compact/matmul.ts;
;; the reference loops are src/compact/matmul.reference.ts.
;;
;; Every dot* export computes, for r < rows and m < M:
;;     out[m·ldo + r] = Σ_k x[m, k] · W[r, k]
;; Addresses are BYTE addresses into the shared memory of heap.ts.
;;
;; BF16 / F16 (x f32): one W row at a time, widened to f32 in registers, used against all M rows
;; of x while it sits in L1. (Prefill, M > 1, widens panels of W once and runs gemm.wat instead:
;; src/compact/matmul.ts.)
;; Q8_0 / Q4_0: the activations are quantized once per call by quantizeActs16 into 16-bit blocks
;; (d·q, |q| ≤ 127), and four W rows at a time are multiplied as integers with
;; i32x4.dot_i16x8_s (see dotQ8_0 below). The relaxed-SIMD variant differs only in the bf16 / f16
;; row-dots (f32x4.relaxed_madd): the integer products are the same SIMD128 code in both, so
;; Node 20's wrong i32x4.relaxed_dot_i8x16_i7x16_add_s (relaxed-probe.ts) is never used.
;; quantizeActs (8-bit blocks with Σq) serves kquant-style products that read the stored bytes as is.

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
  ;; dot(x [K] f32, w [K] bf16 / f16): 16 weights an iteration into four f32x4 accumulators (four
  ;; independent add chains), then 8, then one at a time. Widening: each 16-bit half unpacked above
  ;; 16 zero bits (one punpcklwd / punpckhwd: V8 matches this operand order of the shuffle), which
  ;; is the bf16 value; for f16 then shifted right 3 as signed, the sign's copies in bits 28–30
  ;; masked off and multiplied by 2^112 (exact for finite halves; the f16 encoder refuses inf/NaN).
  ;; Written inline: V8 does not inline small WASM functions (a call per 4 weights was ~7× slower).
  ;; ---------------------------------------------------------------------------------------------
  (func $rowBf16 (param $x i32) (param $w i32) (param $K i32) (result f32)
    (local $k i32) (local $h v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $s f32)
    (block $done (loop $k16
      (br_if $done (i32.gt_u (i32.add (local.get $k) (i32.const 16)) (local.get $K)))
      (local.set $h (v128.load offset=0 (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 1)))))
;;#if relaxed
      (local.set $a0 (f32x4.relaxed_madd (v128.load offset=0 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h)) (local.get $a0)))
      (local.set $a1 (f32x4.relaxed_madd (v128.load offset=16 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h)) (local.get $a1)))
;;#else
      (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load offset=0 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h)))))
      (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load offset=16 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h)))))
;;#end
      (local.set $h (v128.load offset=16 (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 1)))))
;;#if relaxed
      (local.set $a2 (f32x4.relaxed_madd (v128.load offset=32 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h)) (local.get $a2)))
      (local.set $a3 (f32x4.relaxed_madd (v128.load offset=48 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h)) (local.get $a3)))
;;#else
      (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load offset=32 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h)))))
      (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.load offset=48 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h)))))
;;#end
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br $k16)))
    (if (i32.le_u (i32.add (local.get $k) (i32.const 8)) (local.get $K)) (then
      (local.set $h (v128.load offset=0 (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 1)))))
;;#if relaxed
      (local.set $a0 (f32x4.relaxed_madd (v128.load offset=0 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h)) (local.get $a0)))
      (local.set $a1 (f32x4.relaxed_madd (v128.load offset=16 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h)) (local.get $a1)))
;;#else
      (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load offset=0 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h)))))
      (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load offset=16 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h)))))
;;#end
      (local.set $k (i32.add (local.get $k) (i32.const 8)))))
    (local.set $s (call $hsum (f32x4.add (f32x4.add (local.get $a0) (local.get $a2)) (f32x4.add (local.get $a1) (local.get $a3)))))
    (block $done (loop $k1
      (br_if $done (i32.ge_u (local.get $k) (local.get $K)))
      (local.set $s (f32.add (local.get $s)
        (f32.mul (f32.load (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (f32.reinterpret_i32 (i32.shl (i32.load16_u (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 1)))) (i32.const 16))))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $k1)))
    (local.get $s))

  (func $rowF16 (param $x i32) (param $w i32) (param $K i32) (result f32)
    (local $k i32) (local $h v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $s f32)
    (block $done (loop $k16
      (br_if $done (i32.gt_u (i32.add (local.get $k) (i32.const 16)) (local.get $K)))
      (local.set $h (v128.load offset=0 (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 1)))))
;;#if relaxed
      (local.set $a0 (f32x4.relaxed_madd (v128.load offset=0 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)) (local.get $a0)))
      (local.set $a1 (f32x4.relaxed_madd (v128.load offset=16 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)) (local.get $a1)))
;;#else
      (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load offset=0 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)))))
      (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load offset=16 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)))))
;;#end
      (local.set $h (v128.load offset=16 (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 1)))))
;;#if relaxed
      (local.set $a2 (f32x4.relaxed_madd (v128.load offset=32 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)) (local.get $a2)))
      (local.set $a3 (f32x4.relaxed_madd (v128.load offset=48 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)) (local.get $a3)))
;;#else
      (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load offset=32 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)))))
      (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.load offset=48 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)))))
;;#end
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br $k16)))
    (if (i32.le_u (i32.add (local.get $k) (i32.const 8)) (local.get $K)) (then
      (local.set $h (v128.load offset=0 (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 1)))))
;;#if relaxed
      (local.set $a0 (f32x4.relaxed_madd (v128.load offset=0 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)) (local.get $a0)))
      (local.set $a1 (f32x4.relaxed_madd (v128.load offset=16 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)) (local.get $a1)))
;;#else
      (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load offset=0 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)))))
      (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load offset=16 (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)))))
;;#end
      (local.set $k (i32.add (local.get $k) (i32.const 8)))))
    (local.set $s (call $hsum (f32x4.add (f32x4.add (local.get $a0) (local.get $a2)) (f32x4.add (local.get $a1) (local.get $a3)))))
    (block $done (loop $k1
      (br_if $done (i32.ge_u (local.get $k) (local.get $K)))
      (local.set $s (f32.add (local.get $s)
        (f32.mul (f32.load (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))) (call $f16 (i32.load16_u (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 1))))))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $k1)))
    (local.get $s))

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

  ;; ---------------------------------------------------------------------------------------------
  ;; dotQ8_0 / dotQ4_0: activations from quantizeActs16 (q i16 [M][nb][32] at xq, d f32 [M][nb] at xd)
  ;; against Q8_0 blocks (34 bytes: d f16 @0, q i8[32] @2) or Q4_0 blocks (18 bytes: d f16 @0,
  ;; nibbles @2: byte j holds element j low and element j+16 high, w = d·(n − 8)).
  ;; Four W rows at a time against one activation row (the activation loads and the f16 scales'
  ;; widening shared): per block each row's weights are sign-extended to i16 (v128.load8x8_s; Q4_0:
  ;; mask, shift, −8) and multiplied with i32x4.dot_i16x8_s, the 4 rows' lane sums transposed into
  ;; one i32x4 (exact), converted once, scaled by d_w·d_x and added to acc (lane R = row R).
  ;; So per row and block: acc += f32(Σ_j q_w·q_x) · f32(d_w·d_x), blocks in order: the same
  ;; float operations whatever M, the row's place in its group of 4 or the thread, and exactly
  ;; what matmul.reference.ts's compactMatmulF32 computes. Weight rows stay in L1 across the M
  ;; activation rows (prefill); past the last row the group repeats it and does not store it.
  ;; ---------------------------------------------------------------------------------------------
  (func (export "dotQ8_0") (param $xq i32) (param $xd i32) (param $M i32) (param $nb i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32)
    (local $rb i32) (local $last i32) (local $pf i32) (local $lim i32) (local $t i32) (local $r i32) (local $m i32) (local $b i32)
    (local $q i32) (local $qs i32) (local $d i32) (local $ds i32) (local $o i32)
    (local $b0 i32) (local $b1 i32) (local $b2 i32) (local $b3 i32) (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local $h v128) (local $f v128) (local $acc v128) (local $acc2 v128)
    (local.set $rb (i32.mul (local.get $nb) (i32.const 34)))
    (local.set $last (i32.sub (local.get $rows) (i32.const 1)))
    ;; the next activation row's blocks and scales: nb·64 and nb·4 bytes on
    (local.set $qs (i32.shl (local.get $nb) (i32.const 6)))
    (local.set $ds (i32.shl (local.get $nb) (i32.const 2)))
    ;; lim: the last touch address whose +128 stays inside W (or 0 for a W under 129 bytes)
    (local.set $lim (i32.sub (i32.add (local.get $w) (i32.mul (local.get $rows) (local.get $rb))) (i32.const 129)))
    (local.set $lim (select (local.get $lim) (i32.const 0) (i32.ge_s (local.get $lim) (local.get $w))))
    (block $done (loop $rowGroup
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      ;; rows r … r+3 (past the last row: the last row again, not stored)
      (local.set $b0 (i32.add (local.get $w) (i32.mul (local.get $r) (local.get $rb))))
      (local.set $b1 (i32.add (local.get $w) (i32.mul (select (i32.add (local.get $r) (i32.const 1)) (local.get $last) (i32.lt_u (i32.add (local.get $r) (i32.const 1)) (local.get $rows))) (local.get $rb))))
      (local.set $b2 (i32.add (local.get $w) (i32.mul (select (i32.add (local.get $r) (i32.const 2)) (local.get $last) (i32.lt_u (i32.add (local.get $r) (i32.const 2)) (local.get $rows))) (local.get $rb))))
      (local.set $b3 (i32.add (local.get $w) (i32.mul (select (i32.add (local.get $r) (i32.const 3)) (local.get $last) (i32.lt_u (i32.add (local.get $r) (i32.const 3)) (local.get $rows))) (local.get $rb))))
      (local.set $m (i32.const 0))
      ;; activation rows two at a time (weights loaded and widened once for both), then one
      (block $pairsDone (loop $pairs
        (br_if $pairsDone (i32.gt_u (i32.add (local.get $m) (i32.const 2)) (local.get $M)))
        (local.set $p0 (local.get $b0)) (local.set $p1 (local.get $b1)) (local.set $p2 (local.get $b2)) (local.set $p3 (local.get $b3))
        (local.set $q (i32.add (local.get $xq) (i32.shl (i32.mul (local.get $m) (local.get $nb)) (i32.const 6))))
        (local.set $d (i32.add (local.get $xd) (i32.shl (i32.mul (local.get $m) (local.get $nb)) (i32.const 2))))
        (local.set $pf (i32.add (local.get $w) (i32.mul (i32.add (local.get $r) (i32.const 4)) (local.get $rb))))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $acc2 (v128.const i32x4 0 0 0 0))
        (local.set $b (i32.const 0))
        (block $bDone (loop $block
          (br_if $bDone (i32.ge_u (local.get $b) (local.get $nb)))
          ;; touch the next group's bytes in address order (pf ≤ lim): the four interleaved row
          ;; streams alone are not recognised by the hardware prefetchers (out of cache they ran at
          ;; under half the speed of one stream)
          (local.set $t (select (local.get $pf) (local.get $lim) (i32.lt_s (local.get $pf) (local.get $lim))))
          (drop (i32.load8_u (local.get $t)))
          (drop (i32.load8_u offset=64 (local.get $t)))
          (drop (i32.load8_u offset=128 (local.get $t)))
          (local.set $pf (i32.add (local.get $pf) (i32.const 136)))
          (local.set $a0 (v128.load offset=0 (local.get $q))) (local.set $a1 (v128.load offset=16 (local.get $q))) (local.set $a2 (v128.load offset=32 (local.get $q))) (local.set $a3 (v128.load offset=48 (local.get $q)))
          (local.set $x0 (v128.load offset=0 (i32.add (local.get $q) (local.get $qs)))) (local.set $x1 (v128.load offset=16 (i32.add (local.get $q) (local.get $qs)))) (local.set $x2 (v128.load offset=32 (i32.add (local.get $q) (local.get $qs)))) (local.set $x3 (v128.load offset=48 (i32.add (local.get $q) (local.get $qs))))
          ;; sR (tR): row R's 32 products with activation row m (m+1) in 4 i32 lanes (exact)
          (local.set $v0 (v128.load8x8_s offset=2 (local.get $p0)))
          (local.set $v1 (v128.load8x8_s offset=10 (local.get $p0)))
          (local.set $v2 (v128.load8x8_s offset=18 (local.get $p0)))
          (local.set $v3 (v128.load8x8_s offset=26 (local.get $p0)))
          (local.set $s0 (i32x4.add (i32x4.add (i32x4.dot_i16x8_s (local.get $v0) (local.get $a0)) (i32x4.dot_i16x8_s (local.get $v1) (local.get $a1)))
                               (i32x4.add (i32x4.dot_i16x8_s (local.get $v2) (local.get $a2)) (i32x4.dot_i16x8_s (local.get $v3) (local.get $a3)))))
          (local.set $t0 (i32x4.add (i32x4.add (i32x4.dot_i16x8_s (local.get $v0) (local.get $x0)) (i32x4.dot_i16x8_s (local.get $v1) (local.get $x1)))
                               (i32x4.add (i32x4.dot_i16x8_s (local.get $v2) (local.get $x2)) (i32x4.dot_i16x8_s (local.get $v3) (local.get $x3)))))
          (local.set $v0 (v128.load8x8_s offset=2 (local.get $p1)))
          (local.set $v1 (v128.load8x8_s offset=10 (local.get $p1)))
          (local.set $v2 (v128.load8x8_s offset=18 (local.get $p1)))
          (local.set $v3 (v128.load8x8_s offset=26 (local.get $p1)))
          (local.set $s1 (i32x4.add (i32x4.add (i32x4.dot_i16x8_s (local.get $v0) (local.get $a0)) (i32x4.dot_i16x8_s (local.get $v1) (local.get $a1)))
                               (i32x4.add (i32x4.dot_i16x8_s (local.get $v2) (local.get $a2)) (i32x4.dot_i16x8_s (local.get $v3) (local.get $a3)))))
          (local.set $t1 (i32x4.add (i32x4.add (i32x4.dot_i16x8_s (local.get $v0) (local.get $x0)) (i32x4.dot_i16x8_s (local.get $v1) (local.get $x1)))
                               (i32x4.add (i32x4.dot_i16x8_s (local.get $v2) (local.get $x2)) (i32x4.dot_i16x8_s (local.get $v3) (local.get $x3)))))
          (local.set $v0 (v128.load8x8_s offset=2 (local.get $p2)))
          (local.set $v1 (v128.load8x8_s offset=10 (local.get $p2)))
          (local.set $v2 (v128.load8x8_s offset=18 (local.get $p2)))
          (local.set $v3 (v128.load8x8_s offset=26 (local.get $p2)))
          (local.set $s2 (i32x4.add (i32x4.add (i32x4.dot_i16x8_s (local.get $v0) (local.get $a0)) (i32x4.dot_i16x8_s (local.get $v1) (local.get $a1)))
                               (i32x4.add (i32x4.dot_i16x8_s (local.get $v2) (local.get $a2)) (i32x4.dot_i16x8_s (local.get $v3) (local.get $a3)))))
          (local.set $t2 (i32x4.add (i32x4.add (i32x4.dot_i16x8_s (local.get $v0) (local.get $x0)) (i32x4.dot_i16x8_s (local.get $v1) (local.get $x1)))
                               (i32x4.add (i32x4.dot_i16x8_s (local.get $v2) (local.get $x2)) (i32x4.dot_i16x8_s (local.get $v3) (local.get $x3)))))
          (local.set $v0 (v128.load8x8_s offset=2 (local.get $p3)))
          (local.set $v1 (v128.load8x8_s offset=10 (local.get $p3)))
          (local.set $v2 (v128.load8x8_s offset=18 (local.get $p3)))
          (local.set $v3 (v128.load8x8_s offset=26 (local.get $p3)))
          (local.set $s3 (i32x4.add (i32x4.add (i32x4.dot_i16x8_s (local.get $v0) (local.get $a0)) (i32x4.dot_i16x8_s (local.get $v1) (local.get $a1)))
                               (i32x4.add (i32x4.dot_i16x8_s (local.get $v2) (local.get $a2)) (i32x4.dot_i16x8_s (local.get $v3) (local.get $a3)))))
          (local.set $t3 (i32x4.add (i32x4.add (i32x4.dot_i16x8_s (local.get $v0) (local.get $x0)) (i32x4.dot_i16x8_s (local.get $v1) (local.get $x1)))
                               (i32x4.add (i32x4.dot_i16x8_s (local.get $v2) (local.get $x2)) (i32x4.dot_i16x8_s (local.get $v3) (local.get $x3)))))
          ;; transposed: s0 = [Σs0, Σs1, Σs2, Σs3] (|Σ| ≤ 32·127·128 < 2^24, exact in f32)
          (local.set $s0 (i32x4.add (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $s0) (local.get $s1))
                                    (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $s0) (local.get $s1))))
          (local.set $s2 (i32x4.add (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $s2) (local.get $s3))
                                    (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $s2) (local.get $s3))))
          (local.set $s0 (i32x4.add (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $s0) (local.get $s2))
                                    (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $s0) (local.get $s2))))
          (local.set $t0 (i32x4.add (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t1))
                                    (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t1))))
          (local.set $t2 (i32x4.add (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t2) (local.get $t3))
                                    (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t2) (local.get $t3))))
          (local.set $t0 (i32x4.add (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $t0) (local.get $t2))
                                    (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $t0) (local.get $t2))))
          ;; the 4 rows' f16 scales d_w (low halves of i32 lanes), widened (finite halves)
          (local.set $h (v128.load16_lane 6 (local.get $p3) (v128.load16_lane 4 (local.get $p2)
            (v128.load16_lane 2 (local.get $p1) (v128.load16_lane 0 (local.get $p0) (v128.const i32x4 0 0 0 0))))))
          (local.set $f (v128.or (f32x4.mul (i32x4.shl (v128.and (local.get $h) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff)) (i32.const 13)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112))
                                 (v128.and (i32x4.shl (local.get $h) (i32.const 16)) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))
          ;; acc += f32(Σ) · (d_w · d_x)
          (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (f32x4.convert_i32x4_s (local.get $s0)) (f32x4.mul (local.get $f) (v128.load32_splat (local.get $d))))))
          (local.set $acc2 (f32x4.add (local.get $acc2) (f32x4.mul (f32x4.convert_i32x4_s (local.get $t0)) (f32x4.mul (local.get $f) (v128.load32_splat (i32.add (local.get $d) (local.get $ds)))))))
          (local.set $p0 (i32.add (local.get $p0) (i32.const 34)))
          (local.set $p1 (i32.add (local.get $p1) (i32.const 34)))
          (local.set $p2 (i32.add (local.get $p2) (i32.const 34)))
          (local.set $p3 (i32.add (local.get $p3) (i32.const 34)))
          (local.set $q (i32.add (local.get $q) (i32.const 64)))
          (local.set $d (i32.add (local.get $d) (i32.const 4)))
          (local.set $b (i32.add (local.get $b) (i32.const 1)))
          (br $block)))
        (local.set $o (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $m) (local.get $ldo)) (local.get $r)) (i32.const 2))))
        (f32.store (local.get $o) (f32x4.extract_lane 0 (local.get $acc)))
        (if (i32.lt_u (i32.add (local.get $r) (i32.const 1)) (local.get $rows)) (then (f32.store offset=4 (local.get $o) (f32x4.extract_lane 1 (local.get $acc)))))
        (if (i32.lt_u (i32.add (local.get $r) (i32.const 2)) (local.get $rows)) (then (f32.store offset=8 (local.get $o) (f32x4.extract_lane 2 (local.get $acc)))))
        (if (i32.lt_u (i32.add (local.get $r) (i32.const 3)) (local.get $rows)) (then (f32.store offset=12 (local.get $o) (f32x4.extract_lane 3 (local.get $acc)))))
        (local.set $o (i32.add (local.get $o) (i32.shl (local.get $ldo) (i32.const 2))))
        (f32.store (local.get $o) (f32x4.extract_lane 0 (local.get $acc2)))
        (if (i32.lt_u (i32.add (local.get $r) (i32.const 1)) (local.get $rows)) (then (f32.store offset=4 (local.get $o) (f32x4.extract_lane 1 (local.get $acc2)))))
        (if (i32.lt_u (i32.add (local.get $r) (i32.const 2)) (local.get $rows)) (then (f32.store offset=8 (local.get $o) (f32x4.extract_lane 2 (local.get $acc2)))))
        (if (i32.lt_u (i32.add (local.get $r) (i32.const 3)) (local.get $rows)) (then (f32.store offset=12 (local.get $o) (f32x4.extract_lane 3 (local.get $acc2)))))
        (local.set $m (i32.add (local.get $m) (i32.const 2)))
        (br $pairs)))
      (if (i32.lt_u (local.get $m) (local.get $M)) (then
        (local.set $p0 (local.get $b0)) (local.set $p1 (local.get $b1)) (local.set $p2 (local.get $b2)) (local.set $p3 (local.get $b3))
        (local.set $q (i32.add (local.get $xq) (i32.shl (i32.mul (local.get $m) (local.get $nb)) (i32.const 6))))
        (local.set $d (i32.add (local.get $xd) (i32.shl (i32.mul (local.get $m) (local.get $nb)) (i32.const 2))))
        (local.set $pf (i32.add (local.get $w) (i32.mul (i32.add (local.get $r) (i32.const 4)) (local.get $rb))))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $acc2 (v128.const i32x4 0 0 0 0))
        (local.set $b (i32.const 0))
        (block $bDone (loop $block
          (br_if $bDone (i32.ge_u (local.get $b) (local.get $nb)))
          ;; touch the next group's bytes in address order (pf ≤ lim): the four interleaved row
          ;; streams alone are not recognised by the hardware prefetchers (out of cache they ran at
          ;; under half the speed of one stream)
          (local.set $t (select (local.get $pf) (local.get $lim) (i32.lt_s (local.get $pf) (local.get $lim))))
          (drop (i32.load8_u (local.get $t)))
          (drop (i32.load8_u offset=64 (local.get $t)))
          (drop (i32.load8_u offset=128 (local.get $t)))
          (local.set $pf (i32.add (local.get $pf) (i32.const 136)))
          (local.set $a0 (v128.load offset=0 (local.get $q))) (local.set $a1 (v128.load offset=16 (local.get $q))) (local.set $a2 (v128.load offset=32 (local.get $q))) (local.set $a3 (v128.load offset=48 (local.get $q)))
          ;; sR (tR): row R's 32 products with activation row m (m+1) in 4 i32 lanes (exact)
          (local.set $v0 (v128.load8x8_s offset=2 (local.get $p0)))
          (local.set $v1 (v128.load8x8_s offset=10 (local.get $p0)))
          (local.set $v2 (v128.load8x8_s offset=18 (local.get $p0)))
          (local.set $v3 (v128.load8x8_s offset=26 (local.get $p0)))
          (local.set $s0 (i32x4.add (i32x4.add (i32x4.dot_i16x8_s (local.get $v0) (local.get $a0)) (i32x4.dot_i16x8_s (local.get $v1) (local.get $a1)))
                               (i32x4.add (i32x4.dot_i16x8_s (local.get $v2) (local.get $a2)) (i32x4.dot_i16x8_s (local.get $v3) (local.get $a3)))))
          (local.set $v0 (v128.load8x8_s offset=2 (local.get $p1)))
          (local.set $v1 (v128.load8x8_s offset=10 (local.get $p1)))
          (local.set $v2 (v128.load8x8_s offset=18 (local.get $p1)))
          (local.set $v3 (v128.load8x8_s offset=26 (local.get $p1)))
          (local.set $s1 (i32x4.add (i32x4.add (i32x4.dot_i16x8_s (local.get $v0) (local.get $a0)) (i32x4.dot_i16x8_s (local.get $v1) (local.get $a1)))
                               (i32x4.add (i32x4.dot_i16x8_s (local.get $v2) (local.get $a2)) (i32x4.dot_i16x8_s (local.get $v3) (local.get $a3)))))
          (local.set $v0 (v128.load8x8_s offset=2 (local.get $p2)))
          (local.set $v1 (v128.load8x8_s offset=10 (local.get $p2)))
          (local.set $v2 (v128.load8x8_s offset=18 (local.get $p2)))
          (local.set $v3 (v128.load8x8_s offset=26 (local.get $p2)))
          (local.set $s2 (i32x4.add (i32x4.add (i32x4.dot_i16x8_s (local.get $v0) (local.get $a0)) (i32x4.dot_i16x8_s (local.get $v1) (local.get $a1)))
                               (i32x4.add (i32x4.dot_i16x8_s (local.get $v2) (local.get $a2)) (i32x4.dot_i16x8_s (local.get $v3) (local.get $a3)))))
          (local.set $v0 (v128.load8x8_s offset=2 (local.get $p3)))
          (local.set $v1 (v128.load8x8_s offset=10 (local.get $p3)))
          (local.set $v2 (v128.load8x8_s offset=18 (local.get $p3)))
          (local.set $v3 (v128.load8x8_s offset=26 (local.get $p3)))
          (local.set $s3 (i32x4.add (i32x4.add (i32x4.dot_i16x8_s (local.get $v0) (local.get $a0)) (i32x4.dot_i16x8_s (local.get $v1) (local.get $a1)))
                               (i32x4.add (i32x4.dot_i16x8_s (local.get $v2) (local.get $a2)) (i32x4.dot_i16x8_s (local.get $v3) (local.get $a3)))))
          ;; transposed: s0 = [Σs0, Σs1, Σs2, Σs3] (|Σ| ≤ 32·127·128 < 2^24, exact in f32)
          (local.set $s0 (i32x4.add (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $s0) (local.get $s1))
                                    (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $s0) (local.get $s1))))
          (local.set $s2 (i32x4.add (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $s2) (local.get $s3))
                                    (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $s2) (local.get $s3))))
          (local.set $s0 (i32x4.add (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $s0) (local.get $s2))
                                    (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $s0) (local.get $s2))))
          ;; the 4 rows' f16 scales d_w (low halves of i32 lanes), widened (finite halves)
          (local.set $h (v128.load16_lane 6 (local.get $p3) (v128.load16_lane 4 (local.get $p2)
            (v128.load16_lane 2 (local.get $p1) (v128.load16_lane 0 (local.get $p0) (v128.const i32x4 0 0 0 0))))))
          (local.set $f (v128.or (f32x4.mul (i32x4.shl (v128.and (local.get $h) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff)) (i32.const 13)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112))
                                 (v128.and (i32x4.shl (local.get $h) (i32.const 16)) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))
          ;; acc += f32(Σ) · (d_w · d_x)
          (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (f32x4.convert_i32x4_s (local.get $s0)) (f32x4.mul (local.get $f) (v128.load32_splat (local.get $d))))))
          (local.set $p0 (i32.add (local.get $p0) (i32.const 34)))
          (local.set $p1 (i32.add (local.get $p1) (i32.const 34)))
          (local.set $p2 (i32.add (local.get $p2) (i32.const 34)))
          (local.set $p3 (i32.add (local.get $p3) (i32.const 34)))
          (local.set $q (i32.add (local.get $q) (i32.const 64)))
          (local.set $d (i32.add (local.get $d) (i32.const 4)))
          (local.set $b (i32.add (local.get $b) (i32.const 1)))
          (br $block)))
        (local.set $o (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $m) (local.get $ldo)) (local.get $r)) (i32.const 2))))
        (f32.store (local.get $o) (f32x4.extract_lane 0 (local.get $acc)))
        (if (i32.lt_u (i32.add (local.get $r) (i32.const 1)) (local.get $rows)) (then (f32.store offset=4 (local.get $o) (f32x4.extract_lane 1 (local.get $acc)))))
        (if (i32.lt_u (i32.add (local.get $r) (i32.const 2)) (local.get $rows)) (then (f32.store offset=8 (local.get $o) (f32x4.extract_lane 2 (local.get $acc)))))
        (if (i32.lt_u (i32.add (local.get $r) (i32.const 3)) (local.get $rows)) (then (f32.store offset=12 (local.get $o) (f32x4.extract_lane 3 (local.get $acc)))))))
      (local.set $r (i32.add (local.get $r) (i32.const 4)))
      (br $rowGroup))))

  (func (export "dotQ4_0") (param $xq i32) (param $xd i32) (param $M i32) (param $nb i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32)
    (local $rb i32) (local $last i32) (local $pf i32) (local $lim i32) (local $t i32) (local $r i32) (local $m i32) (local $b i32)
    (local $q i32) (local $qs i32) (local $d i32) (local $ds i32) (local $o i32)
    (local $b0 i32) (local $b1 i32) (local $b2 i32) (local $b3 i32) (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local $h v128) (local $f v128) (local $acc v128) (local $acc2 v128)
    (local $v v128) (local $lo v128) (local $hi v128) (local $c15 v128) (local $c8 v128)
    (local.set $rb (i32.mul (local.get $nb) (i32.const 18)))
    (local.set $last (i32.sub (local.get $rows) (i32.const 1)))
    ;; the next activation row's blocks and scales: nb·64 and nb·4 bytes on
    (local.set $qs (i32.shl (local.get $nb) (i32.const 6)))
    (local.set $ds (i32.shl (local.get $nb) (i32.const 2)))
    ;; lim: the last touch address whose +128 stays inside W (or 0 for a W under 129 bytes)
    (local.set $lim (i32.sub (i32.add (local.get $w) (i32.mul (local.get $rows) (local.get $rb))) (i32.const 129)))
    (local.set $lim (select (local.get $lim) (i32.const 0) (i32.ge_s (local.get $lim) (local.get $w))))
    (local.set $c15 (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))
    (local.set $c8 (v128.const i8x16 8 8 8 8 8 8 8 8 8 8 8 8 8 8 8 8))
    (block $done (loop $rowGroup
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      ;; rows r … r+3 (past the last row: the last row again, not stored)
      (local.set $b0 (i32.add (local.get $w) (i32.mul (local.get $r) (local.get $rb))))
      (local.set $b1 (i32.add (local.get $w) (i32.mul (select (i32.add (local.get $r) (i32.const 1)) (local.get $last) (i32.lt_u (i32.add (local.get $r) (i32.const 1)) (local.get $rows))) (local.get $rb))))
      (local.set $b2 (i32.add (local.get $w) (i32.mul (select (i32.add (local.get $r) (i32.const 2)) (local.get $last) (i32.lt_u (i32.add (local.get $r) (i32.const 2)) (local.get $rows))) (local.get $rb))))
      (local.set $b3 (i32.add (local.get $w) (i32.mul (select (i32.add (local.get $r) (i32.const 3)) (local.get $last) (i32.lt_u (i32.add (local.get $r) (i32.const 3)) (local.get $rows))) (local.get $rb))))
      (local.set $m (i32.const 0))
      ;; activation rows two at a time (weights loaded and widened once for both), then one
      (block $pairsDone (loop $pairs
        (br_if $pairsDone (i32.gt_u (i32.add (local.get $m) (i32.const 2)) (local.get $M)))
        (local.set $p0 (local.get $b0)) (local.set $p1 (local.get $b1)) (local.set $p2 (local.get $b2)) (local.set $p3 (local.get $b3))
        (local.set $q (i32.add (local.get $xq) (i32.shl (i32.mul (local.get $m) (local.get $nb)) (i32.const 6))))
        (local.set $d (i32.add (local.get $xd) (i32.shl (i32.mul (local.get $m) (local.get $nb)) (i32.const 2))))
        (local.set $pf (i32.add (local.get $w) (i32.mul (i32.add (local.get $r) (i32.const 4)) (local.get $rb))))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $acc2 (v128.const i32x4 0 0 0 0))
        (local.set $b (i32.const 0))
        (block $bDone (loop $block
          (br_if $bDone (i32.ge_u (local.get $b) (local.get $nb)))
          ;; touch the next group's bytes in address order (pf ≤ lim): the four interleaved row
          ;; streams alone are not recognised by the hardware prefetchers (out of cache they ran at
          ;; under half the speed of one stream)
          (local.set $t (select (local.get $pf) (local.get $lim) (i32.lt_s (local.get $pf) (local.get $lim))))
          (drop (i32.load8_u (local.get $t)))
          (drop (i32.load8_u offset=64 (local.get $t)))
          (drop (i32.load8_u offset=128 (local.get $t)))
          (local.set $pf (i32.add (local.get $pf) (i32.const 72)))
          (local.set $a0 (v128.load offset=0 (local.get $q))) (local.set $a1 (v128.load offset=16 (local.get $q))) (local.set $a2 (v128.load offset=32 (local.get $q))) (local.set $a3 (v128.load offset=48 (local.get $q)))
          (local.set $x0 (v128.load offset=0 (i32.add (local.get $q) (local.get $qs)))) (local.set $x1 (v128.load offset=16 (i32.add (local.get $q) (local.get $qs)))) (local.set $x2 (v128.load offset=32 (i32.add (local.get $q) (local.get $qs)))) (local.set $x3 (v128.load offset=48 (i32.add (local.get $q) (local.get $qs))))
          ;; sR (tR): row R's 32 products with activation row m (m+1) in 4 i32 lanes (exact)
          (local.set $v (v128.load offset=2 (local.get $p0)))
          (local.set $lo (i8x16.sub (v128.and (local.get $v) (local.get $c15)) (local.get $c8)))
          (local.set $hi (i8x16.sub (v128.and (i16x8.shr_u (local.get $v) (i32.const 4)) (local.get $c15)) (local.get $c8)))
          (local.set $v0 (i16x8.extend_low_i8x16_s (local.get $lo)))
          (local.set $v1 (i16x8.extend_high_i8x16_s (local.get $lo)))
          (local.set $v2 (i16x8.extend_low_i8x16_s (local.get $hi)))
          (local.set $v3 (i16x8.extend_high_i8x16_s (local.get $hi)))
          (local.set $s0 (i32x4.add (i32x4.add (i32x4.dot_i16x8_s (local.get $v0) (local.get $a0)) (i32x4.dot_i16x8_s (local.get $v1) (local.get $a1)))
                               (i32x4.add (i32x4.dot_i16x8_s (local.get $v2) (local.get $a2)) (i32x4.dot_i16x8_s (local.get $v3) (local.get $a3)))))
          (local.set $t0 (i32x4.add (i32x4.add (i32x4.dot_i16x8_s (local.get $v0) (local.get $x0)) (i32x4.dot_i16x8_s (local.get $v1) (local.get $x1)))
                               (i32x4.add (i32x4.dot_i16x8_s (local.get $v2) (local.get $x2)) (i32x4.dot_i16x8_s (local.get $v3) (local.get $x3)))))
          (local.set $v (v128.load offset=2 (local.get $p1)))
          (local.set $lo (i8x16.sub (v128.and (local.get $v) (local.get $c15)) (local.get $c8)))
          (local.set $hi (i8x16.sub (v128.and (i16x8.shr_u (local.get $v) (i32.const 4)) (local.get $c15)) (local.get $c8)))
          (local.set $v0 (i16x8.extend_low_i8x16_s (local.get $lo)))
          (local.set $v1 (i16x8.extend_high_i8x16_s (local.get $lo)))
          (local.set $v2 (i16x8.extend_low_i8x16_s (local.get $hi)))
          (local.set $v3 (i16x8.extend_high_i8x16_s (local.get $hi)))
          (local.set $s1 (i32x4.add (i32x4.add (i32x4.dot_i16x8_s (local.get $v0) (local.get $a0)) (i32x4.dot_i16x8_s (local.get $v1) (local.get $a1)))
                               (i32x4.add (i32x4.dot_i16x8_s (local.get $v2) (local.get $a2)) (i32x4.dot_i16x8_s (local.get $v3) (local.get $a3)))))
          (local.set $t1 (i32x4.add (i32x4.add (i32x4.dot_i16x8_s (local.get $v0) (local.get $x0)) (i32x4.dot_i16x8_s (local.get $v1) (local.get $x1)))
                               (i32x4.add (i32x4.dot_i16x8_s (local.get $v2) (local.get $x2)) (i32x4.dot_i16x8_s (local.get $v3) (local.get $x3)))))
          (local.set $v (v128.load offset=2 (local.get $p2)))
          (local.set $lo (i8x16.sub (v128.and (local.get $v) (local.get $c15)) (local.get $c8)))
          (local.set $hi (i8x16.sub (v128.and (i16x8.shr_u (local.get $v) (i32.const 4)) (local.get $c15)) (local.get $c8)))
          (local.set $v0 (i16x8.extend_low_i8x16_s (local.get $lo)))
          (local.set $v1 (i16x8.extend_high_i8x16_s (local.get $lo)))
          (local.set $v2 (i16x8.extend_low_i8x16_s (local.get $hi)))
          (local.set $v3 (i16x8.extend_high_i8x16_s (local.get $hi)))
          (local.set $s2 (i32x4.add (i32x4.add (i32x4.dot_i16x8_s (local.get $v0) (local.get $a0)) (i32x4.dot_i16x8_s (local.get $v1) (local.get $a1)))
                               (i32x4.add (i32x4.dot_i16x8_s (local.get $v2) (local.get $a2)) (i32x4.dot_i16x8_s (local.get $v3) (local.get $a3)))))
          (local.set $t2 (i32x4.add (i32x4.add (i32x4.dot_i16x8_s (local.get $v0) (local.get $x0)) (i32x4.dot_i16x8_s (local.get $v1) (local.get $x1)))
                               (i32x4.add (i32x4.dot_i16x8_s (local.get $v2) (local.get $x2)) (i32x4.dot_i16x8_s (local.get $v3) (local.get $x3)))))
          (local.set $v (v128.load offset=2 (local.get $p3)))
          (local.set $lo (i8x16.sub (v128.and (local.get $v) (local.get $c15)) (local.get $c8)))
          (local.set $hi (i8x16.sub (v128.and (i16x8.shr_u (local.get $v) (i32.const 4)) (local.get $c15)) (local.get $c8)))
          (local.set $v0 (i16x8.extend_low_i8x16_s (local.get $lo)))
          (local.set $v1 (i16x8.extend_high_i8x16_s (local.get $lo)))
          (local.set $v2 (i16x8.extend_low_i8x16_s (local.get $hi)))
          (local.set $v3 (i16x8.extend_high_i8x16_s (local.get $hi)))
          (local.set $s3 (i32x4.add (i32x4.add (i32x4.dot_i16x8_s (local.get $v0) (local.get $a0)) (i32x4.dot_i16x8_s (local.get $v1) (local.get $a1)))
                               (i32x4.add (i32x4.dot_i16x8_s (local.get $v2) (local.get $a2)) (i32x4.dot_i16x8_s (local.get $v3) (local.get $a3)))))
          (local.set $t3 (i32x4.add (i32x4.add (i32x4.dot_i16x8_s (local.get $v0) (local.get $x0)) (i32x4.dot_i16x8_s (local.get $v1) (local.get $x1)))
                               (i32x4.add (i32x4.dot_i16x8_s (local.get $v2) (local.get $x2)) (i32x4.dot_i16x8_s (local.get $v3) (local.get $x3)))))
          ;; transposed: s0 = [Σs0, Σs1, Σs2, Σs3] (|Σ| ≤ 32·127·128 < 2^24, exact in f32)
          (local.set $s0 (i32x4.add (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $s0) (local.get $s1))
                                    (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $s0) (local.get $s1))))
          (local.set $s2 (i32x4.add (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $s2) (local.get $s3))
                                    (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $s2) (local.get $s3))))
          (local.set $s0 (i32x4.add (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $s0) (local.get $s2))
                                    (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $s0) (local.get $s2))))
          (local.set $t0 (i32x4.add (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t1))
                                    (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t1))))
          (local.set $t2 (i32x4.add (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t2) (local.get $t3))
                                    (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t2) (local.get $t3))))
          (local.set $t0 (i32x4.add (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $t0) (local.get $t2))
                                    (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $t0) (local.get $t2))))
          ;; the 4 rows' f16 scales d_w (low halves of i32 lanes), widened (finite halves)
          (local.set $h (v128.load16_lane 6 (local.get $p3) (v128.load16_lane 4 (local.get $p2)
            (v128.load16_lane 2 (local.get $p1) (v128.load16_lane 0 (local.get $p0) (v128.const i32x4 0 0 0 0))))))
          (local.set $f (v128.or (f32x4.mul (i32x4.shl (v128.and (local.get $h) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff)) (i32.const 13)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112))
                                 (v128.and (i32x4.shl (local.get $h) (i32.const 16)) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))
          ;; acc += f32(Σ) · (d_w · d_x)
          (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (f32x4.convert_i32x4_s (local.get $s0)) (f32x4.mul (local.get $f) (v128.load32_splat (local.get $d))))))
          (local.set $acc2 (f32x4.add (local.get $acc2) (f32x4.mul (f32x4.convert_i32x4_s (local.get $t0)) (f32x4.mul (local.get $f) (v128.load32_splat (i32.add (local.get $d) (local.get $ds)))))))
          (local.set $p0 (i32.add (local.get $p0) (i32.const 18)))
          (local.set $p1 (i32.add (local.get $p1) (i32.const 18)))
          (local.set $p2 (i32.add (local.get $p2) (i32.const 18)))
          (local.set $p3 (i32.add (local.get $p3) (i32.const 18)))
          (local.set $q (i32.add (local.get $q) (i32.const 64)))
          (local.set $d (i32.add (local.get $d) (i32.const 4)))
          (local.set $b (i32.add (local.get $b) (i32.const 1)))
          (br $block)))
        (local.set $o (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $m) (local.get $ldo)) (local.get $r)) (i32.const 2))))
        (f32.store (local.get $o) (f32x4.extract_lane 0 (local.get $acc)))
        (if (i32.lt_u (i32.add (local.get $r) (i32.const 1)) (local.get $rows)) (then (f32.store offset=4 (local.get $o) (f32x4.extract_lane 1 (local.get $acc)))))
        (if (i32.lt_u (i32.add (local.get $r) (i32.const 2)) (local.get $rows)) (then (f32.store offset=8 (local.get $o) (f32x4.extract_lane 2 (local.get $acc)))))
        (if (i32.lt_u (i32.add (local.get $r) (i32.const 3)) (local.get $rows)) (then (f32.store offset=12 (local.get $o) (f32x4.extract_lane 3 (local.get $acc)))))
        (local.set $o (i32.add (local.get $o) (i32.shl (local.get $ldo) (i32.const 2))))
        (f32.store (local.get $o) (f32x4.extract_lane 0 (local.get $acc2)))
        (if (i32.lt_u (i32.add (local.get $r) (i32.const 1)) (local.get $rows)) (then (f32.store offset=4 (local.get $o) (f32x4.extract_lane 1 (local.get $acc2)))))
        (if (i32.lt_u (i32.add (local.get $r) (i32.const 2)) (local.get $rows)) (then (f32.store offset=8 (local.get $o) (f32x4.extract_lane 2 (local.get $acc2)))))
        (if (i32.lt_u (i32.add (local.get $r) (i32.const 3)) (local.get $rows)) (then (f32.store offset=12 (local.get $o) (f32x4.extract_lane 3 (local.get $acc2)))))
        (local.set $m (i32.add (local.get $m) (i32.const 2)))
        (br $pairs)))
      (if (i32.lt_u (local.get $m) (local.get $M)) (then
        (local.set $p0 (local.get $b0)) (local.set $p1 (local.get $b1)) (local.set $p2 (local.get $b2)) (local.set $p3 (local.get $b3))
        (local.set $q (i32.add (local.get $xq) (i32.shl (i32.mul (local.get $m) (local.get $nb)) (i32.const 6))))
        (local.set $d (i32.add (local.get $xd) (i32.shl (i32.mul (local.get $m) (local.get $nb)) (i32.const 2))))
        (local.set $pf (i32.add (local.get $w) (i32.mul (i32.add (local.get $r) (i32.const 4)) (local.get $rb))))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $acc2 (v128.const i32x4 0 0 0 0))
        (local.set $b (i32.const 0))
        (block $bDone (loop $block
          (br_if $bDone (i32.ge_u (local.get $b) (local.get $nb)))
          ;; touch the next group's bytes in address order (pf ≤ lim): the four interleaved row
          ;; streams alone are not recognised by the hardware prefetchers (out of cache they ran at
          ;; under half the speed of one stream)
          (local.set $t (select (local.get $pf) (local.get $lim) (i32.lt_s (local.get $pf) (local.get $lim))))
          (drop (i32.load8_u (local.get $t)))
          (drop (i32.load8_u offset=64 (local.get $t)))
          (drop (i32.load8_u offset=128 (local.get $t)))
          (local.set $pf (i32.add (local.get $pf) (i32.const 72)))
          (local.set $a0 (v128.load offset=0 (local.get $q))) (local.set $a1 (v128.load offset=16 (local.get $q))) (local.set $a2 (v128.load offset=32 (local.get $q))) (local.set $a3 (v128.load offset=48 (local.get $q)))
          ;; sR (tR): row R's 32 products with activation row m (m+1) in 4 i32 lanes (exact)
          (local.set $v (v128.load offset=2 (local.get $p0)))
          (local.set $lo (i8x16.sub (v128.and (local.get $v) (local.get $c15)) (local.get $c8)))
          (local.set $hi (i8x16.sub (v128.and (i16x8.shr_u (local.get $v) (i32.const 4)) (local.get $c15)) (local.get $c8)))
          (local.set $v0 (i16x8.extend_low_i8x16_s (local.get $lo)))
          (local.set $v1 (i16x8.extend_high_i8x16_s (local.get $lo)))
          (local.set $v2 (i16x8.extend_low_i8x16_s (local.get $hi)))
          (local.set $v3 (i16x8.extend_high_i8x16_s (local.get $hi)))
          (local.set $s0 (i32x4.add (i32x4.add (i32x4.dot_i16x8_s (local.get $v0) (local.get $a0)) (i32x4.dot_i16x8_s (local.get $v1) (local.get $a1)))
                               (i32x4.add (i32x4.dot_i16x8_s (local.get $v2) (local.get $a2)) (i32x4.dot_i16x8_s (local.get $v3) (local.get $a3)))))
          (local.set $v (v128.load offset=2 (local.get $p1)))
          (local.set $lo (i8x16.sub (v128.and (local.get $v) (local.get $c15)) (local.get $c8)))
          (local.set $hi (i8x16.sub (v128.and (i16x8.shr_u (local.get $v) (i32.const 4)) (local.get $c15)) (local.get $c8)))
          (local.set $v0 (i16x8.extend_low_i8x16_s (local.get $lo)))
          (local.set $v1 (i16x8.extend_high_i8x16_s (local.get $lo)))
          (local.set $v2 (i16x8.extend_low_i8x16_s (local.get $hi)))
          (local.set $v3 (i16x8.extend_high_i8x16_s (local.get $hi)))
          (local.set $s1 (i32x4.add (i32x4.add (i32x4.dot_i16x8_s (local.get $v0) (local.get $a0)) (i32x4.dot_i16x8_s (local.get $v1) (local.get $a1)))
                               (i32x4.add (i32x4.dot_i16x8_s (local.get $v2) (local.get $a2)) (i32x4.dot_i16x8_s (local.get $v3) (local.get $a3)))))
          (local.set $v (v128.load offset=2 (local.get $p2)))
          (local.set $lo (i8x16.sub (v128.and (local.get $v) (local.get $c15)) (local.get $c8)))
          (local.set $hi (i8x16.sub (v128.and (i16x8.shr_u (local.get $v) (i32.const 4)) (local.get $c15)) (local.get $c8)))
          (local.set $v0 (i16x8.extend_low_i8x16_s (local.get $lo)))
          (local.set $v1 (i16x8.extend_high_i8x16_s (local.get $lo)))
          (local.set $v2 (i16x8.extend_low_i8x16_s (local.get $hi)))
          (local.set $v3 (i16x8.extend_high_i8x16_s (local.get $hi)))
          (local.set $s2 (i32x4.add (i32x4.add (i32x4.dot_i16x8_s (local.get $v0) (local.get $a0)) (i32x4.dot_i16x8_s (local.get $v1) (local.get $a1)))
                               (i32x4.add (i32x4.dot_i16x8_s (local.get $v2) (local.get $a2)) (i32x4.dot_i16x8_s (local.get $v3) (local.get $a3)))))
          (local.set $v (v128.load offset=2 (local.get $p3)))
          (local.set $lo (i8x16.sub (v128.and (local.get $v) (local.get $c15)) (local.get $c8)))
          (local.set $hi (i8x16.sub (v128.and (i16x8.shr_u (local.get $v) (i32.const 4)) (local.get $c15)) (local.get $c8)))
          (local.set $v0 (i16x8.extend_low_i8x16_s (local.get $lo)))
          (local.set $v1 (i16x8.extend_high_i8x16_s (local.get $lo)))
          (local.set $v2 (i16x8.extend_low_i8x16_s (local.get $hi)))
          (local.set $v3 (i16x8.extend_high_i8x16_s (local.get $hi)))
          (local.set $s3 (i32x4.add (i32x4.add (i32x4.dot_i16x8_s (local.get $v0) (local.get $a0)) (i32x4.dot_i16x8_s (local.get $v1) (local.get $a1)))
                               (i32x4.add (i32x4.dot_i16x8_s (local.get $v2) (local.get $a2)) (i32x4.dot_i16x8_s (local.get $v3) (local.get $a3)))))
          ;; transposed: s0 = [Σs0, Σs1, Σs2, Σs3] (|Σ| ≤ 32·127·128 < 2^24, exact in f32)
          (local.set $s0 (i32x4.add (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $s0) (local.get $s1))
                                    (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $s0) (local.get $s1))))
          (local.set $s2 (i32x4.add (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $s2) (local.get $s3))
                                    (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $s2) (local.get $s3))))
          (local.set $s0 (i32x4.add (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $s0) (local.get $s2))
                                    (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $s0) (local.get $s2))))
          ;; the 4 rows' f16 scales d_w (low halves of i32 lanes), widened (finite halves)
          (local.set $h (v128.load16_lane 6 (local.get $p3) (v128.load16_lane 4 (local.get $p2)
            (v128.load16_lane 2 (local.get $p1) (v128.load16_lane 0 (local.get $p0) (v128.const i32x4 0 0 0 0))))))
          (local.set $f (v128.or (f32x4.mul (i32x4.shl (v128.and (local.get $h) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff)) (i32.const 13)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112))
                                 (v128.and (i32x4.shl (local.get $h) (i32.const 16)) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))
          ;; acc += f32(Σ) · (d_w · d_x)
          (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (f32x4.convert_i32x4_s (local.get $s0)) (f32x4.mul (local.get $f) (v128.load32_splat (local.get $d))))))
          (local.set $p0 (i32.add (local.get $p0) (i32.const 18)))
          (local.set $p1 (i32.add (local.get $p1) (i32.const 18)))
          (local.set $p2 (i32.add (local.get $p2) (i32.const 18)))
          (local.set $p3 (i32.add (local.get $p3) (i32.const 18)))
          (local.set $q (i32.add (local.get $q) (i32.const 64)))
          (local.set $d (i32.add (local.get $d) (i32.const 4)))
          (local.set $b (i32.add (local.get $b) (i32.const 1)))
          (br $block)))
        (local.set $o (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $m) (local.get $ldo)) (local.get $r)) (i32.const 2))))
        (f32.store (local.get $o) (f32x4.extract_lane 0 (local.get $acc)))
        (if (i32.lt_u (i32.add (local.get $r) (i32.const 1)) (local.get $rows)) (then (f32.store offset=4 (local.get $o) (f32x4.extract_lane 1 (local.get $acc)))))
        (if (i32.lt_u (i32.add (local.get $r) (i32.const 2)) (local.get $rows)) (then (f32.store offset=8 (local.get $o) (f32x4.extract_lane 2 (local.get $acc)))))
        (if (i32.lt_u (i32.add (local.get $r) (i32.const 3)) (local.get $rows)) (then (f32.store offset=12 (local.get $o) (f32x4.extract_lane 3 (local.get $acc)))))))
      (local.set $r (i32.add (local.get $r) (i32.const 4)))
      (br $rowGroup))))

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

  ;; ---------------------------------------------------------------------------------------------
  ;; quantizeActs16: x f32 [M, K] → the 16-bit activation blocks of dotQ8_0 / dotQ4_0: for each row
  ;; m and block b (nb = ⌈K/32⌉): q i16[32] at xq + 64·(m·nb + b), d f32 at xd + 4·(m·nb + b);
  ;; d = max|x|/127, q = round-half-even(x/d) (0 where d = 0), zeros past K. The same numbers as
  ;; quantizeActs (8-bit blocks, kept for kquant.wat), widened to i16 once here so the products
  ;; load them as they are: one i32x4.dot_i16x8_s per 8 weights, shared by 4 weight rows.
  ;; Full blocks vectorized (max, scale, round and narrow 8 lanes at a time), the last partial one scalar.
  ;; ---------------------------------------------------------------------------------------------
  (func (export "quantizeActs16") (param $x i32) (param $M i32) (param $K i32) (param $xq i32) (param $xd i32)
    (local $m i32) (local $k0 i32) (local $j i32) (local $n i32) (local $p i32) (local $amax f32) (local $d f32) (local $id f32)
    (local $v v128) (local $id4 v128)
    (block $done (loop $rowLoop
      (br_if $done (i32.ge_u (local.get $m) (local.get $M)))
      (local.set $p (i32.add (local.get $x) (i32.shl (i32.mul (local.get $m) (local.get $K)) (i32.const 2))))
      (local.set $k0 (i32.const 0))
      (block $rowDone (loop $block
        (br_if $rowDone (i32.ge_u (local.get $k0) (local.get $K)))
        ;; n = valid elements in this block
        (local.set $n (select (i32.const 32) (i32.sub (local.get $K) (local.get $k0)) (i32.le_u (i32.add (local.get $k0) (i32.const 32)) (local.get $K))))
        (if (i32.eq (local.get $n) (i32.const 32))
          (then
            (local.set $v (f32x4.max
              (f32x4.max (f32x4.max (f32x4.abs (v128.load (local.get $p))) (f32x4.abs (v128.load offset=16 (local.get $p))))
                         (f32x4.max (f32x4.abs (v128.load offset=32 (local.get $p))) (f32x4.abs (v128.load offset=48 (local.get $p)))))
              (f32x4.max (f32x4.max (f32x4.abs (v128.load offset=64 (local.get $p))) (f32x4.abs (v128.load offset=80 (local.get $p))))
                         (f32x4.max (f32x4.abs (v128.load offset=96 (local.get $p))) (f32x4.abs (v128.load offset=112 (local.get $p)))))))
            (local.set $amax (f32.max (f32.max (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
                                      (f32.max (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v))))))
          (else
            (local.set $amax (f32.const 0))
            (local.set $j (i32.const 0))
            (block $e (loop $max
              (br_if $e (i32.ge_u (local.get $j) (local.get $n)))
              (local.set $amax (f32.max (local.get $amax) (f32.abs (f32.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2)))))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $max)))))
        (local.set $d (f32.div (local.get $amax) (f32.const 127)))
        (local.set $id (select (f32.div (f32.const 1) (local.get $d)) (f32.const 0) (f32.ne (local.get $d) (f32.const 0))))
        (f32.store (local.get $xd) (local.get $d))
        (if (i32.eq (local.get $n) (i32.const 32))
          (then
            (local.set $id4 (f32x4.splat (local.get $id)))
            (local.set $j (i32.const 0))
            (block $e (loop $quant
              (br_if $e (i32.ge_u (local.get $j) (i32.const 64)))
              (v128.store (i32.add (local.get $xq) (local.get $j)) (i16x8.narrow_i32x4_s
                (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (v128.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 1)))) (local.get $id4))))
                (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (v128.load offset=16 (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 1)))) (local.get $id4))))))
              (local.set $j (i32.add (local.get $j) (i32.const 16)))
              (br $quant))))
          (else
            (local.set $j (i32.const 0))
            (block $e (loop $quant
              (br_if $e (i32.ge_u (local.get $j) (i32.const 32)))
              (i32.store16 (i32.add (local.get $xq) (i32.shl (local.get $j) (i32.const 1)))
                (if (result i32) (i32.lt_u (local.get $j) (local.get $n))
                  (then (i32.trunc_sat_f32_s (f32.nearest (f32.mul (local.get $id) (f32.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))))))
                  (else (i32.const 0))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $quant)))))
        (local.set $xq (i32.add (local.get $xq) (i32.const 64)))
        (local.set $xd (i32.add (local.get $xd) (i32.const 4)))
        (local.set $p (i32.add (local.get $p) (i32.const 128)))
        (local.set $k0 (i32.add (local.get $k0) (i32.const 32)))
        (br $block)))
      (local.set $m (i32.add (local.get $m) (i32.const 1)))
      (br $rowLoop))))

  ;; ---------------------------------------------------------------------------------------------
  ;; widenBf16 / widenF16: n 16-bit values at w → n f32 at out (both any alignment): W panels for
  ;; gemm.wat (prefill) and embedding rows. Eight at a time: the halves unpacked above 16 zero
  ;; bits; for f16 that is (s|e5|m10) << 16, shifted right 3 as signed (sign repeated in bits
  ;; 28–30, cleared by the mask) and rescaled by 2^112: exact for finite halves. The tail, and any
  ;; group of 8 holding an inf/NaN half, through $f16 (the vector path would turn inf into 2^16·1.x).
  ;; ---------------------------------------------------------------------------------------------
  (func (export "widenBf16") (param $w i32) (param $n i32) (param $out i32)
    (local $k i32) (local $end8 i32) (local $h v128)
    (local.set $end8 (i32.and (local.get $n) (i32.const -8)))
    (block $done (loop $k8
      (br_if $done (i32.ge_u (local.get $k) (local.get $end8)))
      (local.set $h (v128.load (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 1)))))
      (v128.store (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 2)))
        (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h)))
      (v128.store offset=16 (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 2)))
        (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h)))
      (local.set $k (i32.add (local.get $k) (i32.const 8)))
      (br $k8)))
    (block $done (loop $k1
      (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
      (i32.store (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 2)))
        (i32.shl (i32.load16_u (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 1)))) (i32.const 16)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $k1))))

  (func (export "widenF16") (param $w i32) (param $n i32) (param $out i32)
    (local $k i32) (local $j i32) (local $end8 i32) (local $h v128)
    (local.set $end8 (i32.and (local.get $n) (i32.const -8)))
    (block $done (loop $k8
      (br_if $done (i32.ge_u (local.get $k) (local.get $end8)))
      (local.set $h (v128.load (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 1)))))
      ;; any exponent of 31 (inf/NaN) among these 8: them through $f16
      (if (v128.any_true (i16x8.eq (v128.and (local.get $h) (v128.const i16x8 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00))
                                   (v128.const i16x8 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00)))
        (then
          (local.set $j (i32.const 0))
          (block $e (loop $one
            (br_if $e (i32.ge_u (local.get $j) (i32.const 8)))
            (f32.store (i32.add (local.get $out) (i32.shl (i32.add (local.get $k) (local.get $j)) (i32.const 2)))
              (call $f16 (i32.load16_u (i32.add (local.get $w) (i32.shl (i32.add (local.get $k) (local.get $j)) (i32.const 1))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $one))))
        (else
          (v128.store (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 2)))
            (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h)) (i32.const 3))
                                 (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff))
                       (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)))
          (v128.store offset=16 (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 2)))
            (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h)) (i32.const 3))
                                 (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff))
                       (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)))))
      (local.set $k (i32.add (local.get $k) (i32.const 8)))
      (br $k8)))
    (block $done (loop $k1
      (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
      (f32.store (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 2)))
        (call $f16 (i32.load16_u (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 1))))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $k1))))
)
