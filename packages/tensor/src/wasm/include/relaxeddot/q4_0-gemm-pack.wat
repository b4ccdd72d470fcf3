;; relaxeddot/q4_0-gemm-pack.wat (relaxeddot.wat, relaxed build only): the operands of
;; relaxeddot's gemmQ4_0 (relaxeddot/q4_0-gemm.wat) by quads of k:
;;   $packNibbles: 8 rows of Q4_0 W, per block (576 bytes) for quad s = 0…7 and row pair Q = 0…3
;;     (rows A = 2Q, B = 2Q+1) the bytes [A n0…n3, B n0…n3, A n0…n3, B n0…n3] (the stored nibbles
;;     of elements 4s…4s+3) at 64·s + 16·Q, then per Q the f32x4 [d_A, d_B, d_A, d_B] at 512 + 16·Q;
;;   pairActs8: quantizeActs16's rows of x by pairs (a, b), per block (160 bytes) for quad s the
;;     bytes [a q0…q3, a q0…q3, b q0…q3, b q0…q3] at 16·s, then i32x4 [8Σq_a, 8Σq_a, 8Σq_b, 8Σq_b]
;;     at 128 and f32x4 [d_a, d_a, d_b, d_b] at 144.
;; Uses $rowAt, $scales4 (packed-rows.wat).

  ;; rows r … r+7 of W [rows][nb] Q4_0 blocks (18 bytes: d f16 @0, nibbles @2: byte j holds
  ;; element j low and element j+16 high) at w into the panel (past the last row: the last row
  ;; again; gemm does not store it)
  (func $packNibbles (param $w i32) (param $nb i32) (param $r i32) (param $rows i32) (param $panel i32)
    (local $b i32) (local $rb i32) (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $p4 i32) (local $p5 i32) (local $p6 i32) (local $p7 i32)
    (local $na v128) (local $nb2 v128) (local $A v128) (local $B v128)
    (local.set $rb (i32.mul (local.get $nb) (i32.const 18)))
    (local.set $p0 (call $rowAt (local.get $w) (local.get $rb) (i32.add (local.get $r) (i32.const 0)) (local.get $rows)))
    (local.set $p1 (call $rowAt (local.get $w) (local.get $rb) (i32.add (local.get $r) (i32.const 1)) (local.get $rows)))
    (local.set $p2 (call $rowAt (local.get $w) (local.get $rb) (i32.add (local.get $r) (i32.const 2)) (local.get $rows)))
    (local.set $p3 (call $rowAt (local.get $w) (local.get $rb) (i32.add (local.get $r) (i32.const 3)) (local.get $rows)))
    (local.set $p4 (call $rowAt (local.get $w) (local.get $rb) (i32.add (local.get $r) (i32.const 4)) (local.get $rows)))
    (local.set $p5 (call $rowAt (local.get $w) (local.get $rb) (i32.add (local.get $r) (i32.const 5)) (local.get $rows)))
    (local.set $p6 (call $rowAt (local.get $w) (local.get $rb) (i32.add (local.get $r) (i32.const 6)) (local.get $rows)))
    (local.set $p7 (call $rowAt (local.get $w) (local.get $rb) (i32.add (local.get $r) (i32.const 7)) (local.get $rows)))
    (block $done (loop $block
      (br_if $done (i32.ge_u (local.get $b) (local.get $nb)))
      ;; row pair 0: rows r+0, r+1; elements 0…15 from the low nibbles, 16…31 from the high
      (local.set $na (v128.load offset=2 (local.get $p0))) (local.set $nb2 (v128.load offset=2 (local.get $p1)))
      (local.set $A (v128.and (local.get $na) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))) (local.set $B (v128.and (local.get $nb2) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
      (v128.store offset=0 (local.get $panel) (i8x16.shuffle 0 1 2 3 16 17 18 19 0 1 2 3 16 17 18 19 (local.get $A) (local.get $B)))
      (v128.store offset=64 (local.get $panel) (i8x16.shuffle 4 5 6 7 20 21 22 23 4 5 6 7 20 21 22 23 (local.get $A) (local.get $B)))
      (v128.store offset=128 (local.get $panel) (i8x16.shuffle 8 9 10 11 24 25 26 27 8 9 10 11 24 25 26 27 (local.get $A) (local.get $B)))
      (v128.store offset=192 (local.get $panel) (i8x16.shuffle 12 13 14 15 28 29 30 31 12 13 14 15 28 29 30 31 (local.get $A) (local.get $B)))
      (local.set $A (i8x16.shr_u (local.get $na) (i32.const 4))) (local.set $B (i8x16.shr_u (local.get $nb2) (i32.const 4)))
      (v128.store offset=256 (local.get $panel) (i8x16.shuffle 0 1 2 3 16 17 18 19 0 1 2 3 16 17 18 19 (local.get $A) (local.get $B)))
      (v128.store offset=320 (local.get $panel) (i8x16.shuffle 4 5 6 7 20 21 22 23 4 5 6 7 20 21 22 23 (local.get $A) (local.get $B)))
      (v128.store offset=384 (local.get $panel) (i8x16.shuffle 8 9 10 11 24 25 26 27 8 9 10 11 24 25 26 27 (local.get $A) (local.get $B)))
      (v128.store offset=448 (local.get $panel) (i8x16.shuffle 12 13 14 15 28 29 30 31 12 13 14 15 28 29 30 31 (local.get $A) (local.get $B)))
      (v128.store offset=512 (local.get $panel) (call $scales4 (local.get $p0) (local.get $p1) (local.get $p0) (local.get $p1)))
      ;; row pair 1: rows r+2, r+3; elements 0…15 from the low nibbles, 16…31 from the high
      (local.set $na (v128.load offset=2 (local.get $p2))) (local.set $nb2 (v128.load offset=2 (local.get $p3)))
      (local.set $A (v128.and (local.get $na) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))) (local.set $B (v128.and (local.get $nb2) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
      (v128.store offset=16 (local.get $panel) (i8x16.shuffle 0 1 2 3 16 17 18 19 0 1 2 3 16 17 18 19 (local.get $A) (local.get $B)))
      (v128.store offset=80 (local.get $panel) (i8x16.shuffle 4 5 6 7 20 21 22 23 4 5 6 7 20 21 22 23 (local.get $A) (local.get $B)))
      (v128.store offset=144 (local.get $panel) (i8x16.shuffle 8 9 10 11 24 25 26 27 8 9 10 11 24 25 26 27 (local.get $A) (local.get $B)))
      (v128.store offset=208 (local.get $panel) (i8x16.shuffle 12 13 14 15 28 29 30 31 12 13 14 15 28 29 30 31 (local.get $A) (local.get $B)))
      (local.set $A (i8x16.shr_u (local.get $na) (i32.const 4))) (local.set $B (i8x16.shr_u (local.get $nb2) (i32.const 4)))
      (v128.store offset=272 (local.get $panel) (i8x16.shuffle 0 1 2 3 16 17 18 19 0 1 2 3 16 17 18 19 (local.get $A) (local.get $B)))
      (v128.store offset=336 (local.get $panel) (i8x16.shuffle 4 5 6 7 20 21 22 23 4 5 6 7 20 21 22 23 (local.get $A) (local.get $B)))
      (v128.store offset=400 (local.get $panel) (i8x16.shuffle 8 9 10 11 24 25 26 27 8 9 10 11 24 25 26 27 (local.get $A) (local.get $B)))
      (v128.store offset=464 (local.get $panel) (i8x16.shuffle 12 13 14 15 28 29 30 31 12 13 14 15 28 29 30 31 (local.get $A) (local.get $B)))
      (v128.store offset=528 (local.get $panel) (call $scales4 (local.get $p2) (local.get $p3) (local.get $p2) (local.get $p3)))
      ;; row pair 2: rows r+4, r+5; elements 0…15 from the low nibbles, 16…31 from the high
      (local.set $na (v128.load offset=2 (local.get $p4))) (local.set $nb2 (v128.load offset=2 (local.get $p5)))
      (local.set $A (v128.and (local.get $na) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))) (local.set $B (v128.and (local.get $nb2) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
      (v128.store offset=32 (local.get $panel) (i8x16.shuffle 0 1 2 3 16 17 18 19 0 1 2 3 16 17 18 19 (local.get $A) (local.get $B)))
      (v128.store offset=96 (local.get $panel) (i8x16.shuffle 4 5 6 7 20 21 22 23 4 5 6 7 20 21 22 23 (local.get $A) (local.get $B)))
      (v128.store offset=160 (local.get $panel) (i8x16.shuffle 8 9 10 11 24 25 26 27 8 9 10 11 24 25 26 27 (local.get $A) (local.get $B)))
      (v128.store offset=224 (local.get $panel) (i8x16.shuffle 12 13 14 15 28 29 30 31 12 13 14 15 28 29 30 31 (local.get $A) (local.get $B)))
      (local.set $A (i8x16.shr_u (local.get $na) (i32.const 4))) (local.set $B (i8x16.shr_u (local.get $nb2) (i32.const 4)))
      (v128.store offset=288 (local.get $panel) (i8x16.shuffle 0 1 2 3 16 17 18 19 0 1 2 3 16 17 18 19 (local.get $A) (local.get $B)))
      (v128.store offset=352 (local.get $panel) (i8x16.shuffle 4 5 6 7 20 21 22 23 4 5 6 7 20 21 22 23 (local.get $A) (local.get $B)))
      (v128.store offset=416 (local.get $panel) (i8x16.shuffle 8 9 10 11 24 25 26 27 8 9 10 11 24 25 26 27 (local.get $A) (local.get $B)))
      (v128.store offset=480 (local.get $panel) (i8x16.shuffle 12 13 14 15 28 29 30 31 12 13 14 15 28 29 30 31 (local.get $A) (local.get $B)))
      (v128.store offset=544 (local.get $panel) (call $scales4 (local.get $p4) (local.get $p5) (local.get $p4) (local.get $p5)))
      ;; row pair 3: rows r+6, r+7; elements 0…15 from the low nibbles, 16…31 from the high
      (local.set $na (v128.load offset=2 (local.get $p6))) (local.set $nb2 (v128.load offset=2 (local.get $p7)))
      (local.set $A (v128.and (local.get $na) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))) (local.set $B (v128.and (local.get $nb2) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
      (v128.store offset=48 (local.get $panel) (i8x16.shuffle 0 1 2 3 16 17 18 19 0 1 2 3 16 17 18 19 (local.get $A) (local.get $B)))
      (v128.store offset=112 (local.get $panel) (i8x16.shuffle 4 5 6 7 20 21 22 23 4 5 6 7 20 21 22 23 (local.get $A) (local.get $B)))
      (v128.store offset=176 (local.get $panel) (i8x16.shuffle 8 9 10 11 24 25 26 27 8 9 10 11 24 25 26 27 (local.get $A) (local.get $B)))
      (v128.store offset=240 (local.get $panel) (i8x16.shuffle 12 13 14 15 28 29 30 31 12 13 14 15 28 29 30 31 (local.get $A) (local.get $B)))
      (local.set $A (i8x16.shr_u (local.get $na) (i32.const 4))) (local.set $B (i8x16.shr_u (local.get $nb2) (i32.const 4)))
      (v128.store offset=304 (local.get $panel) (i8x16.shuffle 0 1 2 3 16 17 18 19 0 1 2 3 16 17 18 19 (local.get $A) (local.get $B)))
      (v128.store offset=368 (local.get $panel) (i8x16.shuffle 4 5 6 7 20 21 22 23 4 5 6 7 20 21 22 23 (local.get $A) (local.get $B)))
      (v128.store offset=432 (local.get $panel) (i8x16.shuffle 8 9 10 11 24 25 26 27 8 9 10 11 24 25 26 27 (local.get $A) (local.get $B)))
      (v128.store offset=496 (local.get $panel) (i8x16.shuffle 12 13 14 15 28 29 30 31 12 13 14 15 28 29 30 31 (local.get $A) (local.get $B)))
      (v128.store offset=560 (local.get $panel) (call $scales4 (local.get $p6) (local.get $p7) (local.get $p6) (local.get $p7)))
      (local.set $p0 (i32.add (local.get $p0) (i32.const 18))) (local.set $p1 (i32.add (local.get $p1) (i32.const 18))) (local.set $p2 (i32.add (local.get $p2) (i32.const 18))) (local.set $p3 (i32.add (local.get $p3) (i32.const 18)))
      (local.set $p4 (i32.add (local.get $p4) (i32.const 18))) (local.set $p5 (i32.add (local.get $p5) (i32.const 18))) (local.set $p6 (i32.add (local.get $p6) (i32.const 18))) (local.set $p7 (i32.add (local.get $p7) (i32.const 18)))
      (local.set $panel (i32.add (local.get $panel) (i32.const 576)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $block))))

  ;; ---------------------------------------------------------------------------------------------
  ;; pairActs8: quantizeActs16's blocks (q i16 [M][nb][32] at xq, d f32 [M][nb] at xd) → x2,
  ;; block-major: pair j = rows (2j, 2j+1) of block b at x2 + (b·Jp + j)·160 for j0 ≤ j < j1
  ;; (Jp = ⌈M/2⌉ rounded up to even; rows past M − 1 are row M − 1 again: gemm does not store them)
  ;; ---------------------------------------------------------------------------------------------
  (func (export "pairActs8") (param $xq i32) (param $xd i32) (param $M i32) (param $nb i32) (param $x2 i32) (param $j0 i32) (param $j1 i32)
    (local $j i32) (local $b i32) (local $ra i32) (local $rb i32) (local $qa i32) (local $qb i32) (local $dst i32) (local $stride i32)
    (local $a0 v128) (local $a1 v128) (local $b0 v128) (local $b1 v128) (local $sa v128) (local $sb v128)
    (local.set $stride (i32.mul (i32.shl (i32.shr_u (i32.add (local.get $M) (i32.const 3)) (i32.const 2)) (i32.const 1)) (i32.const 160)))
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
        (local.set $dst (i32.add (local.get $x2) (i32.add (i32.mul (local.get $b) (local.get $stride)) (i32.mul (local.get $j) (i32.const 160)))))
        ;; the rows' 32 values as bytes (|q| ≤ 127: the narrowing is exact): elements 0…15, 16…31
        (local.set $a0 (i8x16.narrow_i16x8_s (v128.load offset=0 (local.get $qa)) (v128.load offset=16 (local.get $qa))))
        (local.set $a1 (i8x16.narrow_i16x8_s (v128.load offset=32 (local.get $qa)) (v128.load offset=48 (local.get $qa))))
        (local.set $b0 (i8x16.narrow_i16x8_s (v128.load offset=0 (local.get $qb)) (v128.load offset=16 (local.get $qb))))
        (local.set $b1 (i8x16.narrow_i16x8_s (v128.load offset=32 (local.get $qb)) (v128.load offset=48 (local.get $qb))))
        (v128.store offset=0 (local.get $dst) (i8x16.shuffle 0 1 2 3 0 1 2 3 16 17 18 19 16 17 18 19 (local.get $a0) (local.get $b0)))
        (v128.store offset=16 (local.get $dst) (i8x16.shuffle 4 5 6 7 4 5 6 7 20 21 22 23 20 21 22 23 (local.get $a0) (local.get $b0)))
        (v128.store offset=32 (local.get $dst) (i8x16.shuffle 8 9 10 11 8 9 10 11 24 25 26 27 24 25 26 27 (local.get $a0) (local.get $b0)))
        (v128.store offset=48 (local.get $dst) (i8x16.shuffle 12 13 14 15 12 13 14 15 28 29 30 31 28 29 30 31 (local.get $a0) (local.get $b0)))
        (v128.store offset=64 (local.get $dst) (i8x16.shuffle 0 1 2 3 0 1 2 3 16 17 18 19 16 17 18 19 (local.get $a1) (local.get $b1)))
        (v128.store offset=80 (local.get $dst) (i8x16.shuffle 4 5 6 7 4 5 6 7 20 21 22 23 20 21 22 23 (local.get $a1) (local.get $b1)))
        (v128.store offset=96 (local.get $dst) (i8x16.shuffle 8 9 10 11 8 9 10 11 24 25 26 27 24 25 26 27 (local.get $a1) (local.get $b1)))
        (v128.store offset=112 (local.get $dst) (i8x16.shuffle 12 13 14 15 12 13 14 15 28 29 30 31 28 29 30 31 (local.get $a1) (local.get $b1)))
        ;; 8·Σq of each row (the −8 of Q4_0's nibbles), in lanes [a, a, b, b]
        (local.set $sa (i32x4.add (i32x4.add (i32x4.extadd_pairwise_i16x8_s (v128.load offset=0 (local.get $qa))) (i32x4.extadd_pairwise_i16x8_s (v128.load offset=16 (local.get $qa))))
                                  (i32x4.add (i32x4.extadd_pairwise_i16x8_s (v128.load offset=32 (local.get $qa))) (i32x4.extadd_pairwise_i16x8_s (v128.load offset=48 (local.get $qa))))))
        (local.set $sb (i32x4.add (i32x4.add (i32x4.extadd_pairwise_i16x8_s (v128.load offset=0 (local.get $qb))) (i32x4.extadd_pairwise_i16x8_s (v128.load offset=16 (local.get $qb))))
                                  (i32x4.add (i32x4.extadd_pairwise_i16x8_s (v128.load offset=32 (local.get $qb))) (i32x4.extadd_pairwise_i16x8_s (v128.load offset=48 (local.get $qb))))))
        ;; lanes summed: [Σ, Σ, Σ, Σ] by two shuffled adds, then a's in lanes 0, 1 and b's in 2, 3
        (local.set $sa (i32x4.add (local.get $sa) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $sa) (local.get $sa))))
        (local.set $sa (i32x4.add (local.get $sa) (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $sa) (local.get $sa))))
        (local.set $sb (i32x4.add (local.get $sb) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $sb) (local.get $sb))))
        (local.set $sb (i32x4.add (local.get $sb) (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $sb) (local.get $sb))))
        (v128.store offset=128 (local.get $dst) (i32x4.shl (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $sa) (local.get $sb)) (i32.const 3)))
        ;; [d_a, d_a, d_b, d_b]
        (v128.store offset=144 (local.get $dst) (f32x4.replace_lane 3 (f32x4.replace_lane 2 (f32x4.splat
          (f32.load (i32.add (local.get $xd) (i32.shl (i32.add (i32.mul (local.get $ra) (local.get $nb)) (local.get $b)) (i32.const 2)))))
          (f32.load (i32.add (local.get $xd) (i32.shl (i32.add (i32.mul (local.get $rb) (local.get $nb)) (local.get $b)) (i32.const 2)))))
          (f32.load (i32.add (local.get $xd) (i32.shl (i32.add (i32.mul (local.get $rb) (local.get $nb)) (local.get $b)) (i32.const 2))))))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $block)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $pair))))
