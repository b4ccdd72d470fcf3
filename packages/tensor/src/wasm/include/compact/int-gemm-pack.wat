;; compact/int-gemm-pack.wat (compact.wat): $packQ8_0, $packQ4_0 — four rows of a Q8_0 / Q4_0 W
;; into the panel layout of gemmQ8_0 / gemmQ4_0 (compact/int-gemm.wat): per block 16 i16x8 of
;; k-pairs interleaved by row, then the 4 rows' f16 scales widened to f32x4.

  ;; rows r … r+3 of W [rows][nb] Q8_0 blocks (34 bytes: d f16 @0, q i8[32] @2) at w into the
  ;; panel (past the last row: the last row again; gemm does not store it)
  (func $packQ8_0 (param $w i32) (param $nb i32) (param $r i32) (param $rows i32) (param $panel i32)
    (local $b i32) (local $b0 i32) (local $b1 i32) (local $b2 i32) (local $b3 i32)
    (call $groupRows (local.get $w) (i32.mul (local.get $nb) (i32.const 34)) (local.get $r) (local.get $rows))
    (local.set $b3) (local.set $b2) (local.set $b1) (local.set $b0)
    (block $done (loop $block
      (br_if $done (i32.ge_u (local.get $b) (local.get $nb)))
      (call $pairsOf4 (local.get $panel) (v128.load offset=2 (local.get $b0)) (v128.load offset=2 (local.get $b1))
        (v128.load offset=2 (local.get $b2)) (v128.load offset=2 (local.get $b3)))
      (call $pairsOf4 (i32.add (local.get $panel) (i32.const 128)) (v128.load offset=18 (local.get $b0)) (v128.load offset=18 (local.get $b1))
        (v128.load offset=18 (local.get $b2)) (v128.load offset=18 (local.get $b3)))
      (v128.store offset=256 (local.get $panel) (call $scales4 (local.get $b0) (local.get $b1) (local.get $b2) (local.get $b3)))
      (local.set $b0 (i32.add (local.get $b0) (i32.const 34))) (local.set $b1 (i32.add (local.get $b1) (i32.const 34)))
      (local.set $b2 (i32.add (local.get $b2) (i32.const 34))) (local.set $b3 (i32.add (local.get $b3) (i32.const 34)))
      (local.set $panel (i32.add (local.get $panel) (i32.const 272)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $block))))

  ;; the same for Q4_0 blocks (18 bytes: d f16 @0, nibbles @2: byte j holds element j low and
  ;; element j+16 high, q = nibble − 8)
  (func $packQ4_0 (param $w i32) (param $nb i32) (param $r i32) (param $rows i32) (param $panel i32)
    (local $b i32) (local $b0 i32) (local $b1 i32) (local $b2 i32) (local $b3 i32)
    (local $n0 v128) (local $n1 v128) (local $n2 v128) (local $n3 v128) (local $lo v128) (local $eight v128)
    (call $groupRows (local.get $w) (i32.mul (local.get $nb) (i32.const 18)) (local.get $r) (local.get $rows))
    (local.set $b3) (local.set $b2) (local.set $b1) (local.set $b0)
    (local.set $lo (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))
    (local.set $eight (v128.const i8x16 8 8 8 8 8 8 8 8 8 8 8 8 8 8 8 8))
    (block $done (loop $block
      (br_if $done (i32.ge_u (local.get $b) (local.get $nb)))
      (local.set $n0 (v128.load offset=2 (local.get $b0))) (local.set $n1 (v128.load offset=2 (local.get $b1)))
      (local.set $n2 (v128.load offset=2 (local.get $b2))) (local.set $n3 (v128.load offset=2 (local.get $b3)))
      (call $pairsOf4 (local.get $panel)
        (i8x16.sub (v128.and (local.get $n0) (local.get $lo)) (local.get $eight)) (i8x16.sub (v128.and (local.get $n1) (local.get $lo)) (local.get $eight))
        (i8x16.sub (v128.and (local.get $n2) (local.get $lo)) (local.get $eight)) (i8x16.sub (v128.and (local.get $n3) (local.get $lo)) (local.get $eight)))
      (call $pairsOf4 (i32.add (local.get $panel) (i32.const 128))
        (i8x16.sub (i8x16.shr_u (local.get $n0) (i32.const 4)) (local.get $eight)) (i8x16.sub (i8x16.shr_u (local.get $n1) (i32.const 4)) (local.get $eight))
        (i8x16.sub (i8x16.shr_u (local.get $n2) (i32.const 4)) (local.get $eight)) (i8x16.sub (i8x16.shr_u (local.get $n3) (i32.const 4)) (local.get $eight)))
      (v128.store offset=256 (local.get $panel) (call $scales4 (local.get $b0) (local.get $b1) (local.get $b2) (local.get $b3)))
      (local.set $b0 (i32.add (local.get $b0) (i32.const 18))) (local.set $b1 (i32.add (local.get $b1) (i32.const 18)))
      (local.set $b2 (i32.add (local.get $b2) (i32.const 18))) (local.set $b3 (i32.add (local.get $b3) (i32.const 18)))
      (local.set $panel (i32.add (local.get $panel) (i32.const 272)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $block))))

  ;; the byte addresses of rows r … r+3 (rb bytes a row; past the last row: the last row)
  (func $groupRows (param $w i32) (param $rb i32) (param $r i32) (param $rows i32) (result i32 i32 i32 i32)
    (local $last i32)
    (local.set $last (i32.sub (local.get $rows) (i32.const 1)))
    (i32.add (local.get $w) (i32.mul (local.get $r) (local.get $rb)))
    (i32.add (local.get $w) (i32.mul (select (i32.add (local.get $r) (i32.const 1)) (local.get $last) (i32.lt_u (i32.add (local.get $r) (i32.const 1)) (local.get $rows))) (local.get $rb)))
    (i32.add (local.get $w) (i32.mul (select (i32.add (local.get $r) (i32.const 2)) (local.get $last) (i32.lt_u (i32.add (local.get $r) (i32.const 2)) (local.get $rows))) (local.get $rb)))
    (i32.add (local.get $w) (i32.mul (select (i32.add (local.get $r) (i32.const 3)) (local.get $last) (i32.lt_u (i32.add (local.get $r) (i32.const 3)) (local.get $rows))) (local.get $rb))))

  ;; vR: 16 signed weights of row R (k … k+15) → 8 i16x8 at dst: vector p holds pair p of each
  ;; row, [r0 k+2p, r0 k+2p+1, r1 …, …, r3 k+2p+1]: the rows widened to i16 (an i32 lane = a pair)
  ;; and the 4×4 matrix of pairs transposed
  (func $pairsOf4 (param $dst i32) (param $v0 v128) (param $v1 v128) (param $v2 v128) (param $v3 v128)
    (call $transpose4 (local.get $dst) (i16x8.extend_low_i8x16_s (local.get $v0)) (i16x8.extend_low_i8x16_s (local.get $v1))
      (i16x8.extend_low_i8x16_s (local.get $v2)) (i16x8.extend_low_i8x16_s (local.get $v3)))
    (call $transpose4 (i32.add (local.get $dst) (i32.const 64)) (i16x8.extend_high_i8x16_s (local.get $v0)) (i16x8.extend_high_i8x16_s (local.get $v1))
      (i16x8.extend_high_i8x16_s (local.get $v2)) (i16x8.extend_high_i8x16_s (local.get $v3))))

  ;; stores [r0.j, r1.j, r2.j, r3.j] (i32 lanes) at dst + 16·j, j = 0…3
  (func $transpose4 (param $dst i32) (param $r0 v128) (param $r1 v128) (param $r2 v128) (param $r3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1))) ;; r0.0 r1.0 r0.1 r1.1
    (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1))) ;; r0.2 r1.2 r0.3 r1.3
    (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
    (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
    (v128.store offset=0 (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
    (v128.store offset=16 (local.get $dst) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
    (v128.store offset=32 (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
    (v128.store offset=48 (local.get $dst) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3))))

  ;; the f16 scales at b0 … b3 widened to f32x4 as dotQ8_0 widens them (finite halves)
  (func $scales4 (param $b0 i32) (param $b1 i32) (param $b2 i32) (param $b3 i32) (result v128)
    (local $h v128)
    (local.set $h (v128.load16_lane 6 (local.get $b3) (v128.load16_lane 4 (local.get $b2)
      (v128.load16_lane 2 (local.get $b1) (v128.load16_lane 0 (local.get $b0) (v128.const i32x4 0 0 0 0))))))
    (v128.or (f32x4.mul (i32x4.shl (v128.and (local.get $h) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff)) (i32.const 13)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112))
             (v128.and (i32x4.shl (local.get $h) (i32.const 16)) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))
