;; relaxeddot/kquant-rows.wat (relaxeddot.wat, relaxed build only): the exports dotQ4_K, dotQ5_K and
;; dotQ6_K (its row: relaxeddot/q6_k-row.wat), kquant.wat's decode row-dots (kquant/q4_k.wat, q5_k.wat,
;; q6_k.wat) with the int8 dot product: the same
;; contract (activation blocks of quantizeActsK, 276 bytes: q i8[256] @0, d f32 @256, Σq of each
;; 32 i16[8] @260; W rows of nsb super-blocks of 144 / 176 bytes; out[m·ldo + r]) and the same bits.
;;
;; Per 16 weights, kquant.wat's i16x8.extmul_low / _high and an add become one
;; i16x8.relaxed_dot_i8x16_i7x16_s (a = q_x, b = the weights' integers): exact, as relaxeddot.wat's
;; header says, because b is in [0, 31] (Q4_K's nibble n ≤ 15, Q5_K's n | hbit << 4 ≤ 31), so a
;; pair sum is ≤ 2·128·31 and two of them ≤ 15872, inside i16. The lanes pair other weights than
;; the extmul's, but each sub-block's total is one exact integer either way, and everything after
;; it (the i32 sums, the super-block's float chain) is q4_k.wat's, so the results are its bits.
;; A super-block's 8 sub-blocks run as 4 turns of a loop (low nibbles: sub-block 2c, high: 2c+1),
;; the sub-block's scale broadcast by an i8x16.swizzle whose indices step by one i16 lane.

  (func (export "dotQ4_K") (param $xq i32) (param $M i32) (param $nsb i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32)
    (call $dotK8 (local.get $xq) (local.get $M) (local.get $nsb) (local.get $w) (local.get $rows) (local.get $out) (local.get $ldo) (i32.const 0)))

  (func (export "dotQ5_K") (param $xq i32) (param $M i32) (param $nsb i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32)
    (call $dotK8 (local.get $xq) (local.get $M) (local.get $nsb) (local.get $w) (local.get $rows) (local.get $out) (local.get $ldo) (i32.const 1)))

  ;; Q6_K also reads sumsK16's Σq of each 16 (i16[16] a block), which follow the M·nsb blocks at xq
  (func (export "dotQ6_K") (param $xq i32) (param $M i32) (param $nsb i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32)
    (call $dotK8 (local.get $xq) (local.get $M) (local.get $nsb) (local.get $w) (local.get $rows) (local.get $out) (local.get $ldo) (i32.const 2)))

  ;; every W row r against every activation row m (W rows in address order, each used against all M
  ;; activation rows while it sits in L1); kind 0: Q4_K rows (144 bytes a super-block), 1: Q5_K (176), 2: Q6_K (210)
  (func $dotK8 (param $xq i32) (param $M i32) (param $nsb i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32) (param $kind i32)
    (local $r i32) (local $m i32) (local $rowBytes i32) (local $wr i32) (local $xm i32) (local $v f32)
    (local.set $rowBytes (i32.mul (local.get $nsb) (select (i32.const 210) (select (i32.const 176) (i32.const 144) (local.get $kind)) (i32.eq (local.get $kind) (i32.const 2)))))
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $wr (i32.add (local.get $w) (i32.mul (local.get $r) (local.get $rowBytes))))
      (local.set $m (i32.const 0))
      (block $mDone (loop $mLoop
        (br_if $mDone (i32.ge_u (local.get $m) (local.get $M)))
        (local.set $xm (i32.add (local.get $xq) (i32.mul (i32.mul (local.get $m) (local.get $nsb)) (i32.const 276))))
        (if (i32.eq (local.get $kind) (i32.const 2))
          (then (local.set $v (call $rowQ6_K8 (local.get $xm)
            (i32.add (local.get $xq) (i32.mul (i32.add (i32.mul (local.get $M) (i32.const 276)) (i32.shl (local.get $m) (i32.const 5))) (local.get $nsb)))
            (local.get $wr) (local.get $nsb))))
          (else (local.set $v (call $rowK8 (local.get $xm) (local.get $wr) (local.get $nsb) (local.get $kind)))))
        (f32.store (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $m) (local.get $ldo)) (local.get $r)) (i32.const 2))) (local.get $v))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $mLoop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  ;; One W row (nsb super-blocks at w) · one row of activation blocks (xq) → f32, q4_k.wat's order:
  ;;     acc ← (acc + f32(Σ)·(d·d_x)) − f32(Σ_s m[s]·Σq[s])·(dmin·d_x)      per super-block
  ;; Q4_K: d @0, dmin @2, scales/mins @4, nibbles @16 (sub-blocks 2c, 2c+1: low, high nibbles of
  ;; bytes 16+32c …+31). Q5_K: the same head, qh @16 (bit s of qh[l]: the 5th bit of sub-block s),
  ;; nibbles @48; q = n | (bit s of qh) << 4, the bit moved to place 4 by an i16 shift of qh that is
  ;; shifted right by 2 each turn (a lane's high byte enters its low byte at bit 6 and would reach
  ;; bits 0-1, the ones read, only after four turns).
  (func $rowK8 (param $xq i32) (param $w i32) (param $nsb i32) (param $q5 i32) (result f32)
    (local $b i32) (local $c i32) (local $u0 i32) (local $u1 i32) (local $u2 i32) (local $p i32) (local $x i32) (local $acc f32)
    (local $v0 v128) (local $v1 v128) (local $h0 v128) (local $h1 v128) (local $lo0 v128) (local $lo1 v128) (local $hi0 v128) (local $hi1 v128)
    (local $sc v128) (local $mn v128) (local $isum v128) (local $lane v128) (local $t v128)
    (block $done (loop $block
      (br_if $done (i32.ge_u (local.get $b) (local.get $nsb)))
      ;; the 6-bit scales and mins as i16 lanes (kquant/scales.wat's unpacking, inline)
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
      (local.set $lane (v128.const i8x16 0 1 0 1 0 1 0 1 0 1 0 1 0 1 0 1))
      (local.set $h0 (v128.load offset=16 (local.get $w)))
      (local.set $h1 (v128.load offset=32 (local.get $w)))
      (local.set $p (i32.add (local.get $w) (select (i32.const 48) (i32.const 16) (local.get $q5))))
      (local.set $x (local.get $xq))
      (local.set $c (i32.const 0))
      (loop $turn
        (local.set $v0 (v128.load (local.get $p)))
        (local.set $v1 (v128.load offset=16 (local.get $p)))
        (local.set $lo0 (v128.and (local.get $v0) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
        (local.set $lo1 (v128.and (local.get $v1) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
        (local.set $hi0 (v128.and (i16x8.shr_u (local.get $v0) (i32.const 4)) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
        (local.set $hi1 (v128.and (i16x8.shr_u (local.get $v1) (i32.const 4)) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
        (if (local.get $q5) (then
          ;; the 5th bits: bit 2c of qh (this turn's shifted copy: bit 0) to place 4, bit 2c+1 (bit 1) too
          (local.set $lo0 (v128.or (local.get $lo0) (v128.and (i16x8.shl (local.get $h0) (i32.const 4)) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16))))
          (local.set $lo1 (v128.or (local.get $lo1) (v128.and (i16x8.shl (local.get $h1) (i32.const 4)) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16))))
          (local.set $hi0 (v128.or (local.get $hi0) (v128.and (i16x8.shl (local.get $h0) (i32.const 3)) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16))))
          (local.set $hi1 (v128.or (local.get $hi1) (v128.and (i16x8.shl (local.get $h1) (i32.const 3)) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16))))
          (local.set $h0 (i16x8.shr_u (local.get $h0) (i32.const 2)))
          (local.set $h1 (i16x8.shr_u (local.get $h1) (i32.const 2)))))
        ;; sub-block 2c against q[64c …+32], then 2c+1 against q[64c+32 …+32]
        (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
          (i16x8.add (i16x8.relaxed_dot_i8x16_i7x16_s (v128.load (local.get $x)) (local.get $lo0))
                     (i16x8.relaxed_dot_i8x16_i7x16_s (v128.load offset=16 (local.get $x)) (local.get $lo1)))
          (i8x16.swizzle (local.get $sc) (local.get $lane)))))
        (local.set $lane (i8x16.add (local.get $lane) (v128.const i8x16 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2)))
        (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
          (i16x8.add (i16x8.relaxed_dot_i8x16_i7x16_s (v128.load offset=32 (local.get $x)) (local.get $hi0))
                     (i16x8.relaxed_dot_i8x16_i7x16_s (v128.load offset=48 (local.get $x)) (local.get $hi1)))
          (i8x16.swizzle (local.get $sc) (local.get $lane)))))
        (local.set $lane (i8x16.add (local.get $lane) (v128.const i8x16 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2)))
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (local.set $x (i32.add (local.get $x) (i32.const 64)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br_if $turn (i32.lt_u (local.get $c) (i32.const 4))))
      ;; the super-block in float (kquant/scalars.wat): acc ← (acc + f32(Σ)·(d·d_x)) − f32(Σmins)·(dmin·d_x)
      (local.set $t (call $termsQ4_K (local.get $isum) (i32x4.dot_i16x8_s (local.get $mn) (v128.load offset=260 (local.get $xq))) (local.get $w) (local.get $xq)))
      (local.set $acc (f32.sub (f32.add (local.get $acc) (f32x4.extract_lane 0 (local.get $t))) (f32x4.extract_lane 2 (local.get $t))))
      (local.set $w (i32.add (local.get $w) (select (i32.const 176) (i32.const 144) (local.get $q5))))
      (local.set $xq (i32.add (local.get $xq) (i32.const 276)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $block)))
    (local.get $acc))
