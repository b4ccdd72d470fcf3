;; exp-core.wat: included (;;#include exp-core.wat, scripts/build-wasm.mjs) by exp.wat and attention.wat, so
;; softmax and the fused attention share one exp, one row max and one sum of numerators.
;; Needs no imports; every function reads the memory the including module imports.

  ;; ---------------------------------------------------------------------------------------------
  ;; exp4: e^x per lane, float32 accuracy (~1-2 ulp), the Cephes expf scheme:
  ;;   n = round(x·log2 e), r = x − n·ln 2 (ln 2 split in two constants so r is exact enough),
  ;;   e^r ≈ 1 + r + r²·P(r) for |r| ≤ ln2/2, then e^x = e^r · 2^n with 2^n built from exponent bits.
  ;; Rounding: t = x·log2 e + 1.5·2²³ leaves round(x·log2 e) in t's low mantissa bits, so
  ;; n = t − 1.5·2²³ as a float and, as integer bits, (t − 1.5·2²³) + 127 is 2^n's exponent field.
  ;; P(r) by Estrin's scheme, (P0 + P1·r) + r²·(P2 + P3·r) + r⁴·(P4 + P5·r): a shorter dependency
  ;; chain than Horner's, which is what limits a loop of exps.
  ;; x is clamped to [−88, 88.376] first (pmin/pmax: x86 minps/maxps, keeping a NaN x): below, the
  ;; result is 0 exactly (n = −127 gives the bit pattern 0), at the top it reaches +inf.
  ;; ---------------------------------------------------------------------------------------------
  ;; exp constants, as immutable globals: V8 loads these from memory, where a v128.const in the
  ;; loop body would be rebuilt from two immediates on every use
  (global $EXP_HI v128 (v128.const f32x4 88.3762626647949 88.3762626647949 88.3762626647949 88.3762626647949))
  (global $EXP_LO v128 (v128.const f32x4 -88 -88 -88 -88))
  (global $LOG2E v128 (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341))
  (global $ROUND v128 (v128.const f32x4 12582912 12582912 12582912 12582912))
  (global $LN2_HI v128 (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))
  (global $LN2_LO v128 (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))
  (global $P0 v128 (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1))
  (global $P1 v128 (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1))
  (global $P2 v128 (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2))
  (global $P3 v128 (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3))
  (global $P4 v128 (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3))
  (global $P5 v128 (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
  (global $ONE v128 (v128.const f32x4 1 1 1 1))
  (global $BIAS v128 (v128.const i32x4 127 127 127 127))

  (func $exp4 (param $x v128) (result v128)
    (local $n v128) (local $t v128) (local $r v128) (local $r2 v128) (local $r4 v128) (local $p v128) (local $q v128)
    ;; clamp
    (local.set $x (f32x4.pmax (f32x4.pmin (local.get $x) (global.get $EXP_HI)) (global.get $EXP_LO)))
    ;; n = round(x·log2 e), via t = x·log2 e + 1.5·2²³
    (local.set $t (f32x4.add (f32x4.mul (local.get $x) (global.get $LOG2E)) (global.get $ROUND)))
    (local.set $n (f32x4.sub (local.get $t) (global.get $ROUND)))
    ;; r = x − n·ln 2
    (local.set $r (f32x4.sub (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (global.get $LN2_HI))) (f32x4.mul (local.get $n) (global.get $LN2_LO))))
    ;; P(r) = (P0 + P1·r) + r²·(P2 + P3·r) + r⁴·(P4 + P5·r)
    (local.set $r2 (f32x4.mul (local.get $r) (local.get $r)))
    (local.set $p (f32x4.add (global.get $P0) (f32x4.mul (global.get $P1) (local.get $r))))
    (local.set $q (f32x4.add (global.get $P2) (f32x4.mul (global.get $P3) (local.get $r))))
    (local.set $r4 (f32x4.mul (local.get $r2) (local.get $r2)))
    (local.set $p (f32x4.add (local.get $p) (f32x4.mul (local.get $r2) (local.get $q))))
    (local.set $q (f32x4.add (global.get $P4) (f32x4.mul (global.get $P5) (local.get $r))))
    (local.set $p (f32x4.add (local.get $p) (f32x4.mul (local.get $r4) (local.get $q))))
    ;; e^r = 1 + r + r²·P(r)
    (local.set $p (f32x4.add (f32x4.add (f32x4.mul (local.get $r2) (local.get $p)) (local.get $r)) (global.get $ONE)))
    ;; 2^n = bits ((t − 1.5·2²³) + 127) << 23, the integer difference of t's bits being n
    (local.set $t (i32x4.shl (i32x4.add (i32x4.sub (local.get $t) (global.get $ROUND)) (global.get $BIAS)) (i32.const 23)))
    (f32x4.mul (local.get $p) (local.get $t)))

  ;; exp4 of two vectors, step by step the same, the two independent chains interleaved so the
  ;; CPU has twice the work to overlap (softmax's inner loop)
  (func $exp4x2 (param $xa v128) (param $xb v128) (result v128 v128)
    (local $na v128) (local $ta v128) (local $ra v128) (local $r2a v128) (local $r4a v128) (local $pa v128) (local $qa v128) (local $nb v128) (local $tb v128) (local $rb v128) (local $r2b v128) (local $r4b v128) (local $pb v128) (local $qb v128)
    (local.set $xa (f32x4.pmax (f32x4.pmin (local.get $xa) (global.get $EXP_HI)) (global.get $EXP_LO)))
    (local.set $xb (f32x4.pmax (f32x4.pmin (local.get $xb) (global.get $EXP_HI)) (global.get $EXP_LO)))
    (local.set $ta (f32x4.add (f32x4.mul (local.get $xa) (global.get $LOG2E)) (global.get $ROUND)))
    (local.set $tb (f32x4.add (f32x4.mul (local.get $xb) (global.get $LOG2E)) (global.get $ROUND)))
    (local.set $na (f32x4.sub (local.get $ta) (global.get $ROUND)))
    (local.set $nb (f32x4.sub (local.get $tb) (global.get $ROUND)))
    (local.set $ra (f32x4.sub (f32x4.sub (local.get $xa) (f32x4.mul (local.get $na) (global.get $LN2_HI))) (f32x4.mul (local.get $na) (global.get $LN2_LO))))
    (local.set $rb (f32x4.sub (f32x4.sub (local.get $xb) (f32x4.mul (local.get $nb) (global.get $LN2_HI))) (f32x4.mul (local.get $nb) (global.get $LN2_LO))))
    (local.set $r2a (f32x4.mul (local.get $ra) (local.get $ra)))
    (local.set $r2b (f32x4.mul (local.get $rb) (local.get $rb)))
    (local.set $pa (f32x4.add (global.get $P0) (f32x4.mul (global.get $P1) (local.get $ra))))
    (local.set $pb (f32x4.add (global.get $P0) (f32x4.mul (global.get $P1) (local.get $rb))))
    (local.set $qa (f32x4.add (global.get $P2) (f32x4.mul (global.get $P3) (local.get $ra))))
    (local.set $qb (f32x4.add (global.get $P2) (f32x4.mul (global.get $P3) (local.get $rb))))
    (local.set $r4a (f32x4.mul (local.get $r2a) (local.get $r2a)))
    (local.set $r4b (f32x4.mul (local.get $r2b) (local.get $r2b)))
    (local.set $pa (f32x4.add (local.get $pa) (f32x4.mul (local.get $r2a) (local.get $qa))))
    (local.set $pb (f32x4.add (local.get $pb) (f32x4.mul (local.get $r2b) (local.get $qb))))
    (local.set $qa (f32x4.add (global.get $P4) (f32x4.mul (global.get $P5) (local.get $ra))))
    (local.set $qb (f32x4.add (global.get $P4) (f32x4.mul (global.get $P5) (local.get $rb))))
    (local.set $pa (f32x4.add (local.get $pa) (f32x4.mul (local.get $r4a) (local.get $qa))))
    (local.set $pb (f32x4.add (local.get $pb) (f32x4.mul (local.get $r4b) (local.get $qb))))
    (local.set $pa (f32x4.add (f32x4.add (f32x4.mul (local.get $r2a) (local.get $pa)) (local.get $ra)) (global.get $ONE)))
    (local.set $pb (f32x4.add (f32x4.add (f32x4.mul (local.get $r2b) (local.get $pb)) (local.get $rb)) (global.get $ONE)))
    (local.set $ta (i32x4.shl (i32x4.add (i32x4.sub (local.get $ta) (global.get $ROUND)) (global.get $BIAS)) (i32.const 23)))
    (local.set $tb (i32x4.shl (i32x4.add (i32x4.sub (local.get $tb) (global.get $ROUND)) (global.get $BIAS)) (i32.const 23)))
    (f32x4.mul (local.get $pa) (local.get $ta)) (f32x4.mul (local.get $pb) (local.get $tb)))

  ;; e^x for one float (tails of the vector loops)
  (func $exp1 (param $x f32) (result f32)
    (f32x4.extract_lane 0 (call $exp4 (f32x4.splat (local.get $x)))))


  ;; ---------------------------------------------------------------------------------------------
  ;; rowMax: max of p[0:n] (n ≥ 1). f32x4.pmax (x86 maxps) instead of f32x4.max, whose NaN and ±0
  ;; rules cost V8 a long instruction sequence; four accumulators break the dependency chain.
  ;; pmax skips a NaN, but a NaN in the row still makes that row all NaN through e^(NaN − max),
  ;; as in the JS kernel.
  ;; ---------------------------------------------------------------------------------------------
  (func $rowMax (param $p i32) (param $n i32) (result f32)
    (local $end i32) (local $end16 i32) (local $end4 i32) (local $m0 v128) (local $m1 v128) (local $m2 v128) (local $m3 v128) (local $s f32)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end16 (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -16)) (i32.const 2))))
    (local.set $end4 (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (local.set $m0 (f32x4.splat (f32.load (local.get $p))))
    (local.set $m1 (local.get $m0)) (local.set $m2 (local.get $m0)) (local.set $m3 (local.get $m0))
    (block $done (loop $v16
      (br_if $done (i32.ge_u (local.get $p) (local.get $end16)))
      (local.set $m0 (f32x4.pmax (local.get $m0) (v128.load (local.get $p))))
      (local.set $m1 (f32x4.pmax (local.get $m1) (v128.load offset=16 (local.get $p))))
      (local.set $m2 (f32x4.pmax (local.get $m2) (v128.load offset=32 (local.get $p))))
      (local.set $m3 (f32x4.pmax (local.get $m3) (v128.load offset=48 (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 64)))
      (br $v16)))
    (block $done (loop $v
      (br_if $done (i32.ge_u (local.get $p) (local.get $end4)))
      (local.set $m0 (f32x4.pmax (local.get $m0) (v128.load (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $v)))
    (local.set $m0 (f32x4.pmax (f32x4.pmax (local.get $m0) (local.get $m1)) (f32x4.pmax (local.get $m2) (local.get $m3))))
    (local.set $m0 (f32x4.pmax (local.get $m0) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $m0) (local.get $m0))))
    (local.set $s (f32.max (f32x4.extract_lane 0 (local.get $m0)) (f32x4.extract_lane 1 (local.get $m0))))
    (block $done (loop $t
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $s (f32.max (local.get $s) (f32.load (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $t)))
    (local.get $s))

  ;; ---------------------------------------------------------------------------------------------
  ;; expShiftSum: out[j] = e^(x[j] − m) for j < n; returns Σ_j out[j] (the softmax numerators and
  ;; their sum). With out = 0 nothing is stored (logSoftmax only needs the sum).
  ;; ---------------------------------------------------------------------------------------------
  (func $expShiftSum (param $x i32) (param $out i32) (param $n i32) (param $m f32) (result f32)
    (local $o i32) (local $end i32) (local $end4 i32) (local $end8 i32) (local $vm v128) (local $e v128) (local $e2 v128) (local $acc v128)
    (local $s f32) (local $es f32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (local.set $end8 (i32.and (local.get $end) (i32.const -32)))
    (local.set $vm (f32x4.splat (local.get $m)))
    (block $done (loop $v8
      (br_if $done (i32.ge_u (local.get $o) (local.get $end8)))
      (call $exp4x2 (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $o))) (local.get $vm))
                    (f32x4.sub (v128.load offset=16 (i32.add (local.get $x) (local.get $o))) (local.get $vm)))
      (local.set $e2)
      (local.set $e)
      (if (local.get $out) (then
        (v128.store (i32.add (local.get $out) (local.get $o)) (local.get $e))
        (v128.store offset=16 (i32.add (local.get $out) (local.get $o)) (local.get $e2))))
      (local.set $acc (f32x4.add (local.get $acc) (f32x4.add (local.get $e) (local.get $e2))))
      (local.set $o (i32.add (local.get $o) (i32.const 32)))
      (br $v8)))
    (block $done (loop $v
      (br_if $done (i32.ge_u (local.get $o) (local.get $end4)))
      (local.set $e (call $exp4 (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $o))) (local.get $vm))))
      (if (local.get $out) (then (v128.store (i32.add (local.get $out) (local.get $o)) (local.get $e))))
      (local.set $acc (f32x4.add (local.get $acc) (local.get $e)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $v)))
    (local.set $acc (f32x4.add (local.get $acc) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $acc) (local.get $acc))))
    (local.set $s (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc))))
    (block $done (loop $t
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (local.set $es (call $exp1 (f32.sub (f32.load (i32.add (local.get $x) (local.get $o))) (local.get $m))))
      (if (local.get $out) (then (f32.store (i32.add (local.get $out) (local.get $o)) (local.get $es))))
      (local.set $s (f32.add (local.get $s) (local.get $es)))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $t)))
    (local.get $s))

  ;; p[0:n] *= s
  (func $scale (param $p i32) (param $n i32) (param $s f32)
    (local $end i32) (local $end4 i32) (local $vs v128)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end4 (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (local.set $vs (f32x4.splat (local.get $s)))
    (block $done (loop $v
      (br_if $done (i32.ge_u (local.get $p) (local.get $end4)))
      (v128.store (local.get $p) (f32x4.mul (v128.load (local.get $p)) (local.get $vs)))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $v)))
    (block $done (loop $t
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (f32.store (local.get $p) (f32.mul (f32.load (local.get $p)) (local.get $s)))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $t))))
