;; relaxeddot/q4_0-gemm.wat (relaxeddot.wat, relaxed build only): the export gemmQ4_0, prefill's
;; Q4_0 product on i16x8.relaxed_dot_i8x16_i7x16_s — compact/int-gemm.wat's tiling (8 W rows × 4
;; rows of x, each lane one (W row, x row) output) with bytes instead of i16: 16 multiplies an
;; instruction instead of 8. Same float32 outputs bit for bit as compact.wat's dotQ4_0 / gemmQ4_0.
;; Uses $store2x2 (packed-rows.wat) and the operands of relaxeddot/q4_0-gemm-pack.wat.
;;
;; Operands, per quad of k (k0…k3 = 4s…4s+3 of a block, s = 0…7):
;;   W vector (panel, rows A, B):      [A n0…n3, B n0…n3, A n0…n3, B n0…n3]   (stored nibbles, 0…15: the "i7" operand)
;;   x vector (pairActs8, rows a, b):  [a q0…q3, a q0…q3, b q0…q3, b q0…q3]   (q_x, −127…127)
;; so the instruction's i16 lanes are (A,a) k01, (A,a) k23, (B,a) …, (A,b) …, (B,b) …. Each lane
;; sums 2 products a quad, |n·q| ≤ 15·127, so a block's 8 quads stay exact in i16 (≤ 16·1905 <
;; 2^15); i32x4.dot_i16x8_s with ones then gives lanes (A,a), (B,a), (A,b), (B,b) of Σ n·q_x, and
;; subtracting 8·Σq_x (pairActs8 keeps it per row and block) gives Σ (n − 8)·q_x exactly.

  ;; ---------------------------------------------------------------------------------------------
  ;; gemmQ4_0: out[m·ldo + r] = Σ_k x[m, k]·W[r, k] for m < M, r < rows: x from pairActs8 at x2,
  ;; W [rows][nb] Q4_0 blocks at w, `panel`: nb·576 bytes of scratch of this call alone.
  ;; ---------------------------------------------------------------------------------------------
  (func (export "gemmQ4_0") (param $x2 i32) (param $M i32) (param $nb i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32) (param $panel i32)
    (local $r i32)
    (block $done (loop $group
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (call $packNibbles (local.get $w) (local.get $nb) (local.get $r) (local.get $rows) (local.get $panel))
      (call $nibblesTimesActs (local.get $x2) (local.get $M) (local.get $nb) (local.get $panel)
        (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2))) (local.get $ldo) (i32.sub (local.get $rows) (local.get $r)))
      (local.set $r (i32.add (local.get $r) (i32.const 8)))
      (br $group))))

  ;; out[m·ldo + c] (c < min(cols, 8)) = the panel's 8 rows times every row of x, 4 rows of x (2
  ;; pairs) at a time; sQJ (i16 lanes) / aQJ: W vector Q (rows 2Q, 2Q+1) against x pair J.
  (func $nibblesTimesActs (param $x2 i32) (param $M i32) (param $nb i32) (param $panel i32) (param $out i32) (param $ldo i32) (param $cols i32)
    (local $m i32) (local $b i32) (local $pb i32) (local $pb0 i32) (local $px i32) (local $end i32) (local $stride i32) (local $o i32)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128) (local $v0 v128) (local $v1 v128)
    (local $f v128) (local $e0 v128) (local $e1 v128) (local $c0 v128) (local $c1 v128) (local $one v128)
    (local $s00 v128) (local $s10 v128) (local $s20 v128) (local $s30 v128) (local $s01 v128) (local $s11 v128) (local $s21 v128) (local $s31 v128)
    (local $a00 v128) (local $a10 v128) (local $a20 v128) (local $a30 v128) (local $a01 v128) (local $a11 v128) (local $a21 v128) (local $a31 v128)
    (local.set $one (v128.const i16x8 1 1 1 1 1 1 1 1))
    ;; pairActs8 lays x out block-major: block b of pair j at x2 + (b·Jp + j)·160, Jp = ⌈M/2⌉ rounded up to even
    (local.set $stride (i32.mul (i32.shl (i32.shr_u (i32.add (local.get $M) (i32.const 3)) (i32.const 2)) (i32.const 1)) (i32.const 160)))
    (block $done (loop $rows4
      (br_if $done (i32.ge_u (local.get $m) (local.get $M)))
      (local.set $a00 (v128.const i32x4 0 0 0 0)) (local.set $a10 (v128.const i32x4 0 0 0 0)) (local.set $a20 (v128.const i32x4 0 0 0 0)) (local.set $a30 (v128.const i32x4 0 0 0 0))
      (local.set $a01 (v128.const i32x4 0 0 0 0)) (local.set $a11 (v128.const i32x4 0 0 0 0)) (local.set $a21 (v128.const i32x4 0 0 0 0)) (local.set $a31 (v128.const i32x4 0 0 0 0))
      (local.set $pb0 (local.get $panel))
      (local.set $b (i32.const 0))
      (block $blocksDone (loop $block
        (br_if $blocksDone (i32.ge_u (local.get $b) (local.get $nb)))
        (local.set $px (i32.add (local.get $x2) (i32.add (i32.mul (local.get $b) (local.get $stride)) (i32.mul (i32.shr_u (local.get $m) (i32.const 1)) (i32.const 160)))))
        (local.set $s00 (v128.const i32x4 0 0 0 0)) (local.set $s10 (v128.const i32x4 0 0 0 0)) (local.set $s20 (v128.const i32x4 0 0 0 0)) (local.set $s30 (v128.const i32x4 0 0 0 0))
        (local.set $s01 (v128.const i32x4 0 0 0 0)) (local.set $s11 (v128.const i32x4 0 0 0 0)) (local.set $s21 (v128.const i32x4 0 0 0 0)) (local.set $s31 (v128.const i32x4 0 0 0 0))
        ;; the block's 8 quads of k, one a turn
        (local.set $pb (local.get $pb0))
        (local.set $end (i32.add (local.get $pb0) (i32.const 512)))
        (loop $quads
          (local.set $w0 (v128.load offset=0 (local.get $pb))) (local.set $w1 (v128.load offset=16 (local.get $pb)))
          (local.set $w2 (v128.load offset=32 (local.get $pb))) (local.set $w3 (v128.load offset=48 (local.get $pb)))
          (local.set $v0 (v128.load offset=0 (local.get $px))) (local.set $v1 (v128.load offset=160 (local.get $px)))
          (local.set $s00 (i16x8.add (local.get $s00) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $v0) (local.get $w0))))
          (local.set $s10 (i16x8.add (local.get $s10) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $v0) (local.get $w1))))
          (local.set $s20 (i16x8.add (local.get $s20) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $v0) (local.get $w2))))
          (local.set $s30 (i16x8.add (local.get $s30) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $v0) (local.get $w3))))
          (local.set $s01 (i16x8.add (local.get $s01) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $v1) (local.get $w0))))
          (local.set $s11 (i16x8.add (local.get $s11) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $v1) (local.get $w1))))
          (local.set $s21 (i16x8.add (local.get $s21) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $v1) (local.get $w2))))
          (local.set $s31 (i16x8.add (local.get $s31) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $v1) (local.get $w3))))
          (local.set $pb (i32.add (local.get $pb) (i32.const 64)))
          (local.set $px (i32.add (local.get $px) (i32.const 16)))
          (br_if $quads (i32.lt_u (local.get $pb) (local.get $end))))
        ;; at px: x's 8·Σq_x [a, a, b, b] (pair J at J·160) and [d_a, d_a, d_b, d_b] 16 on; W's [d_A, d_B, d_A, d_B] after the panel block's vectors
        (local.set $c0 (v128.load offset=0 (local.get $px))) (local.set $c1 (v128.load offset=160 (local.get $px)))
        (local.set $e0 (v128.load offset=16 (local.get $px))) (local.set $e1 (v128.load offset=176 (local.get $px)))
        (local.set $f (v128.load offset=512 (local.get $pb0)))
        (local.set $a00 (f32x4.add (local.get $a00) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.sub (i32x4.dot_i16x8_s (local.get $s00) (local.get $one)) (local.get $c0))) (f32x4.mul (local.get $f) (local.get $e0)))))
        (local.set $a01 (f32x4.add (local.get $a01) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.sub (i32x4.dot_i16x8_s (local.get $s01) (local.get $one)) (local.get $c1))) (f32x4.mul (local.get $f) (local.get $e1)))))
        (local.set $f (v128.load offset=528 (local.get $pb0)))
        (local.set $a10 (f32x4.add (local.get $a10) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.sub (i32x4.dot_i16x8_s (local.get $s10) (local.get $one)) (local.get $c0))) (f32x4.mul (local.get $f) (local.get $e0)))))
        (local.set $a11 (f32x4.add (local.get $a11) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.sub (i32x4.dot_i16x8_s (local.get $s11) (local.get $one)) (local.get $c1))) (f32x4.mul (local.get $f) (local.get $e1)))))
        (local.set $f (v128.load offset=544 (local.get $pb0)))
        (local.set $a20 (f32x4.add (local.get $a20) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.sub (i32x4.dot_i16x8_s (local.get $s20) (local.get $one)) (local.get $c0))) (f32x4.mul (local.get $f) (local.get $e0)))))
        (local.set $a21 (f32x4.add (local.get $a21) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.sub (i32x4.dot_i16x8_s (local.get $s21) (local.get $one)) (local.get $c1))) (f32x4.mul (local.get $f) (local.get $e1)))))
        (local.set $f (v128.load offset=560 (local.get $pb0)))
        (local.set $a30 (f32x4.add (local.get $a30) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.sub (i32x4.dot_i16x8_s (local.get $s30) (local.get $one)) (local.get $c0))) (f32x4.mul (local.get $f) (local.get $e0)))))
        (local.set $a31 (f32x4.add (local.get $a31) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.sub (i32x4.dot_i16x8_s (local.get $s31) (local.get $one)) (local.get $c1))) (f32x4.mul (local.get $f) (local.get $e1)))))
        (local.set $pb0 (i32.add (local.get $pb0) (i32.const 576)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $block)))
      (local.set $o (i32.add (local.get $out) (i32.shl (i32.mul (local.get $m) (local.get $ldo)) (i32.const 2))))
      (call $store2x2 (i32.add (local.get $o) (i32.const 0)) (local.get $a00) (i32.sub (local.get $cols) (i32.const 0)) (local.get $ldo) (i32.sub (local.get $M) (i32.add (local.get $m) (i32.const 0))))
      (call $store2x2 (i32.add (local.get $o) (i32.const 8)) (local.get $a10) (i32.sub (local.get $cols) (i32.const 2)) (local.get $ldo) (i32.sub (local.get $M) (i32.add (local.get $m) (i32.const 0))))
      (call $store2x2 (i32.add (local.get $o) (i32.const 16)) (local.get $a20) (i32.sub (local.get $cols) (i32.const 4)) (local.get $ldo) (i32.sub (local.get $M) (i32.add (local.get $m) (i32.const 0))))
      (call $store2x2 (i32.add (local.get $o) (i32.const 24)) (local.get $a30) (i32.sub (local.get $cols) (i32.const 6)) (local.get $ldo) (i32.sub (local.get $M) (i32.add (local.get $m) (i32.const 0))))
      (local.set $o (i32.add (local.get $o) (i32.shl (local.get $ldo) (i32.const 3))))
      (call $store2x2 (i32.add (local.get $o) (i32.const 0)) (local.get $a01) (i32.sub (local.get $cols) (i32.const 0)) (local.get $ldo) (i32.sub (local.get $M) (i32.add (local.get $m) (i32.const 2))))
      (call $store2x2 (i32.add (local.get $o) (i32.const 8)) (local.get $a11) (i32.sub (local.get $cols) (i32.const 2)) (local.get $ldo) (i32.sub (local.get $M) (i32.add (local.get $m) (i32.const 2))))
      (call $store2x2 (i32.add (local.get $o) (i32.const 16)) (local.get $a21) (i32.sub (local.get $cols) (i32.const 4)) (local.get $ldo) (i32.sub (local.get $M) (i32.add (local.get $m) (i32.const 2))))
      (call $store2x2 (i32.add (local.get $o) (i32.const 24)) (local.get $a31) (i32.sub (local.get $cols) (i32.const 6)) (local.get $ldo) (i32.sub (local.get $M) (i32.add (local.get $m) (i32.const 2))))
      (local.set $o (i32.add (local.get $o) (i32.shl (local.get $ldo) (i32.const 3))))
      (local.set $m (i32.add (local.get $m) (i32.const 4)))
      (br $rows4))))
