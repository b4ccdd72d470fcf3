;; kquant/gemm-pack.wat (kquant.wat): the W side of gemmQ4_K / gemmQ5_K / gemmQ6_K (kquant/gemm.wat):
;; $packK packs 8 rows of Q4_K / Q5_K / Q6_K super-blocks into a panel of i16 pairs, each weight already
;; multiplied by its sub-block scale (so the gemm's inner loop is dot_i16x8_s alone). Per
;; super-block of the panel (8576 bytes), for row pairs Q = 0…3 (rows A = 2Q, B = 2Q + 1):
;;   pair p < 132, vector Q at 64·p + 16·Q: i16 [A p, B p, A p, B p], each "p" two values:
;;     p < 128: the weights k = 2p, 2p+1 as integers: Q4_K sc[s]·n (≤ 63·15), Q5_K sc[s]·q (≤ 63·31),
;;              Q6_K scale·(q − 32) (|·| ≤ 128·32) — kquantMatmulF32's ints, exact in i16;
;;     p ≥ 128: Q4_K's / Q5_K's mins m[2(p−128)], m[2(p−128)+1] (Q6_K: zeros, not read)
;;   @8448 + 16·Q: f32 [d_A, d_B, d_A, d_B];  @8512 + 16·Q: f32 [dmin_A, dmin_B, dmin_A, dmin_B]
;; Each row is first expanded into 132 i16 pairs at tmp (544 bytes a row, 1088 after the panel's
;; super-blocks: ints i16[256] @0, mins i16[8] @512, Q4_K's scales i16[8] @528), then two rows are
;; interleaved. Rows past the matrix's last repeat it ($rowAt: the gemm does not store them).
;; Uses $rowAt, $scales4 (packed-rows.wat), $scalesQ4_K, $minsQ4_K (kquant/scales.wat).

  ;; 8 rows of W from row r (sbBytes 144 / 210 / 176 a super-block, nsb of them) → panel; kind: 0 Q4_K, 1 Q6_K, 2 Q5_K
  (func $packK (param $w i32) (param $nsb i32) (param $r i32) (param $rows i32) (param $panel i32) (param $kind i32)
    (local $sbBytes i32) (local $rb i32) (local $sb i32) (local $Q i32) (local $ra i32) (local $rbb i32) (local $dst i32) (local $tmp i32) (local $i i32)
    (local $A v128) (local $B v128)
    (local $q6 i32)
    (local.set $q6 (i32.eq (local.get $kind) (i32.const 1)))
    (local.set $sbBytes (select (i32.const 210) (select (i32.const 176) (i32.const 144) (local.get $kind)) (local.get $q6)))
    (local.set $rb (i32.mul (local.get $nsb) (local.get $sbBytes)))
    (local.set $tmp (i32.add (local.get $panel) (i32.mul (local.get $nsb) (i32.const 8576))))
    (block $done (loop $superBlock
      (br_if $done (i32.ge_u (local.get $sb) (local.get $nsb)))
      (local.set $Q (i32.const 0))
      (block $pairsDone (loop $rowPair
        (br_if $pairsDone (i32.ge_u (local.get $Q) (i32.const 4)))
        (local.set $ra (i32.add (call $rowAt (local.get $w) (local.get $rb) (i32.add (local.get $r) (i32.shl (local.get $Q) (i32.const 1))) (local.get $rows))
          (i32.mul (local.get $sb) (local.get $sbBytes))))
        (local.set $rbb (i32.add (call $rowAt (local.get $w) (local.get $rb) (i32.add (local.get $r) (i32.add (i32.shl (local.get $Q) (i32.const 1)) (i32.const 1))) (local.get $rows))
          (i32.mul (local.get $sb) (local.get $sbBytes))))
        (if (local.get $q6)
          (then (call $expandQ6_K (local.get $ra) (local.get $tmp)) (call $expandQ6_K (local.get $rbb) (i32.add (local.get $tmp) (i32.const 544))))
          (else (call $expandQ4_K (local.get $ra) (local.get $tmp) (local.get $kind)) (call $expandQ4_K (local.get $rbb) (i32.add (local.get $tmp) (i32.const 544)) (local.get $kind))))
        ;; 4 pairs (16 bytes of each row) a turn: [A p, B p, A p, B p] to pairs p … p+3
        (local.set $dst (i32.add (i32.add (local.get $panel) (i32.mul (local.get $sb) (i32.const 8576))) (i32.shl (local.get $Q) (i32.const 4))))
        (local.set $i (i32.const 0))
        (block $chunksDone (loop $chunk
          (br_if $chunksDone (i32.ge_u (local.get $i) (i32.const 528)))
          (local.set $A (v128.load (i32.add (local.get $tmp) (local.get $i))))
          (local.set $B (v128.load offset=544 (i32.add (local.get $tmp) (local.get $i))))
          (v128.store offset=0 (local.get $dst) (i8x16.shuffle 0 1 2 3 16 17 18 19 0 1 2 3 16 17 18 19 (local.get $A) (local.get $B)))
          (v128.store offset=64 (local.get $dst) (i8x16.shuffle 4 5 6 7 20 21 22 23 4 5 6 7 20 21 22 23 (local.get $A) (local.get $B)))
          (v128.store offset=128 (local.get $dst) (i8x16.shuffle 8 9 10 11 24 25 26 27 8 9 10 11 24 25 26 27 (local.get $A) (local.get $B)))
          (v128.store offset=192 (local.get $dst) (i8x16.shuffle 12 13 14 15 28 29 30 31 12 13 14 15 28 29 30 31 (local.get $A) (local.get $B)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 256)))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br $chunk)))
        ;; the scales: d (Q4_K, Q5_K @0, Q6_K @208) and Q4_K's / Q5_K's dmin @2, widened as kquant.wat's $f16 widens them
        (local.set $dst (i32.add (i32.add (local.get $panel) (i32.mul (local.get $sb) (i32.const 8576))) (i32.shl (local.get $Q) (i32.const 4))))
        (local.set $i (select (i32.const 208) (i32.const 0) (local.get $q6)))
        (v128.store offset=8448 (local.get $dst) (call $scales4 (i32.add (local.get $ra) (local.get $i)) (i32.add (local.get $rbb) (local.get $i)) (i32.add (local.get $ra) (local.get $i)) (i32.add (local.get $rbb) (local.get $i))))
        (v128.store offset=8512 (local.get $dst) (call $scales4 (i32.add (local.get $ra) (i32.const 2)) (i32.add (local.get $rbb) (i32.const 2)) (i32.add (local.get $ra) (i32.const 2)) (i32.add (local.get $rbb) (i32.const 2))))
        (local.set $Q (i32.add (local.get $Q) (i32.const 1)))
        (br $rowPair)))
      (local.set $sb (i32.add (local.get $sb) (i32.const 1)))
      (br $superBlock))))

  ;; one Q4_K (q5 = 0) or Q5_K (q5 = 1) super-block at src → tmp: ints i16[256] = sc[s]·q, mins
  ;; i16[8] @512 (scales i16[8] @528). Q4_K: q = the nibble (nibbles @16); Q5_K: q = nibble | (bit s
  ;; of qh[l]) << 4 (qh @16, nibbles @48), sc·q ≤ 63·31 — both exact in i16.
  (func $expandQ4_K (param $src i32) (param $tmp i32) (param $q5 i32)
    (local $c i32) (local $v0 v128) (local $v1 v128) (local $lo v128) (local $hi v128) (local $n v128)
    (local $h0 v128) (local $h1 v128) (local $qs i32)
    (v128.store offset=528 (local.get $tmp) (call $scalesQ4_K (local.get $src)))
    (v128.store offset=512 (local.get $tmp) (call $minsQ4_K (local.get $src)))
    ;; Q5_K: the 5th bits, shifted right by 2 a chunk so that bits 2c, 2c+1 sit at bits 0, 1; Q4_K: none
    (if (local.get $q5) (then
      (local.set $h0 (v128.load offset=16 (local.get $src)))
      (local.set $h1 (v128.load offset=32 (local.get $src)))))
    (local.set $qs (i32.add (local.get $src) (select (i32.const 48) (i32.const 16) (local.get $q5))))
    ;; chunk c: 32 nibble bytes at qs+32c; low nibbles are k = 64c … 64c+31 (scale sc[2c]), high k = 64c+32 … (sc[2c+1])
    (block $done (loop $chunk
      (br_if $done (i32.ge_u (local.get $c) (i32.const 4)))
      (local.set $v0 (v128.load (i32.add (local.get $qs) (i32.shl (local.get $c) (i32.const 5)))))
      (local.set $v1 (v128.load offset=16 (i32.add (local.get $qs) (i32.shl (local.get $c) (i32.const 5)))))
      (local.set $lo (i16x8.splat (i32.load16_u offset=528 (i32.add (local.get $tmp) (i32.shl (local.get $c) (i32.const 2))))))
      (local.set $hi (i16x8.splat (i32.load16_u offset=530 (i32.add (local.get $tmp) (i32.shl (local.get $c) (i32.const 2))))))
      (local.set $n (v128.or (v128.and (local.get $v0) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))
        (v128.and (i8x16.shl (local.get $h0) (i32.const 4)) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16))))
      (v128.store offset=0 (i32.add (local.get $tmp) (i32.shl (local.get $c) (i32.const 7))) (i16x8.mul (i16x8.extend_low_i8x16_u (local.get $n)) (local.get $lo)))
      (v128.store offset=16 (i32.add (local.get $tmp) (i32.shl (local.get $c) (i32.const 7))) (i16x8.mul (i16x8.extend_high_i8x16_u (local.get $n)) (local.get $lo)))
      (local.set $n (v128.or (v128.and (local.get $v1) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))
        (v128.and (i8x16.shl (local.get $h1) (i32.const 4)) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16))))
      (v128.store offset=32 (i32.add (local.get $tmp) (i32.shl (local.get $c) (i32.const 7))) (i16x8.mul (i16x8.extend_low_i8x16_u (local.get $n)) (local.get $lo)))
      (v128.store offset=48 (i32.add (local.get $tmp) (i32.shl (local.get $c) (i32.const 7))) (i16x8.mul (i16x8.extend_high_i8x16_u (local.get $n)) (local.get $lo)))
      (local.set $n (v128.or (i8x16.shr_u (local.get $v0) (i32.const 4))
        (v128.and (i8x16.shl (local.get $h0) (i32.const 3)) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16))))
      (v128.store offset=64 (i32.add (local.get $tmp) (i32.shl (local.get $c) (i32.const 7))) (i16x8.mul (i16x8.extend_low_i8x16_u (local.get $n)) (local.get $hi)))
      (v128.store offset=80 (i32.add (local.get $tmp) (i32.shl (local.get $c) (i32.const 7))) (i16x8.mul (i16x8.extend_high_i8x16_u (local.get $n)) (local.get $hi)))
      (local.set $n (v128.or (i8x16.shr_u (local.get $v1) (i32.const 4))
        (v128.and (i8x16.shl (local.get $h1) (i32.const 3)) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16))))
      (v128.store offset=96 (i32.add (local.get $tmp) (i32.shl (local.get $c) (i32.const 7))) (i16x8.mul (i16x8.extend_low_i8x16_u (local.get $n)) (local.get $hi)))
      (v128.store offset=112 (i32.add (local.get $tmp) (i32.shl (local.get $c) (i32.const 7))) (i16x8.mul (i16x8.extend_high_i8x16_u (local.get $n)) (local.get $hi)))
      (local.set $h0 (i8x16.shr_u (local.get $h0) (i32.const 2)))
      (local.set $h1 (i8x16.shr_u (local.get $h1) (i32.const 2)))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br $chunk))))

  ;; one Q6_K super-block at src → tmp: ints i16[256] = scale·(q − 32), zeros @512 (no mins).
  ;; Turn t = 2h + l0/16 (half h, l = l0 … l0+15): values 128h + l + 0/32/64/96 from ql[64h + l],
  ;; ql[64h + 32 + l], qh[32h + l] as $rowQ6_K reads them, scales 192 + 8h + l0/16 + 0/2/4/6.
  (func $expandQ6_K (param $src i32) (param $tmp i32)
    (local $t i32) (local $l i32) (local $o i32) (local $s i32) (local $a v128) (local $b v128) (local $hb v128) (local $q v128) (local $sc v128)
    (v128.store offset=512 (local.get $tmp) (v128.const i32x4 0 0 0 0))
    (block $done (loop $turn
      (br_if $done (i32.ge_u (local.get $t) (i32.const 4)))
      ;; l: byte offset into ql / qh of this turn (64h + l0 into ql, 32h + l0 into qh)
      (local.set $l (i32.add (i32.shl (i32.shr_u (local.get $t) (i32.const 1)) (i32.const 6)) (i32.shl (i32.and (local.get $t) (i32.const 1)) (i32.const 4))))
      (local.set $a (v128.load (i32.add (local.get $src) (local.get $l))))
      (local.set $b (v128.load offset=32 (i32.add (local.get $src) (local.get $l))))
      (local.set $hb (v128.load offset=128 (i32.add (local.get $src) (i32.sub (local.get $l) (i32.shl (i32.shr_u (local.get $t) (i32.const 1)) (i32.const 5))))))
      ;; out: 2·(128h + l0) bytes on; scales at src + 192 + 8h + l0/16
      (local.set $o (i32.add (local.get $tmp) (i32.shl (i32.add (i32.shl (i32.shr_u (local.get $t) (i32.const 1)) (i32.const 7)) (i32.shl (i32.and (local.get $t) (i32.const 1)) (i32.const 4))) (i32.const 1))))
      (local.set $s (i32.add (local.get $src) (i32.add (i32.shl (i32.shr_u (local.get $t) (i32.const 1)) (i32.const 3)) (i32.and (local.get $t) (i32.const 1)))))
      (local.set $q (i8x16.sub (v128.or (v128.and (local.get $a) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (i8x16.shl (local.get $hb) (i32.const 4)) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)))
      (local.set $sc (i16x8.splat (i32.load8_s offset=192 (local.get $s))))
      (v128.store offset=0 (local.get $o) (i16x8.mul (i16x8.extend_low_i8x16_s (local.get $q)) (local.get $sc)))
      (v128.store offset=16 (local.get $o) (i16x8.mul (i16x8.extend_high_i8x16_s (local.get $q)) (local.get $sc)))
      (local.set $q (i8x16.sub (v128.or (v128.and (local.get $b) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)) (v128.and (i8x16.shl (local.get $hb) (i32.const 2)) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)))
      (local.set $sc (i16x8.splat (i32.load8_s offset=194 (local.get $s))))
      (v128.store offset=64 (local.get $o) (i16x8.mul (i16x8.extend_low_i8x16_s (local.get $q)) (local.get $sc)))
      (v128.store offset=80 (local.get $o) (i16x8.mul (i16x8.extend_high_i8x16_s (local.get $q)) (local.get $sc)))
      (local.set $q (i8x16.sub (v128.or (i8x16.shr_u (local.get $a) (i32.const 4)) (v128.and (local.get $hb) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)))
      (local.set $sc (i16x8.splat (i32.load8_s offset=196 (local.get $s))))
      (v128.store offset=128 (local.get $o) (i16x8.mul (i16x8.extend_low_i8x16_s (local.get $q)) (local.get $sc)))
      (v128.store offset=144 (local.get $o) (i16x8.mul (i16x8.extend_high_i8x16_s (local.get $q)) (local.get $sc)))
      (local.set $q (i8x16.sub (v128.or (i8x16.shr_u (local.get $b) (i32.const 4)) (v128.and (i8x16.shr_u (local.get $hb) (i32.const 2)) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)))
      (local.set $sc (i16x8.splat (i32.load8_s offset=198 (local.get $s))))
      (v128.store offset=192 (local.get $o) (i16x8.mul (i16x8.extend_low_i8x16_s (local.get $q)) (local.get $sc)))
      (v128.store offset=208 (local.get $o) (i16x8.mul (i16x8.extend_high_i8x16_s (local.get $q)) (local.get $sc)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $turn))))
