;; norm/row-sums.wat (norm.wat): the row reductions the norms share, over n f32 at byte address p:
;; $dot (Σ p·q, or Σ p² for q = 0), $sqDev (Σ (p − m)²), $sum (Σ p, in float64 lanes) and $sum4
;; (the 4 lanes of a partial sum added in float64). Each returns f64.

  ;; Σ p[0:n]·q[0:n] (q = 0: Σ p², the sum of squares)
  (func $dot (param $p i32) (param $q i32) (param $n i32) (result f64)
    (local $o i32) (local $end i32) (local $end8 i32) (local $a v128) (local $b v128) (local $v v128) (local $w v128) (local $s f64)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end8 (i32.and (local.get $end) (i32.const -32)))
    (if (i32.eqz (local.get $q)) (then (local.set $q (local.get $p))))
    (block $done (loop $v8
      (br_if $done (i32.ge_u (local.get $o) (local.get $end8)))
      (local.set $a (f32x4.add (local.get $a) (f32x4.mul (v128.load (i32.add (local.get $p) (local.get $o))) (v128.load (i32.add (local.get $q) (local.get $o))))))
      (local.set $b (f32x4.add (local.get $b) (f32x4.mul (v128.load offset=16 (i32.add (local.get $p) (local.get $o))) (v128.load offset=16 (i32.add (local.get $q) (local.get $o))))))
      (local.set $o (i32.add (local.get $o) (i32.const 32)))
      (br $v8)))
    (local.set $s (call $sum4 (f32x4.add (local.get $a) (local.get $b))))
    (block $done (loop $t
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (local.set $s (f64.add (local.get $s) (f64.promote_f32 (f32.mul (f32.load (i32.add (local.get $p) (local.get $o))) (f32.load (i32.add (local.get $q) (local.get $o)))))))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $t)))
    (local.get $s))

  ;; Σ (p[0:n] − m)²
  (func $sqDev (param $p i32) (param $n i32) (param $m f32) (result f64)
    (local $o i32) (local $end i32) (local $end8 i32) (local $a v128) (local $b v128) (local $vm v128) (local $d v128) (local $s f64) (local $ds f32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end8 (i32.and (local.get $end) (i32.const -32)))
    (local.set $vm (f32x4.splat (local.get $m)))
    (block $done (loop $v8
      (br_if $done (i32.ge_u (local.get $o) (local.get $end8)))
      (local.set $d (f32x4.sub (v128.load (i32.add (local.get $p) (local.get $o))) (local.get $vm)))
      (local.set $a (f32x4.add (local.get $a) (f32x4.mul (local.get $d) (local.get $d))))
      (local.set $d (f32x4.sub (v128.load offset=16 (i32.add (local.get $p) (local.get $o))) (local.get $vm)))
      (local.set $b (f32x4.add (local.get $b) (f32x4.mul (local.get $d) (local.get $d))))
      (local.set $o (i32.add (local.get $o) (i32.const 32)))
      (br $v8)))
    (local.set $s (call $sum4 (f32x4.add (local.get $a) (local.get $b))))
    (block $done (loop $t
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (local.set $ds (f32.sub (f32.load (i32.add (local.get $p) (local.get $o))) (local.get $m)))
      (local.set $s (f64.add (local.get $s) (f64.promote_f32 (f32.mul (local.get $ds) (local.get $ds)))))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $t)))
    (local.get $s))

  ;; Σ p[0:n], accumulated in float64 lanes (f64x2): the layerNorm mean must be exact enough that a
  ;; constant row has deviations of exactly 0, as in the float64 JS kernel; with RustGPT's eps outside
  ;; the root, 1/(σ + eps) ≈ 1e5 would amplify float32 rounding of the mean into visible output.
  (func $sum (param $p i32) (param $n i32) (result f64)
    (local $o i32) (local $end i32) (local $end4 i32) (local $v v128) (local $a v128) (local $b v128) (local $s f64)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (block $done (loop $v4
      (br_if $done (i32.ge_u (local.get $o) (local.get $end4)))
      (local.set $v (v128.load (i32.add (local.get $p) (local.get $o))))
      (local.set $a (f64x2.add (local.get $a) (f64x2.promote_low_f32x4 (local.get $v))))
      (local.set $b (f64x2.add (local.get $b) (f64x2.promote_low_f32x4
        (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $v4)))
    (local.set $a (f64x2.add (local.get $a) (local.get $b)))
    (local.set $s (f64.add (f64x2.extract_lane 0 (local.get $a)) (f64x2.extract_lane 1 (local.get $a))))
    (block $done (loop $t
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (local.set $s (f64.add (local.get $s) (f64.promote_f32 (f32.load (i32.add (local.get $p) (local.get $o))))))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $t)))
    (local.get $s))

  ;; v.0 + v.1 + v.2 + v.3, in float64
  (func $sum4 (param $v v128) (result f64)
    (f64.add
      (f64.add (f64.promote_f32 (f32x4.extract_lane 0 (local.get $v))) (f64.promote_f32 (f32x4.extract_lane 1 (local.get $v))))
      (f64.add (f64.promote_f32 (f32x4.extract_lane 2 (local.get $v))) (f64.promote_f32 (f32x4.extract_lane 3 (local.get $v))))))
