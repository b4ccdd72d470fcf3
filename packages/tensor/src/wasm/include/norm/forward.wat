;; norm/forward.wat (norm.wat): $normalizeRow and the exports rmsNorm and layerNorm:
;; x, out [rows, cols] row-major, weight (and bias) [cols]; for the backward pass rmsNorm may also
;; write rrms [rows], layerNorm mean and stat (1/√(var + eps), or σ) [rows]. Uses norm/row-sums.wat.

  ;; ---------------------------------------------------------------------------------------------
  ;; normalizeRow: out[j] = (x[j] − m)·s·w[j] (+ b[j] if b ≠ 0), j < n. rmsNorm passes m = 0.
  ;; ---------------------------------------------------------------------------------------------
  (func $normalizeRow (param $x i32) (param $w i32) (param $b i32) (param $out i32) (param $n i32) (param $m f32) (param $s f32)
    (local $o i32) (local $end i32) (local $end4 i32) (local $vm v128) (local $vs v128) (local $y v128) (local $ys f32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (local.set $vm (f32x4.splat (local.get $m)))
    (local.set $vs (f32x4.splat (local.get $s)))
    (block $done (loop $v
      (br_if $done (i32.ge_u (local.get $o) (local.get $end4)))
      (local.set $y (f32x4.mul (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $o))) (local.get $vm)) (local.get $vs))
                               (v128.load (i32.add (local.get $w) (local.get $o)))))
      (if (local.get $b) (then (local.set $y (f32x4.add (local.get $y) (v128.load (i32.add (local.get $b) (local.get $o)))))))
      (v128.store (i32.add (local.get $out) (local.get $o)) (local.get $y))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $v)))
    (block $done (loop $t
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (local.set $ys (f32.mul (f32.mul (f32.sub (f32.load (i32.add (local.get $x) (local.get $o))) (local.get $m)) (local.get $s))
                              (f32.load (i32.add (local.get $w) (local.get $o)))))
      (if (local.get $b) (then (local.set $ys (f32.add (local.get $ys) (f32.load (i32.add (local.get $b) (local.get $o)))))))
      (f32.store (i32.add (local.get $out) (local.get $o)) (local.get $ys))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $t))))

  ;; ---------------------------------------------------------------------------------------------
  ;; rmsNorm: out[r, :] = x[r, :]·s_r·w,  s_r = 1/√(mean_j x[r, j]² + eps); rrms[r] = s_r if rrms ≠ 0.
  ;; ---------------------------------------------------------------------------------------------
  (func (export "rmsNorm") (param $x i32) (param $w i32) (param $out i32) (param $rows i32) (param $cols i32)
                           (param $eps f64) (param $rrms i32)
    (local $r i32) (local $rowB i32) (local $s f32)
    (local.set $rowB (i32.shl (local.get $cols) (i32.const 2)))
    (block $done (loop $row
      (br_if $done (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $s (f32.demote_f64 (f64.div (f64.const 1) (f64.sqrt (f64.add
        (f64.div (call $dot (local.get $x) (i32.const 0) (local.get $cols)) (f64.convert_i32_s (local.get $cols)))
        (local.get $eps))))))
      (call $normalizeRow (local.get $x) (local.get $w) (i32.const 0) (local.get $out) (local.get $cols) (f32.const 0) (local.get $s))
      (if (local.get $rrms) (then (f32.store (i32.add (local.get $rrms) (i32.shl (local.get $r) (i32.const 2))) (local.get $s))))
      (local.set $x (i32.add (local.get $x) (local.get $rowB)))
      (local.set $out (i32.add (local.get $out) (local.get $rowB)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  ;; ---------------------------------------------------------------------------------------------
  ;; layerNorm: out[r, :] = (x[r, :] − m_r)·s_r·w + b, m_r = mean, s_r = 1/√(var_r + eps) with the
  ;; biased variance var_r = Σ (x − m)²/cols (two passes: no cancellation when |m| ≫ std).
  ;; stdEps ≠ 0 (RustGPT, layerNormStdEps): s_r = 1/(σ_r + eps), σ_r = √var_r, eps outside the root.
  ;; mean[r] = m_r and stat[r] = s_r (stdEps: σ_r) when those addresses are given.
  ;; ---------------------------------------------------------------------------------------------
  (func (export "layerNorm") (param $x i32) (param $w i32) (param $b i32) (param $out i32) (param $rows i32) (param $cols i32)
                             (param $eps f64) (param $mean i32) (param $stat i32) (param $stdEps i32)
    (local $r i32) (local $rowB i32) (local $m f32) (local $s f32) (local $n f64) (local $var f64) (local $saved f32)
    (local.set $rowB (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $n (f64.convert_i32_s (local.get $cols)))
    (block $done (loop $row
      (br_if $done (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $m (f32.demote_f64 (f64.div (call $sum (local.get $x) (local.get $cols)) (local.get $n))))
      (local.set $var (f64.div (call $sqDev (local.get $x) (local.get $cols) (local.get $m)) (local.get $n)))
      (if (local.get $stdEps)
        (then
          (local.set $saved (f32.demote_f64 (f64.sqrt (local.get $var))))
          (local.set $s (f32.demote_f64 (f64.div (f64.const 1) (f64.add (f64.sqrt (local.get $var)) (local.get $eps))))))
        (else
          (local.set $s (f32.demote_f64 (f64.div (f64.const 1) (f64.sqrt (f64.add (local.get $var) (local.get $eps))))))
          (local.set $saved (local.get $s))))
      (call $normalizeRow (local.get $x) (local.get $w) (local.get $b) (local.get $out) (local.get $cols) (local.get $m) (local.get $s))
      (if (local.get $mean) (then (f32.store (i32.add (local.get $mean) (i32.shl (local.get $r) (i32.const 2))) (local.get $m))))
      (if (local.get $stat) (then (f32.store (i32.add (local.get $stat) (i32.shl (local.get $r) (i32.const 2))) (local.get $saved))))
      (local.set $x (i32.add (local.get $x) (local.get $rowB)))
      (local.set $out (i32.add (local.get $out) (local.get $rowB)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))
