;; relaxeddot/q4_k-gemm-pack.wat (relaxeddot.wat, relaxed build only): the operands of gemmQ4_K
;; (relaxeddot/q4_k-gemm.wat). Uses $rowAt, $scales4 (packed-rows.wat), $scalesQ4_K, $minsQ4_K
;; (kquant/scales.wat).
;;
;; Panel, per super-block (4992 bytes), row pairs Q = 0…3 (rows A = 2Q, B = 2Q + 1 of the 8):
;;   s·512 + u·64 + 16·Q (sub-block s < 8, quad u < 8): bytes [A n, B n, A n, B n], each "n" the 4
;;                        stored nibbles of k = 32s + 4u … +3
;;   4096 + s·64 + 16·Q:  i16 [sc_A, sc_A, sc_B, sc_B, sc_A, sc_A, sc_B, sc_B] of sub-block s
;;   4608 + p·64 + 16·Q:  i16 [A m, B m, A m, B m], each "m" the mins of sub-blocks 2p, 2p+1
;;   4864 + 16·Q / 4928 + 16·Q: f32 [d_A, d_B, d_A, d_B] / the same of dmin
;; then 32 bytes after the panel's super-blocks for two rows' scales.
;; x (pairActsK8), per super-block and pair of rows (a, b), 1104 bytes:
;;   16·u (u < 64): bytes [a q, a q, b q, b q], each "q" q_x of k = 4u … +3
;;   1024 + 16·p: i16 [a Σ, a Σ, b Σ, b Σ], each "Σ" Σq_x of 32-blocks 2p, 2p+1;  1088: f32 [d_a, d_a, d_b, d_b]

  ;; 4 vectors to dst + 64·u (u < 4): i32 lanes [A.u, B.u, A.u, B.u] (the W side's interleave)
  (func $quadsOf (param $dst i32) (param $A v128) (param $B v128)
    (v128.store offset=0 (local.get $dst) (i8x16.shuffle 0 1 2 3 16 17 18 19 0 1 2 3 16 17 18 19 (local.get $A) (local.get $B)))
    (v128.store offset=64 (local.get $dst) (i8x16.shuffle 4 5 6 7 20 21 22 23 4 5 6 7 20 21 22 23 (local.get $A) (local.get $B)))
    (v128.store offset=128 (local.get $dst) (i8x16.shuffle 8 9 10 11 24 25 26 27 8 9 10 11 24 25 26 27 (local.get $A) (local.get $B)))
    (v128.store offset=192 (local.get $dst) (i8x16.shuffle 12 13 14 15 28 29 30 31 12 13 14 15 28 29 30 31 (local.get $A) (local.get $B))))

  ;; 4 vectors to dst + 16·u (u < 4): i32 lanes [a.u, a.u, b.u, b.u] (the x side's interleave)
  (func $pairsOf (param $dst i32) (param $A v128) (param $B v128)
    (v128.store offset=0 (local.get $dst) (i8x16.shuffle 0 1 2 3 0 1 2 3 16 17 18 19 16 17 18 19 (local.get $A) (local.get $B)))
    (v128.store offset=16 (local.get $dst) (i8x16.shuffle 4 5 6 7 4 5 6 7 20 21 22 23 20 21 22 23 (local.get $A) (local.get $B)))
    (v128.store offset=32 (local.get $dst) (i8x16.shuffle 8 9 10 11 8 9 10 11 24 25 26 27 24 25 26 27 (local.get $A) (local.get $B)))
    (v128.store offset=48 (local.get $dst) (i8x16.shuffle 12 13 14 15 12 13 14 15 28 29 30 31 28 29 30 31 (local.get $A) (local.get $B))))

  ;; 8 rows of Q4_K W from row r (nsb super-blocks of 144 bytes a row) → panel
  (func $packQ4_K8 (param $w i32) (param $nsb i32) (param $r i32) (param $rows i32) (param $panel i32)
    (local $sb i32) (local $Q i32) (local $ra i32) (local $rbb i32) (local $base i32) (local $c i32) (local $s i32) (local $tmp i32)
    (local $a0 v128) (local $a1 v128) (local $b0 v128) (local $b1 v128)
    (local.set $tmp (i32.add (local.get $panel) (i32.mul (local.get $nsb) (i32.const 4992))))
    (block $done (loop $superBlock
      (br_if $done (i32.ge_u (local.get $sb) (local.get $nsb)))
      (local.set $Q (i32.const 0))
      (block $pairsDone (loop $rowPair
        (br_if $pairsDone (i32.ge_u (local.get $Q) (i32.const 4)))
        (local.set $ra (i32.add (call $rowAt (local.get $w) (i32.mul (local.get $nsb) (i32.const 144)) (i32.add (local.get $r) (i32.shl (local.get $Q) (i32.const 1))) (local.get $rows))
          (i32.mul (local.get $sb) (i32.const 144))))
        (local.set $rbb (i32.add (call $rowAt (local.get $w) (i32.mul (local.get $nsb) (i32.const 144)) (i32.add (local.get $r) (i32.add (i32.shl (local.get $Q) (i32.const 1)) (i32.const 1))) (local.get $rows))
          (i32.mul (local.get $sb) (i32.const 144))))
        (local.set $base (i32.add (i32.add (local.get $panel) (i32.mul (local.get $sb) (i32.const 4992))) (i32.shl (local.get $Q) (i32.const 4))))
        ;; chunk c: bytes 16+32c … +32, low nibbles = sub-block 2c, high = 2c+1 (k 0…15 of it from the first 16 bytes)
        (local.set $c (i32.const 0))
        (block $chunksDone (loop $chunk
          (br_if $chunksDone (i32.ge_u (local.get $c) (i32.const 4)))
          (local.set $a0 (v128.load offset=16 (i32.add (local.get $ra) (i32.shl (local.get $c) (i32.const 5)))))
          (local.set $a1 (v128.load offset=32 (i32.add (local.get $ra) (i32.shl (local.get $c) (i32.const 5)))))
          (local.set $b0 (v128.load offset=16 (i32.add (local.get $rbb) (i32.shl (local.get $c) (i32.const 5)))))
          (local.set $b1 (v128.load offset=32 (i32.add (local.get $rbb) (i32.shl (local.get $c) (i32.const 5)))))
          (call $quadsOf (i32.add (local.get $base) (i32.shl (local.get $c) (i32.const 10)))
            (v128.and (local.get $a0) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (local.get $b0) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
          (call $quadsOf (i32.add (local.get $base) (i32.add (i32.shl (local.get $c) (i32.const 10)) (i32.const 256)))
            (v128.and (local.get $a1) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (local.get $b1) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
          (call $quadsOf (i32.add (local.get $base) (i32.add (i32.shl (local.get $c) (i32.const 10)) (i32.const 512)))
            (i8x16.shr_u (local.get $a0) (i32.const 4)) (i8x16.shr_u (local.get $b0) (i32.const 4)))
          (call $quadsOf (i32.add (local.get $base) (i32.add (i32.shl (local.get $c) (i32.const 10)) (i32.const 768)))
            (i8x16.shr_u (local.get $a1) (i32.const 4)) (i8x16.shr_u (local.get $b1) (i32.const 4)))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br $chunk)))
        ;; the sub-blocks' scales, each as i16 [sc_A, sc_A, sc_B, sc_B] twice
        (v128.store (local.get $tmp) (call $scalesQ4_K (local.get $ra)))
        (v128.store offset=16 (local.get $tmp) (call $scalesQ4_K (local.get $rbb)))
        (local.set $s (i32.const 0))
        (block $scalesDone (loop $scale
          (br_if $scalesDone (i32.ge_u (local.get $s) (i32.const 8)))
          (v128.store offset=4096 (i32.add (local.get $base) (i32.shl (local.get $s) (i32.const 6)))
            (i32x4.replace_lane 3 (i32x4.replace_lane 1
              (i32x4.splat (i32.mul (i32.load16_u (i32.add (local.get $tmp) (i32.shl (local.get $s) (i32.const 1)))) (i32.const 0x10001)))
              (i32.mul (i32.load16_u offset=16 (i32.add (local.get $tmp) (i32.shl (local.get $s) (i32.const 1)))) (i32.const 0x10001)))
              (i32.mul (i32.load16_u offset=16 (i32.add (local.get $tmp) (i32.shl (local.get $s) (i32.const 1)))) (i32.const 0x10001))))
          (local.set $s (i32.add (local.get $s) (i32.const 1)))
          (br $scale)))
        (call $quadsOf (i32.add (local.get $base) (i32.const 4608)) (call $minsQ4_K (local.get $ra)) (call $minsQ4_K (local.get $rbb)))
        (v128.store offset=4864 (local.get $base) (call $scales4 (local.get $ra) (local.get $rbb) (local.get $ra) (local.get $rbb)))
        (v128.store offset=4928 (local.get $base) (call $scales4 (i32.add (local.get $ra) (i32.const 2)) (i32.add (local.get $rbb) (i32.const 2)) (i32.add (local.get $ra) (i32.const 2)) (i32.add (local.get $rbb) (i32.const 2))))
        (local.set $Q (i32.add (local.get $Q) (i32.const 1)))
        (br $rowPair)))
      (local.set $sb (i32.add (local.get $sb) (i32.const 1)))
      (br $superBlock))))

  ;; ---------------------------------------------------------------------------------------------
  ;; pairActsK8: quantizeActsK's blocks at xq (M rows of nsb) → x2 as above, super-block-major:
  ;; pair j = rows (2j, 2j+1) of super-block b at x2 + (b·Jp + j)·1104, Jp = ⌈M/2⌉ rounded up to
  ;; even (rows past M − 1 are row M − 1 again: gemm does not store them). Pairs j0 ≤ j < j1 only.
  ;; ---------------------------------------------------------------------------------------------
  (func (export "pairActsK8") (param $xq i32) (param $M i32) (param $nsb i32) (param $x2 i32) (param $j0 i32) (param $j1 i32)
    (local $j i32) (local $b i32) (local $qa i32) (local $qb i32) (local $dst i32) (local $stride i32) (local $i i32)
    (local.set $stride (i32.mul (i32.shl (i32.shr_u (i32.add (local.get $M) (i32.const 3)) (i32.const 2)) (i32.const 1)) (i32.const 1104)))
    (local.set $j (local.get $j0))
    (block $done (loop $pair
      (br_if $done (i32.ge_u (local.get $j) (local.get $j1)))
      (local.set $b (i32.const 0))
      (block $blocksDone (loop $block
        (br_if $blocksDone (i32.ge_u (local.get $b) (local.get $nsb)))
        (local.set $qa (i32.add (local.get $xq) (i32.mul (i32.add (i32.mul (call $rowAt (i32.const 0) (i32.const 1) (i32.shl (local.get $j) (i32.const 1)) (local.get $M)) (local.get $nsb)) (local.get $b)) (i32.const 276))))
        (local.set $qb (i32.add (local.get $xq) (i32.mul (i32.add (i32.mul (call $rowAt (i32.const 0) (i32.const 1) (i32.add (i32.shl (local.get $j) (i32.const 1)) (i32.const 1)) (local.get $M)) (local.get $nsb)) (local.get $b)) (i32.const 276))))
        (local.set $dst (i32.add (local.get $x2) (i32.add (i32.mul (local.get $b) (local.get $stride)) (i32.mul (local.get $j) (i32.const 1104)))))
        ;; 16 values of each row a turn (4 quads), then the Σq (i16, 4 pairs) as a 17th
        (local.set $i (i32.const 0))
        (block $turnsDone (loop $turn
          (br_if $turnsDone (i32.ge_u (local.get $i) (i32.const 256)))
          (call $pairsOf (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2)))
            (v128.load (i32.add (local.get $qa) (local.get $i))) (v128.load (i32.add (local.get $qb) (local.get $i))))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br $turn)))
        (call $pairsOf (i32.add (local.get $dst) (i32.const 1024)) (v128.load offset=260 (local.get $qa)) (v128.load offset=260 (local.get $qb)))
        (v128.store offset=1088 (local.get $dst) (f32x4.replace_lane 3 (f32x4.replace_lane 2 (f32x4.splat (f32.load offset=256 (local.get $qa)))
          (f32.load offset=256 (local.get $qb))) (f32.load offset=256 (local.get $qb))))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $block)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $pair))))
