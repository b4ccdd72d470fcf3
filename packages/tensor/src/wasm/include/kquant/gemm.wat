;; kquant/gemm.wat (kquant.wat): gemmQ4_K, gemmQ5_K, gemmQ6_K — prefill's products (many rows of x)
;; with Q4_K / Q5_K / Q6_K W, the same numbers as dotQ4_K / dotQ5_K / dotQ6_K bit for bit, on compact/int-gemm.wat's plan:
;; W packed 8 rows at a time (kquant/gemm-pack.wat: weights times their sub-block scales, as i16),
;; x laid out by pairs of rows (kquant/gemm-acts.wat), so that one i32x4.dot_i16x8_s gives four
;; useful outputs, each lane a (W row, x row) pair over one pair of k:
;;   W vector (rows A, B): [A k0, A k1, B k0, B k1, A k0, A k1, B k0, B k1]
;;   x vector (rows a, b): [a k0, a k1, a k0, a k1, b k0, b k1, b k0, b k1]
;;   lanes: (A, a), (B, a), (A, b), (B, b)
;; A tile is 8 W rows (4 W vectors) × 4 rows of x (2 x vectors): 8 i32 accumulators, six loads and
;; eight dot-adds per pair of k (14 xmm registers in the loop). Per super-block, lane by lane, the
;; row-dots' float chain (kquant.wat): the 128 pairs' exact total Σ (|Σ| < 2^27), then
;;     acc ← acc + f32(Σ)·(d_w·d_x);   Q4_K, Q5_K: the 4 mins pairs' total Σm, acc ← acc − f32(Σm)·(dmin_w·d_x)
;; Uses $packK, $store2x2 (packed-rows.wat).

  ;; ---------------------------------------------------------------------------------------------
  ;; gemmQ4_K / gemmQ5_K / gemmQ6_K: out[m·ldo + r] = Σ_k x[m, k]·W[r, k] for m < M, r < rows: x from
  ;; pairActsK at x2 (nsb super-blocks), W [rows][nsb] super-blocks at w, `panel`: nsb·8576 + 1088
  ;; bytes of scratch of this call alone.
  ;; ---------------------------------------------------------------------------------------------
  (func (export "gemmQ4_K") (param $x2 i32) (param $M i32) (param $nsb i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32) (param $panel i32)
    (call $gemmK (local.get $x2) (local.get $M) (local.get $nsb) (local.get $w) (local.get $rows) (local.get $out) (local.get $ldo) (local.get $panel) (i32.const 0)))

  (func (export "gemmQ5_K") (param $x2 i32) (param $M i32) (param $nsb i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32) (param $panel i32)
    (call $gemmK (local.get $x2) (local.get $M) (local.get $nsb) (local.get $w) (local.get $rows) (local.get $out) (local.get $ldo) (local.get $panel) (i32.const 2)))

  (func (export "gemmQ6_K") (param $x2 i32) (param $M i32) (param $nsb i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32) (param $panel i32)
    (call $gemmK (local.get $x2) (local.get $M) (local.get $nsb) (local.get $w) (local.get $rows) (local.get $out) (local.get $ldo) (local.get $panel) (i32.const 1)))

  (func $gemmK (param $x2 i32) (param $M i32) (param $nsb i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32) (param $panel i32) (param $kind i32)
    (local $r i32)
    (block $done (loop $group
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (call $packK (local.get $w) (local.get $nsb) (local.get $r) (local.get $rows) (local.get $panel) (local.get $kind))
      (call $kPanelTimesActs (local.get $x2) (local.get $M) (local.get $nsb) (local.get $panel)
        (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2))) (local.get $ldo) (i32.sub (local.get $rows) (local.get $r)) (i32.ne (local.get $kind) (i32.const 1)))
      (local.set $r (i32.add (local.get $r) (i32.const 8)))
      (br $group))))

  ;; out[m·ldo + c] (c < min(cols, 8)) = the panel's 8 rows times every row of x, 4 rows of x
  ;; (2 pairs) at a time; sQJ / aQJ: W vector Q (rows 2Q, 2Q+1) against x pair J (rows m+2J, m+2J+1).
  ;; mins: 1 for Q4_K and Q5_K (the mins pairs and dmin term).
  (func $kPanelTimesActs (param $x2 i32) (param $M i32) (param $nsb i32) (param $panel i32) (param $out i32) (param $ldo i32) (param $cols i32) (param $mins i32)
    (local $m i32) (local $b i32) (local $pb i32) (local $pb0 i32) (local $px i32) (local $px0 i32) (local $end i32) (local $stride i32) (local $o i32)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128) (local $v0 v128) (local $v1 v128) (local $f v128) (local $e0 v128) (local $e1 v128)
    (local $s00 v128) (local $s10 v128) (local $s20 v128) (local $s30 v128) (local $s01 v128) (local $s11 v128) (local $s21 v128) (local $s31 v128)
    (local $a00 v128) (local $a10 v128) (local $a20 v128) (local $a30 v128) (local $a01 v128) (local $a11 v128) (local $a21 v128) (local $a31 v128)
    ;; pairActsK lays x out super-block-major: block b of pair j at x2 + (b·Jp + j)·2128, Jp = ⌈M/2⌉ rounded up to even
    (local.set $stride (i32.mul (i32.shl (i32.shr_u (i32.add (local.get $M) (i32.const 3)) (i32.const 2)) (i32.const 1)) (i32.const 2128)))
    (block $done (loop $rows4
      (br_if $done (i32.ge_u (local.get $m) (local.get $M)))
      (local.set $a00 (v128.const i32x4 0 0 0 0)) (local.set $a10 (v128.const i32x4 0 0 0 0)) (local.set $a20 (v128.const i32x4 0 0 0 0)) (local.set $a30 (v128.const i32x4 0 0 0 0))
      (local.set $a01 (v128.const i32x4 0 0 0 0)) (local.set $a11 (v128.const i32x4 0 0 0 0)) (local.set $a21 (v128.const i32x4 0 0 0 0)) (local.set $a31 (v128.const i32x4 0 0 0 0))
      (local.set $pb0 (local.get $panel))
      (local.set $b (i32.const 0))
      (block $blocksDone (loop $block
        (br_if $blocksDone (i32.ge_u (local.get $b) (local.get $nsb)))
        (local.set $px0 (i32.add (local.get $x2) (i32.add (i32.mul (local.get $b) (local.get $stride)) (i32.mul (i32.shr_u (local.get $m) (i32.const 1)) (i32.const 2128)))))
        (local.set $px (local.get $px0))
        (local.set $s00 (v128.const i32x4 0 0 0 0)) (local.set $s10 (v128.const i32x4 0 0 0 0)) (local.set $s20 (v128.const i32x4 0 0 0 0)) (local.set $s30 (v128.const i32x4 0 0 0 0))
        (local.set $s01 (v128.const i32x4 0 0 0 0)) (local.set $s11 (v128.const i32x4 0 0 0 0)) (local.set $s21 (v128.const i32x4 0 0 0 0)) (local.set $s31 (v128.const i32x4 0 0 0 0))
        ;; the super-block's 128 pairs of k, one a turn
        (local.set $pb (local.get $pb0))
        (local.set $end (i32.add (local.get $pb0) (i32.const 8192)))
        (loop $pairs
          (local.set $w0 (v128.load offset=0 (local.get $pb))) (local.set $w1 (v128.load offset=16 (local.get $pb)))
          (local.set $w2 (v128.load offset=32 (local.get $pb))) (local.set $w3 (v128.load offset=48 (local.get $pb)))
          (local.set $v0 (v128.load offset=0 (local.get $px))) (local.set $v1 (v128.load offset=2128 (local.get $px)))
          (local.set $s00 (i32x4.add (local.get $s00) (i32x4.dot_i16x8_s (local.get $w0) (local.get $v0))))
          (local.set $s10 (i32x4.add (local.get $s10) (i32x4.dot_i16x8_s (local.get $w1) (local.get $v0))))
          (local.set $s20 (i32x4.add (local.get $s20) (i32x4.dot_i16x8_s (local.get $w2) (local.get $v0))))
          (local.set $s30 (i32x4.add (local.get $s30) (i32x4.dot_i16x8_s (local.get $w3) (local.get $v0))))
          (local.set $s01 (i32x4.add (local.get $s01) (i32x4.dot_i16x8_s (local.get $w0) (local.get $v1))))
          (local.set $s11 (i32x4.add (local.get $s11) (i32x4.dot_i16x8_s (local.get $w1) (local.get $v1))))
          (local.set $s21 (i32x4.add (local.get $s21) (i32x4.dot_i16x8_s (local.get $w2) (local.get $v1))))
          (local.set $s31 (i32x4.add (local.get $s31) (i32x4.dot_i16x8_s (local.get $w3) (local.get $v1))))
          (local.set $pb (i32.add (local.get $pb) (i32.const 64)))
          (local.set $px (i32.add (local.get $px) (i32.const 16)))
          (br_if $pairs (i32.lt_u (local.get $pb) (local.get $end))))
        ;; acc + f32(Σ)·(d_w·d_x): x's [d_a, d_a, d_b, d_b] at 2112 of each pair, W's [d_A, d_B, d_A, d_B] at 8448 of the panel block
        (local.set $e0 (v128.load offset=2112 (local.get $px0))) (local.set $e1 (v128.load offset=4240 (local.get $px0)))
        (local.set $f (v128.load offset=8448 (local.get $pb0)))
        (local.set $a00 (f32x4.add (local.get $a00) (f32x4.mul (f32x4.convert_i32x4_s (local.get $s00)) (f32x4.mul (local.get $f) (local.get $e0)))))
        (local.set $a01 (f32x4.add (local.get $a01) (f32x4.mul (f32x4.convert_i32x4_s (local.get $s01)) (f32x4.mul (local.get $f) (local.get $e1)))))
        (local.set $f (v128.load offset=8464 (local.get $pb0)))
        (local.set $a10 (f32x4.add (local.get $a10) (f32x4.mul (f32x4.convert_i32x4_s (local.get $s10)) (f32x4.mul (local.get $f) (local.get $e0)))))
        (local.set $a11 (f32x4.add (local.get $a11) (f32x4.mul (f32x4.convert_i32x4_s (local.get $s11)) (f32x4.mul (local.get $f) (local.get $e1)))))
        (local.set $f (v128.load offset=8480 (local.get $pb0)))
        (local.set $a20 (f32x4.add (local.get $a20) (f32x4.mul (f32x4.convert_i32x4_s (local.get $s20)) (f32x4.mul (local.get $f) (local.get $e0)))))
        (local.set $a21 (f32x4.add (local.get $a21) (f32x4.mul (f32x4.convert_i32x4_s (local.get $s21)) (f32x4.mul (local.get $f) (local.get $e1)))))
        (local.set $f (v128.load offset=8496 (local.get $pb0)))
        (local.set $a30 (f32x4.add (local.get $a30) (f32x4.mul (f32x4.convert_i32x4_s (local.get $s30)) (f32x4.mul (local.get $f) (local.get $e0)))))
        (local.set $a31 (f32x4.add (local.get $a31) (f32x4.mul (f32x4.convert_i32x4_s (local.get $s31)) (f32x4.mul (local.get $f) (local.get $e1)))))
        (if (local.get $mins) (then
          (local.set $s00 (v128.const i32x4 0 0 0 0)) (local.set $s10 (v128.const i32x4 0 0 0 0)) (local.set $s20 (v128.const i32x4 0 0 0 0)) (local.set $s30 (v128.const i32x4 0 0 0 0))
          (local.set $s01 (v128.const i32x4 0 0 0 0)) (local.set $s11 (v128.const i32x4 0 0 0 0)) (local.set $s21 (v128.const i32x4 0 0 0 0)) (local.set $s31 (v128.const i32x4 0 0 0 0))
          ;; Q4_K: the 4 pairs of mins against x's Σq (pb, px now at pair 128)
          (local.set $end (i32.add (local.get $pb) (i32.const 256)))
          (loop $minPairs
            (local.set $w0 (v128.load offset=0 (local.get $pb))) (local.set $w1 (v128.load offset=16 (local.get $pb)))
            (local.set $w2 (v128.load offset=32 (local.get $pb))) (local.set $w3 (v128.load offset=48 (local.get $pb)))
            (local.set $v0 (v128.load offset=0 (local.get $px))) (local.set $v1 (v128.load offset=2128 (local.get $px)))
            (local.set $s00 (i32x4.add (local.get $s00) (i32x4.dot_i16x8_s (local.get $w0) (local.get $v0))))
            (local.set $s10 (i32x4.add (local.get $s10) (i32x4.dot_i16x8_s (local.get $w1) (local.get $v0))))
            (local.set $s20 (i32x4.add (local.get $s20) (i32x4.dot_i16x8_s (local.get $w2) (local.get $v0))))
            (local.set $s30 (i32x4.add (local.get $s30) (i32x4.dot_i16x8_s (local.get $w3) (local.get $v0))))
            (local.set $s01 (i32x4.add (local.get $s01) (i32x4.dot_i16x8_s (local.get $w0) (local.get $v1))))
            (local.set $s11 (i32x4.add (local.get $s11) (i32x4.dot_i16x8_s (local.get $w1) (local.get $v1))))
            (local.set $s21 (i32x4.add (local.get $s21) (i32x4.dot_i16x8_s (local.get $w2) (local.get $v1))))
            (local.set $s31 (i32x4.add (local.get $s31) (i32x4.dot_i16x8_s (local.get $w3) (local.get $v1))))
            (local.set $pb (i32.add (local.get $pb) (i32.const 64)))
            (local.set $px (i32.add (local.get $px) (i32.const 16)))
            (br_if $minPairs (i32.lt_u (local.get $pb) (local.get $end))))
          (local.set $e0 (v128.load offset=2112 (local.get $px0))) (local.set $e1 (v128.load offset=4240 (local.get $px0)))
          (local.set $f (v128.load offset=8512 (local.get $pb0)))
          (local.set $a00 (f32x4.sub (local.get $a00) (f32x4.mul (f32x4.convert_i32x4_s (local.get $s00)) (f32x4.mul (local.get $f) (local.get $e0)))))
          (local.set $a01 (f32x4.sub (local.get $a01) (f32x4.mul (f32x4.convert_i32x4_s (local.get $s01)) (f32x4.mul (local.get $f) (local.get $e1)))))
          (local.set $f (v128.load offset=8528 (local.get $pb0)))
          (local.set $a10 (f32x4.sub (local.get $a10) (f32x4.mul (f32x4.convert_i32x4_s (local.get $s10)) (f32x4.mul (local.get $f) (local.get $e0)))))
          (local.set $a11 (f32x4.sub (local.get $a11) (f32x4.mul (f32x4.convert_i32x4_s (local.get $s11)) (f32x4.mul (local.get $f) (local.get $e1)))))
          (local.set $f (v128.load offset=8544 (local.get $pb0)))
          (local.set $a20 (f32x4.sub (local.get $a20) (f32x4.mul (f32x4.convert_i32x4_s (local.get $s20)) (f32x4.mul (local.get $f) (local.get $e0)))))
          (local.set $a21 (f32x4.sub (local.get $a21) (f32x4.mul (f32x4.convert_i32x4_s (local.get $s21)) (f32x4.mul (local.get $f) (local.get $e1)))))
          (local.set $f (v128.load offset=8560 (local.get $pb0)))
          (local.set $a30 (f32x4.sub (local.get $a30) (f32x4.mul (f32x4.convert_i32x4_s (local.get $s30)) (f32x4.mul (local.get $f) (local.get $e0)))))
          (local.set $a31 (f32x4.sub (local.get $a31) (f32x4.mul (f32x4.convert_i32x4_s (local.get $s31)) (f32x4.mul (local.get $f) (local.get $e1)))))
))
        (local.set $pb0 (i32.add (local.get $pb0) (i32.const 8576)))
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
