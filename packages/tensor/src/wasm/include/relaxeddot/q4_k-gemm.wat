;; relaxeddot/q4_k-gemm.wat (relaxeddot.wat, relaxed build only): the export gemmQ4_K, prefill's
;; Q4_K product on i16x8.relaxed_dot_i8x16_i7x16_s — kquant/gemm.wat's tiling (8 W rows × 4 rows of
;; x, each lane one (W row, x row) output) on bytes, as relaxeddot/q4_0-gemm.wat does for Q4_0:
;; the same float32 outputs bit for bit as kquant.wat's dotQ4_K / gemmQ4_K.
;; Uses $store2x2 (packed-rows.wat) and the operands of relaxeddot/q4_k-gemm-pack.wat.
;;
;; Per quad of k (4 of a sub-block's 32): W [A n0…n3, B n0…n3, A n0…n3, B n0…n3] (stored nibbles,
;; 0…15: the "i7" operand), x [a q0…q3, a q0…q3, b q0…q3, b q0…q3], so the i16 lanes are (A,a) k01,
;; (A,a) k23, (B,a) …, (A,b) …, (B,b) …, each 2 products a quad, |n·q| ≤ 15·127: a sub-block's 8
;; quads stay exact in i16 (≤ 16·1905 < 2^15). i32x4.dot_i16x8_s against the sub-block's scales
;; [sc_A, sc_A, sc_B, sc_B, sc_A, sc_A, sc_B, sc_B] then widens them to lanes (A,a), (B,a), (A,b),
;; (B,b) of sc·Σ n·q, summed over the 8 sub-blocks in i32: the super-block's Σ of kquant/gemm.wat,
;; the same integer. The mins' Σ and the float steps are kquant/gemm.wat's.

  ;; ---------------------------------------------------------------------------------------------
  ;; gemmQ4_K: out[m·ldo + r] = Σ_k x[m, k]·W[r, k] for m < M, r < rows: x from pairActsK8 at x2,
  ;; W [rows][nsb] Q4_K super-blocks at w, `panel`: nsb·4992 bytes of scratch of this call alone.
  ;; ---------------------------------------------------------------------------------------------
  (func (export "gemmQ4_K") (param $x2 i32) (param $M i32) (param $nsb i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32) (param $panel i32)
    (local $r i32)
    (block $done (loop $group
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (call $packQ4_K8 (local.get $w) (local.get $nsb) (local.get $r) (local.get $rows) (local.get $panel))
      (call $nibblesQ4_KTimesActs (local.get $x2) (local.get $M) (local.get $nsb) (local.get $panel)
        (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2))) (local.get $ldo) (i32.sub (local.get $rows) (local.get $r)))
      (local.set $r (i32.add (local.get $r) (i32.const 8)))
      (br $group))))

  ;; out[m·ldo + c] (c < min(cols, 8)) = the panel's 8 rows times every row of x, 4 rows of x (2
  ;; pairs) at a time; sQJ (i16 lanes, one sub-block) / tQJ (i32, the super-block) / aQJ: W vector Q
  ;; (rows 2Q, 2Q+1) against x pair J.
  (func $nibblesQ4_KTimesActs (param $x2 i32) (param $M i32) (param $nsb i32) (param $panel i32) (param $out i32) (param $ldo i32) (param $cols i32)
    (local $m i32) (local $b i32) (local $pb i32) (local $pb0 i32) (local $pbs i32) (local $px i32) (local $px0 i32) (local $end i32) (local $stride i32) (local $o i32)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128) (local $v0 v128) (local $v1 v128) (local $f v128) (local $e0 v128) (local $e1 v128)
    (local $s00 v128) (local $s10 v128) (local $s20 v128) (local $s30 v128) (local $s01 v128) (local $s11 v128) (local $s21 v128) (local $s31 v128)
    (local $t00 v128) (local $t10 v128) (local $t20 v128) (local $t30 v128) (local $t01 v128) (local $t11 v128) (local $t21 v128) (local $t31 v128)
    (local $a00 v128) (local $a10 v128) (local $a20 v128) (local $a30 v128) (local $a01 v128) (local $a11 v128) (local $a21 v128) (local $a31 v128)
    ;; pairActsK8 lays x out super-block-major: block b of pair j at x2 + (b·Jp + j)·1104, Jp = ⌈M/2⌉ rounded up to even
    (local.set $stride (i32.mul (i32.shl (i32.shr_u (i32.add (local.get $M) (i32.const 3)) (i32.const 2)) (i32.const 1)) (i32.const 1104)))
    (block $done (loop $rows4
      (br_if $done (i32.ge_u (local.get $m) (local.get $M)))
      (local.set $a00 (v128.const i32x4 0 0 0 0)) (local.set $a10 (v128.const i32x4 0 0 0 0)) (local.set $a20 (v128.const i32x4 0 0 0 0)) (local.set $a30 (v128.const i32x4 0 0 0 0))
      (local.set $a01 (v128.const i32x4 0 0 0 0)) (local.set $a11 (v128.const i32x4 0 0 0 0)) (local.set $a21 (v128.const i32x4 0 0 0 0)) (local.set $a31 (v128.const i32x4 0 0 0 0))
      (local.set $pb0 (local.get $panel))
      (local.set $b (i32.const 0))
      (block $blocksDone (loop $block
        (br_if $blocksDone (i32.ge_u (local.get $b) (local.get $nsb)))
        (local.set $px0 (i32.add (local.get $x2) (i32.add (i32.mul (local.get $b) (local.get $stride)) (i32.mul (i32.shr_u (local.get $m) (i32.const 1)) (i32.const 1104)))))
        (local.set $px (local.get $px0))
        (local.set $pb (local.get $pb0))
        (local.set $t00 (v128.const i32x4 0 0 0 0)) (local.set $t10 (v128.const i32x4 0 0 0 0)) (local.set $t20 (v128.const i32x4 0 0 0 0)) (local.set $t30 (v128.const i32x4 0 0 0 0))
        (local.set $t01 (v128.const i32x4 0 0 0 0)) (local.set $t11 (v128.const i32x4 0 0 0 0)) (local.set $t21 (v128.const i32x4 0 0 0 0)) (local.set $t31 (v128.const i32x4 0 0 0 0))
        ;; the 8 sub-blocks: 8 quads each in i16, then widened times the sub-block's scales (at pb0 + 4096 + 64·s)
        (local.set $pbs (local.get $pb0))
        (loop $subBlocks
          (local.set $s00 (v128.const i32x4 0 0 0 0)) (local.set $s10 (v128.const i32x4 0 0 0 0)) (local.set $s20 (v128.const i32x4 0 0 0 0)) (local.set $s30 (v128.const i32x4 0 0 0 0))
          (local.set $s01 (v128.const i32x4 0 0 0 0)) (local.set $s11 (v128.const i32x4 0 0 0 0)) (local.set $s21 (v128.const i32x4 0 0 0 0)) (local.set $s31 (v128.const i32x4 0 0 0 0))
          (local.set $end (i32.add (local.get $pb) (i32.const 512)))
          (loop $quads
            (local.set $w0 (v128.load offset=0 (local.get $pb))) (local.set $w1 (v128.load offset=16 (local.get $pb)))
            (local.set $w2 (v128.load offset=32 (local.get $pb))) (local.set $w3 (v128.load offset=48 (local.get $pb)))
            (local.set $v0 (v128.load offset=0 (local.get $px))) (local.set $v1 (v128.load offset=1104 (local.get $px)))
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
          (local.set $f (v128.load offset=4096 (local.get $pbs)))
          (local.set $t00 (i32x4.add (local.get $t00) (i32x4.dot_i16x8_s (local.get $s00) (local.get $f))))
          (local.set $t01 (i32x4.add (local.get $t01) (i32x4.dot_i16x8_s (local.get $s01) (local.get $f))))
          (local.set $f (v128.load offset=4112 (local.get $pbs)))
          (local.set $t10 (i32x4.add (local.get $t10) (i32x4.dot_i16x8_s (local.get $s10) (local.get $f))))
          (local.set $t11 (i32x4.add (local.get $t11) (i32x4.dot_i16x8_s (local.get $s11) (local.get $f))))
          (local.set $f (v128.load offset=4128 (local.get $pbs)))
          (local.set $t20 (i32x4.add (local.get $t20) (i32x4.dot_i16x8_s (local.get $s20) (local.get $f))))
          (local.set $t21 (i32x4.add (local.get $t21) (i32x4.dot_i16x8_s (local.get $s21) (local.get $f))))
          (local.set $f (v128.load offset=4144 (local.get $pbs)))
          (local.set $t30 (i32x4.add (local.get $t30) (i32x4.dot_i16x8_s (local.get $s30) (local.get $f))))
          (local.set $t31 (i32x4.add (local.get $t31) (i32x4.dot_i16x8_s (local.get $s31) (local.get $f))))
          (local.set $pbs (i32.add (local.get $pbs) (i32.const 64)))
          (br_if $subBlocks (i32.lt_u (local.get $pb) (i32.add (local.get $pb0) (i32.const 4096)))))
        ;; acc + f32(Σ)·(d_w·d_x): x's [d_a, d_a, d_b, d_b] at 1088 of each pair, W's [d_A, d_B, d_A, d_B] at 4864
        (local.set $e0 (v128.load offset=1088 (local.get $px0))) (local.set $e1 (v128.load offset=2192 (local.get $px0)))
        (local.set $f (v128.load offset=4864 (local.get $pb0)))
        (local.set $a00 (f32x4.add (local.get $a00) (f32x4.mul (f32x4.convert_i32x4_s (local.get $t00)) (f32x4.mul (local.get $f) (local.get $e0)))))
        (local.set $a01 (f32x4.add (local.get $a01) (f32x4.mul (f32x4.convert_i32x4_s (local.get $t01)) (f32x4.mul (local.get $f) (local.get $e1)))))
        (local.set $f (v128.load offset=4880 (local.get $pb0)))
        (local.set $a10 (f32x4.add (local.get $a10) (f32x4.mul (f32x4.convert_i32x4_s (local.get $t10)) (f32x4.mul (local.get $f) (local.get $e0)))))
        (local.set $a11 (f32x4.add (local.get $a11) (f32x4.mul (f32x4.convert_i32x4_s (local.get $t11)) (f32x4.mul (local.get $f) (local.get $e1)))))
        (local.set $f (v128.load offset=4896 (local.get $pb0)))
        (local.set $a20 (f32x4.add (local.get $a20) (f32x4.mul (f32x4.convert_i32x4_s (local.get $t20)) (f32x4.mul (local.get $f) (local.get $e0)))))
        (local.set $a21 (f32x4.add (local.get $a21) (f32x4.mul (f32x4.convert_i32x4_s (local.get $t21)) (f32x4.mul (local.get $f) (local.get $e1)))))
        (local.set $f (v128.load offset=4912 (local.get $pb0)))
        (local.set $a30 (f32x4.add (local.get $a30) (f32x4.mul (f32x4.convert_i32x4_s (local.get $t30)) (f32x4.mul (local.get $f) (local.get $e0)))))
        (local.set $a31 (f32x4.add (local.get $a31) (f32x4.mul (f32x4.convert_i32x4_s (local.get $t31)) (f32x4.mul (local.get $f) (local.get $e1)))))
        (local.set $t00 (v128.const i32x4 0 0 0 0)) (local.set $t10 (v128.const i32x4 0 0 0 0)) (local.set $t20 (v128.const i32x4 0 0 0 0)) (local.set $t30 (v128.const i32x4 0 0 0 0))
        (local.set $t01 (v128.const i32x4 0 0 0 0)) (local.set $t11 (v128.const i32x4 0 0 0 0)) (local.set $t21 (v128.const i32x4 0 0 0 0)) (local.set $t31 (v128.const i32x4 0 0 0 0))
        ;; the 4 pairs of mins (i16, panel @4608) against x's Σq pairs (@1024)
        (local.set $pb (i32.add (local.get $pb0) (i32.const 4608)))
        (local.set $px (i32.add (local.get $px0) (i32.const 1024)))
        (local.set $end (i32.add (local.get $pb) (i32.const 256)))
        (loop $minPairs
          (local.set $w0 (v128.load offset=0 (local.get $pb))) (local.set $w1 (v128.load offset=16 (local.get $pb)))
          (local.set $w2 (v128.load offset=32 (local.get $pb))) (local.set $w3 (v128.load offset=48 (local.get $pb)))
          (local.set $v0 (v128.load offset=0 (local.get $px))) (local.set $v1 (v128.load offset=1104 (local.get $px)))
          (local.set $t00 (i32x4.add (local.get $t00) (i32x4.dot_i16x8_s (local.get $w0) (local.get $v0))))
          (local.set $t10 (i32x4.add (local.get $t10) (i32x4.dot_i16x8_s (local.get $w1) (local.get $v0))))
          (local.set $t20 (i32x4.add (local.get $t20) (i32x4.dot_i16x8_s (local.get $w2) (local.get $v0))))
          (local.set $t30 (i32x4.add (local.get $t30) (i32x4.dot_i16x8_s (local.get $w3) (local.get $v0))))
          (local.set $t01 (i32x4.add (local.get $t01) (i32x4.dot_i16x8_s (local.get $w0) (local.get $v1))))
          (local.set $t11 (i32x4.add (local.get $t11) (i32x4.dot_i16x8_s (local.get $w1) (local.get $v1))))
          (local.set $t21 (i32x4.add (local.get $t21) (i32x4.dot_i16x8_s (local.get $w2) (local.get $v1))))
          (local.set $t31 (i32x4.add (local.get $t31) (i32x4.dot_i16x8_s (local.get $w3) (local.get $v1))))
          (local.set $pb (i32.add (local.get $pb) (i32.const 64)))
          (local.set $px (i32.add (local.get $px) (i32.const 16)))
          (br_if $minPairs (i32.lt_u (local.get $pb) (local.get $end))))
        (local.set $e0 (v128.load offset=1088 (local.get $px0))) (local.set $e1 (v128.load offset=2192 (local.get $px0)))
        (local.set $f (v128.load offset=4928 (local.get $pb0)))
        (local.set $a00 (f32x4.sub (local.get $a00) (f32x4.mul (f32x4.convert_i32x4_s (local.get $t00)) (f32x4.mul (local.get $f) (local.get $e0)))))
        (local.set $a01 (f32x4.sub (local.get $a01) (f32x4.mul (f32x4.convert_i32x4_s (local.get $t01)) (f32x4.mul (local.get $f) (local.get $e1)))))
        (local.set $f (v128.load offset=4944 (local.get $pb0)))
        (local.set $a10 (f32x4.sub (local.get $a10) (f32x4.mul (f32x4.convert_i32x4_s (local.get $t10)) (f32x4.mul (local.get $f) (local.get $e0)))))
        (local.set $a11 (f32x4.sub (local.get $a11) (f32x4.mul (f32x4.convert_i32x4_s (local.get $t11)) (f32x4.mul (local.get $f) (local.get $e1)))))
        (local.set $f (v128.load offset=4960 (local.get $pb0)))
        (local.set $a20 (f32x4.sub (local.get $a20) (f32x4.mul (f32x4.convert_i32x4_s (local.get $t20)) (f32x4.mul (local.get $f) (local.get $e0)))))
        (local.set $a21 (f32x4.sub (local.get $a21) (f32x4.mul (f32x4.convert_i32x4_s (local.get $t21)) (f32x4.mul (local.get $f) (local.get $e1)))))
        (local.set $f (v128.load offset=4976 (local.get $pb0)))
        (local.set $a30 (f32x4.sub (local.get $a30) (f32x4.mul (f32x4.convert_i32x4_s (local.get $t30)) (f32x4.mul (local.get $f) (local.get $e0)))))
        (local.set $a31 (f32x4.sub (local.get $a31) (f32x4.mul (f32x4.convert_i32x4_s (local.get $t31)) (f32x4.mul (local.get $f) (local.get $e1)))))
        (local.set $pb0 (i32.add (local.get $pb0) (i32.const 4992)))
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
