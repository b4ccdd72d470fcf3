;; kquant/gemm-acts.wat (kquant.wat): pairActsK, x's side of gemmQ4_K / gemmQ6_K (kquant/gemm.wat):
;; quantizeActsK's blocks (276 bytes: q i8[256] @0, d f32 @256, Σq of each 32 i16[8] @260) laid
;; out by pairs of rows (a, b), per super-block and pair (2128 bytes):
;;   pair p < 132 at 16·p: i16 [a p, a p, b p, b p], each "p" two values: q[2p], q[2p+1] widened
;;                         (p < 128), then Σq of 32-blocks 2(p−128), 2(p−128)+1 (Q4_K's mins)
;;   @2112: f32 [d_a, d_a, d_b, d_b]
;; Uses $rowAt (packed-rows.wat).

  ;; ---------------------------------------------------------------------------------------------
  ;; pairActsK: quantizeActsK's blocks at xq (M rows of nsb) → x2, super-block-major: pair j =
  ;; rows (2j, 2j+1) of super-block b at x2 + (b·Jp + j)·2128 for j < Jp = ⌈M/2⌉ rounded up to
  ;; even (rows past M − 1 are row M − 1 again: gemm does not store them). Pairs j0 ≤ j < j1 only.
  ;; ---------------------------------------------------------------------------------------------
  (func (export "pairActsK") (param $xq i32) (param $M i32) (param $nsb i32) (param $x2 i32) (param $j0 i32) (param $j1 i32)
    (local $j i32) (local $b i32) (local $qa i32) (local $qb i32) (local $dst i32) (local $stride i32) (local $i i32)
    (local $A v128) (local $B v128)
    (local.set $stride (i32.mul (i32.shl (i32.shr_u (i32.add (local.get $M) (i32.const 3)) (i32.const 2)) (i32.const 1)) (i32.const 2128)))
    (local.set $j (local.get $j0))
    (block $done (loop $pair
      (br_if $done (i32.ge_u (local.get $j) (local.get $j1)))
      (local.set $b (i32.const 0))
      (block $blocksDone (loop $block
        (br_if $blocksDone (i32.ge_u (local.get $b) (local.get $nsb)))
        (local.set $qa (i32.add (local.get $xq) (i32.mul (i32.add (i32.mul (call $rowAt (i32.const 0) (i32.const 1) (i32.shl (local.get $j) (i32.const 1)) (local.get $M)) (local.get $nsb)) (local.get $b)) (i32.const 276))))
        (local.set $qb (i32.add (local.get $xq) (i32.mul (i32.add (i32.mul (call $rowAt (i32.const 0) (i32.const 1) (i32.add (i32.shl (local.get $j) (i32.const 1)) (i32.const 1)) (local.get $M)) (local.get $nsb)) (local.get $b)) (i32.const 276))))
        (local.set $dst (i32.add (local.get $x2) (i32.add (i32.mul (local.get $b) (local.get $stride)) (i32.mul (local.get $j) (i32.const 2128)))))
        ;; 4 pairs (8 values of each row, widened) a turn; the Σq (already i16) are the 33rd turn
        (local.set $i (i32.const 0))
        (block $quadsDone (loop $quad
          (br_if $quadsDone (i32.ge_u (local.get $i) (i32.const 33)))
          (if (i32.lt_u (local.get $i) (i32.const 32))
            (then
              (local.set $A (i16x8.extend_low_i8x16_s (v128.load64_zero (i32.add (local.get $qa) (i32.shl (local.get $i) (i32.const 3))))))
              (local.set $B (i16x8.extend_low_i8x16_s (v128.load64_zero (i32.add (local.get $qb) (i32.shl (local.get $i) (i32.const 3)))))))
            (else
              (local.set $A (v128.load offset=260 (local.get $qa)))
              (local.set $B (v128.load offset=260 (local.get $qb)))))
          (v128.store offset=0 (local.get $dst) (i8x16.shuffle 0 1 2 3 0 1 2 3 16 17 18 19 16 17 18 19 (local.get $A) (local.get $B)))
          (v128.store offset=16 (local.get $dst) (i8x16.shuffle 4 5 6 7 4 5 6 7 20 21 22 23 20 21 22 23 (local.get $A) (local.get $B)))
          (v128.store offset=32 (local.get $dst) (i8x16.shuffle 8 9 10 11 8 9 10 11 24 25 26 27 24 25 26 27 (local.get $A) (local.get $B)))
          (v128.store offset=48 (local.get $dst) (i8x16.shuffle 12 13 14 15 12 13 14 15 28 29 30 31 28 29 30 31 (local.get $A) (local.get $B)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $quad)))
        ;; [d_a, d_a, d_b, d_b] (dst is now 2112 on)
        (v128.store (local.get $dst) (f32x4.replace_lane 3 (f32x4.replace_lane 2 (f32x4.splat (f32.load offset=256 (local.get $qa)))
          (f32.load offset=256 (local.get $qb))) (f32.load offset=256 (local.get $qb))))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $block)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $pair))))
