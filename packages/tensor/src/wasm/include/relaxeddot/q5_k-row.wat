;; relaxeddot/q5_k-row.wat (relaxeddot.wat, relaxed build only): $rowQ5_K8, relaxeddot/q4_k-row.wat's
;; $rowQ4_K8 for Q5_K rows (176 bytes: Q4_K's head @0, qh @16, nibbles @48): q = n | (bit s of qh) << 4
;; ≤ 31 (the int8 dot's i7 operand: exact), the 5th bit moved to place 4 by an i16 shift of qh, which is
;; shifted right by 2 each turn (a lane's high byte enters its low byte at bit 6 and would reach bits
;; 0-1, the ones read, only after four turns). The same bits as kquant/q5_k.wat's $rowQ5_K. Its own
;; function rather than a flag of Q4_K's: with the Q5_K steps behind a branch in the turn loop (as
;; before), V8 kept fewer of the loop's values in registers (Q4_K's row-dot ran slower for it).

  (func $rowQ5_K8 (param $xq i32) (param $w i32) (param $nsb i32) (result f32)
    (local $b i32) (local $c i32) (local $u0 i32) (local $u1 i32) (local $u2 i32) (local $p i32) (local $x i32) (local $acc f32)
    (local $v0 v128) (local $v1 v128) (local $lo0 v128) (local $lo1 v128) (local $hi0 v128) (local $hi1 v128) (local $h0 v128) (local $h1 v128) (local $c16 v128)
    (local $sc v128) (local $mn v128) (local $isum v128) (local $lane v128) (local $c15 v128) (local $t v128)
    (local.set $c15 (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))
    (local.set $c16 (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16))
    (block $done (loop $block
      (br_if $done (i32.ge_u (local.get $b) (local.get $nsb)))
      ;; the 6-bit scales and mins as i16 lanes (kquant/unpack-q4_k.wat)
      ;;#include kquant/unpack-q4_k.wat
      (local.set $isum (v128.const i32x4 0 0 0 0))
      (local.set $lane (v128.const i8x16 0 1 0 1 0 1 0 1 0 1 0 1 0 1 0 1))
      (local.set $h0 (v128.load offset=16 (local.get $w)))
      (local.set $h1 (v128.load offset=32 (local.get $w)))
      (local.set $p (i32.add (local.get $w) (i32.const 48)))
      (local.set $x (local.get $xq))
      (local.set $c (i32.const 0))
      (loop $turn
        (local.set $v0 (v128.load (local.get $p)))
        (local.set $v1 (v128.load offset=16 (local.get $p)))
        (local.set $lo0 (v128.and (local.get $v0) (local.get $c15)))
        (local.set $lo1 (v128.and (local.get $v1) (local.get $c15)))
        (local.set $hi0 (v128.and (i16x8.shr_u (local.get $v0) (i32.const 4)) (local.get $c15)))
        (local.set $hi1 (v128.and (i16x8.shr_u (local.get $v1) (i32.const 4)) (local.get $c15)))
        ;; the 5th bits: bit 2c of qh (this turn's shifted copy: bit 0) to place 4, bit 2c+1 (bit 1) too
        (local.set $lo0 (v128.or (local.get $lo0) (v128.and (i16x8.shl (local.get $h0) (i32.const 4)) (local.get $c16))))
        (local.set $lo1 (v128.or (local.get $lo1) (v128.and (i16x8.shl (local.get $h1) (i32.const 4)) (local.get $c16))))
        (local.set $hi0 (v128.or (local.get $hi0) (v128.and (i16x8.shl (local.get $h0) (i32.const 3)) (local.get $c16))))
        (local.set $hi1 (v128.or (local.get $hi1) (v128.and (i16x8.shl (local.get $h1) (i32.const 3)) (local.get $c16))))
        (local.set $h0 (i16x8.shr_u (local.get $h0) (i32.const 2)))
        (local.set $h1 (i16x8.shr_u (local.get $h1) (i32.const 2)))
        ;; sub-block 2c against q_x[64c …+32], then 2c+1 against q_x[64c+32 …+32]
        (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
          (i16x8.add (i16x8.relaxed_dot_i8x16_i7x16_s (v128.load (local.get $x)) (local.get $lo0))
                     (i16x8.relaxed_dot_i8x16_i7x16_s (v128.load offset=16 (local.get $x)) (local.get $lo1)))
          (i8x16.relaxed_swizzle (local.get $sc) (local.get $lane)))))
        (local.set $lane (i8x16.add (local.get $lane) (v128.const i8x16 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2)))
        (local.set $isum (i32x4.add (local.get $isum) (i32x4.dot_i16x8_s
          (i16x8.add (i16x8.relaxed_dot_i8x16_i7x16_s (v128.load offset=32 (local.get $x)) (local.get $hi0))
                     (i16x8.relaxed_dot_i8x16_i7x16_s (v128.load offset=48 (local.get $x)) (local.get $hi1)))
          (i8x16.relaxed_swizzle (local.get $sc) (local.get $lane)))))
        (local.set $lane (i8x16.add (local.get $lane) (v128.const i8x16 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2)))
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (local.set $x (i32.add (local.get $x) (i32.const 64)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br_if $turn (i32.lt_u (local.get $c) (i32.const 4))))
      ;; the super-block in float (kquant/step-q4_k.wat)
      ;;#include kquant/step-q4_k.wat
      (local.set $w (i32.add (local.get $w) (i32.const 176)))
      (local.set $xq (i32.add (local.get $xq) (i32.const 276)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $block)))
    (local.get $acc))
