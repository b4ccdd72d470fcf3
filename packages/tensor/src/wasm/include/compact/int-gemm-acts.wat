;; compact/int-gemm-acts.wat (compact.wat): pairActs16, x's side of gemmQ8_0 / gemmQ4_0
;; (compact/int-gemm.wat): quantizeActs16's rows of x by pairs (a, b), per block and pair of rows
;; (272 bytes) the i16x8 [a k0, a k1, a k0, a k1, b k0, b k1, b k0, b k1] of k-pair p at 16·p,
;; then the f32x4 [d_a, d_a, d_b, d_b]. Uses $rowAt (packed-rows.wat).

  ;; ---------------------------------------------------------------------------------------------
  ;; pairActs16: quantizeActs16's blocks (q i16 [M][nb][32] at xq, d f32 [M][nb] at xd) → x2,
  ;; block-major: pair j = rows (2j, 2j+1) of block b at x2 + (b·Jp + j)·272 for j < Jp = ⌈M/2⌉
  ;; rounded up to even (rows past M − 1 are row M − 1 again: gemm does not store them). Pairs
  ;; j0 ≤ j < j1 only (a job's share).
  ;; ---------------------------------------------------------------------------------------------
  (func (export "pairActs16") (param $xq i32) (param $xd i32) (param $M i32) (param $nb i32) (param $x2 i32) (param $j0 i32) (param $j1 i32)
    (local $j i32) (local $b i32) (local $ra i32) (local $rb i32) (local $qa i32) (local $qb i32) (local $dst i32) (local $stride i32) (local $i i32)
    (local $A v128) (local $B v128)
    (local.set $stride (i32.mul (i32.shl (i32.shr_u (i32.add (local.get $M) (i32.const 3)) (i32.const 2)) (i32.const 1)) (i32.const 272)))
    (local.set $j (local.get $j0))
    (block $done (loop $pair
      (br_if $done (i32.ge_u (local.get $j) (local.get $j1)))
      (local.set $ra (call $rowAt (i32.const 0) (i32.const 1) (i32.shl (local.get $j) (i32.const 1)) (local.get $M)))
      (local.set $rb (call $rowAt (i32.const 0) (i32.const 1) (i32.add (i32.shl (local.get $j) (i32.const 1)) (i32.const 1)) (local.get $M)))
      (local.set $b (i32.const 0))
      (block $blocksDone (loop $block
        (br_if $blocksDone (i32.ge_u (local.get $b) (local.get $nb)))
        (local.set $qa (i32.add (local.get $xq) (i32.shl (i32.add (i32.mul (local.get $ra) (local.get $nb)) (local.get $b)) (i32.const 6))))
        (local.set $qb (i32.add (local.get $xq) (i32.shl (i32.add (i32.mul (local.get $rb) (local.get $nb)) (local.get $b)) (i32.const 6))))
        (local.set $dst (i32.add (local.get $x2) (i32.add (i32.mul (local.get $b) (local.get $stride)) (i32.mul (local.get $j) (i32.const 272)))))
        ;; 4 pairs of k at a time (an i32 lane a pair): [a.p, a.p, b.p, b.p]
        (local.set $i (i32.const 0))
        (block $quadsDone (loop $quad
          (br_if $quadsDone (i32.ge_u (local.get $i) (i32.const 64)))
          (local.set $A (v128.load (i32.add (local.get $qa) (local.get $i))))
          (local.set $B (v128.load (i32.add (local.get $qb) (local.get $i))))
          (v128.store offset=0 (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2))) (i8x16.shuffle 0 1 2 3 0 1 2 3 16 17 18 19 16 17 18 19 (local.get $A) (local.get $B)))
          (v128.store offset=16 (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2))) (i8x16.shuffle 4 5 6 7 4 5 6 7 20 21 22 23 20 21 22 23 (local.get $A) (local.get $B)))
          (v128.store offset=32 (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2))) (i8x16.shuffle 8 9 10 11 8 9 10 11 24 25 26 27 24 25 26 27 (local.get $A) (local.get $B)))
          (v128.store offset=48 (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2))) (i8x16.shuffle 12 13 14 15 12 13 14 15 28 29 30 31 28 29 30 31 (local.get $A) (local.get $B)))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br $quad)))
        ;; [d_a, d_a, d_b, d_b]
        (v128.store offset=256 (local.get $dst) (f32x4.replace_lane 3 (f32x4.replace_lane 2 (f32x4.splat
          (f32.load (i32.add (local.get $xd) (i32.shl (i32.add (i32.mul (local.get $ra) (local.get $nb)) (local.get $b)) (i32.const 2)))))
          (f32.load (i32.add (local.get $xd) (i32.shl (i32.add (i32.mul (local.get $rb) (local.get $nb)) (local.get $b)) (i32.const 2)))))
          (f32.load (i32.add (local.get $xd) (i32.shl (i32.add (i32.mul (local.get $rb) (local.get $nb)) (local.get $b)) (i32.const 2))))))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $block)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $pair))))
