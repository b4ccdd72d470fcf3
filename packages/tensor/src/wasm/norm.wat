;; norm.wat: row normalizations in WebAssembly SIMD (f32x4): rmsNorm, layerNorm and their backward.
;;
;; References: src/kernels/norm.ts (float64 statistics in JS). Here the per-row sums are float32
;; SIMD partial sums (8 lanes), and the per-row scalars (mean, 1/√(var + eps)) are computed in
;; float64 from them. JS marshalling: src/wasm/norm.ts.
;; x, dy, dx, out: [rows, cols] row-major; weight, bias, dweight, dbias: [cols];
;; mean, rstd, rrms: [rows]. Addresses are BYTE addresses; 0 means "not given".
;; out may equal x (each element is read before it is written).

(module
  (import "env" "memory" (memory 1 65536))

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

  ;; Σ p[0:n]
  (func $sum (param $p i32) (param $n i32) (result f64)
    (local $o i32) (local $end i32) (local $end8 i32) (local $a v128) (local $b v128) (local $s f64)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end8 (i32.and (local.get $end) (i32.const -32)))
    (block $done (loop $v8
      (br_if $done (i32.ge_u (local.get $o) (local.get $end8)))
      (local.set $a (f32x4.add (local.get $a) (v128.load (i32.add (local.get $p) (local.get $o)))))
      (local.set $b (f32x4.add (local.get $b) (v128.load offset=16 (i32.add (local.get $p) (local.get $o)))))
      (local.set $o (i32.add (local.get $o) (i32.const 32)))
      (br $v8)))
    (local.set $s (call $sum4 (f32x4.add (local.get $a) (local.get $b))))
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
  ;; biased variance Σ (x − m)²/cols (two passes: no cancellation when |m| ≫ std).
  ;; mean[r] = m_r, rstd[r] = s_r when those addresses are given.
  ;; ---------------------------------------------------------------------------------------------
  (func (export "layerNorm") (param $x i32) (param $w i32) (param $b i32) (param $out i32) (param $rows i32) (param $cols i32)
                             (param $eps f64) (param $mean i32) (param $rstd i32)
    (local $r i32) (local $rowB i32) (local $m f32) (local $s f32) (local $n f64)
    (local.set $rowB (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $n (f64.convert_i32_s (local.get $cols)))
    (block $done (loop $row
      (br_if $done (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $m (f32.demote_f64 (f64.div (call $sum (local.get $x) (local.get $cols)) (local.get $n))))
      (local.set $s (f32.demote_f64 (f64.div (f64.const 1) (f64.sqrt (f64.add
        (f64.div (call $sqDev (local.get $x) (local.get $cols) (local.get $m)) (local.get $n))
        (local.get $eps))))))
      (call $normalizeRow (local.get $x) (local.get $w) (local.get $b) (local.get $out) (local.get $cols) (local.get $m) (local.get $s))
      (if (local.get $mean) (then (f32.store (i32.add (local.get $mean) (i32.shl (local.get $r) (i32.const 2))) (local.get $m))))
      (if (local.get $rstd) (then (f32.store (i32.add (local.get $rstd) (i32.shl (local.get $r) (i32.const 2))) (local.get $s))))
      (local.set $x (i32.add (local.get $x) (local.get $rowB)))
      (local.set $out (i32.add (local.get $out) (local.get $rowB)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  ;; ---------------------------------------------------------------------------------------------
  ;; rmsNormBackward (accumulates), per row with s = rrms[r] and c = s³·Σ_k dy_k·w_k·x_k / cols:
  ;;   dx[j] += s·w[j]·dy[j] − x[j]·c,    dweight[j] += dy[j]·x[j]·s
  ;; ---------------------------------------------------------------------------------------------
  (func (export "rmsNormBackward") (param $x i32) (param $w i32) (param $rrms i32) (param $dy i32)
                                   (param $dx i32) (param $dw i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $o i32) (local $rowB i32) (local $end4 i32) (local $s f32) (local $c f32)
    (local $acc v128) (local $vs v128) (local $vc v128) (local $g v128) (local $v v128) (local $dot f64) (local $gs f32) (local $xs f32)
    (local.set $rowB (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $rowB) (i32.const -16)))
    (block $done (loop $row
      (br_if $done (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $s (f32.load (i32.add (local.get $rrms) (i32.shl (local.get $r) (i32.const 2)))))
      ;; dot = Σ dy·w·x
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $o (i32.const 0))
      (block $end (loop $l
        (br_if $end (i32.ge_u (local.get $o) (local.get $end4)))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $o)))
          (v128.load (i32.add (local.get $w) (local.get $o)))) (v128.load (i32.add (local.get $x) (local.get $o))))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $l)))
      (local.set $dot (call $sum4 (local.get $acc)))
      (block $end (loop $t
        (br_if $end (i32.ge_u (local.get $o) (local.get $rowB)))
        (local.set $dot (f64.add (local.get $dot) (f64.promote_f32 (f32.mul (f32.mul (f32.load (i32.add (local.get $dy) (local.get $o)))
          (f32.load (i32.add (local.get $w) (local.get $o)))) (f32.load (i32.add (local.get $x) (local.get $o)))))))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $t)))
      (local.set $c (f32.demote_f64 (f64.div (f64.mul (local.get $dot) (f64.promote_f32 (f32.mul (local.get $s) (f32.mul (local.get $s) (local.get $s)))))
                                             (f64.convert_i32_s (local.get $cols)))))
      (local.set $vs (f32x4.splat (local.get $s)))
      (local.set $vc (f32x4.splat (local.get $c)))
      (local.set $o (i32.const 0))
      (block $end (loop $l
        (br_if $end (i32.ge_u (local.get $o) (local.get $end4)))
        (local.set $g (v128.load (i32.add (local.get $dy) (local.get $o))))
        (local.set $v (v128.load (i32.add (local.get $x) (local.get $o))))
        (v128.store (i32.add (local.get $dw) (local.get $o)) (f32x4.add (v128.load (i32.add (local.get $dw) (local.get $o)))
          (f32x4.mul (f32x4.mul (local.get $g) (local.get $v)) (local.get $vs))))
        (v128.store (i32.add (local.get $dx) (local.get $o)) (f32x4.add (v128.load (i32.add (local.get $dx) (local.get $o)))
          (f32x4.sub (f32x4.mul (f32x4.mul (local.get $vs) (v128.load (i32.add (local.get $w) (local.get $o)))) (local.get $g))
                     (f32x4.mul (local.get $v) (local.get $vc)))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $l)))
      (block $end (loop $t
        (br_if $end (i32.ge_u (local.get $o) (local.get $rowB)))
        (local.set $gs (f32.load (i32.add (local.get $dy) (local.get $o))))
        (local.set $xs (f32.load (i32.add (local.get $x) (local.get $o))))
        (f32.store (i32.add (local.get $dw) (local.get $o)) (f32.add (f32.load (i32.add (local.get $dw) (local.get $o)))
          (f32.mul (f32.mul (local.get $gs) (local.get $xs)) (local.get $s))))
        (f32.store (i32.add (local.get $dx) (local.get $o)) (f32.add (f32.load (i32.add (local.get $dx) (local.get $o)))
          (f32.sub (f32.mul (f32.mul (local.get $s) (f32.load (i32.add (local.get $w) (local.get $o)))) (local.get $gs))
                   (f32.mul (local.get $xs) (local.get $c)))))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $t)))
      (local.set $x (i32.add (local.get $x) (local.get $rowB)))
      (local.set $dy (i32.add (local.get $dy) (local.get $rowB)))
      (local.set $dx (i32.add (local.get $dx) (local.get $rowB)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  ;; ---------------------------------------------------------------------------------------------
  ;; layerNormBackward (accumulates; llm.c layernorm_backward), per row with m = mean[r], s = rstd[r],
  ;; n̂ = (x − m)·s, dn = dy·w, and the row means ⟨dn⟩, ⟨dn·n̂⟩:
  ;;   dx += s·(dn − ⟨dn⟩ − n̂·⟨dn·n̂⟩),   dweight += dy·n̂,   dbias += dy (if dbias ≠ 0)
  ;; ---------------------------------------------------------------------------------------------
  (func (export "layerNormBackward") (param $x i32) (param $w i32) (param $mean i32) (param $rstd i32) (param $dy i32)
                                     (param $dx i32) (param $dw i32) (param $db i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $o i32) (local $rowB i32) (local $end4 i32) (local $m f32) (local $s f32)
    (local $vm v128) (local $vs v128) (local $g v128) (local $nh v128) (local $dn v128) (local $a1 v128) (local $a2 v128)
    (local $sumDn f64) (local $sumDnN f64) (local $mDn v128) (local $mDnN v128)
    (local $gs f32) (local $nhs f32) (local $dns f32) (local $mDns f32) (local $mDnNs f32)
    (local.set $rowB (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $rowB) (i32.const -16)))
    (block $done (loop $row
      (br_if $done (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $m (f32.load (i32.add (local.get $mean) (i32.shl (local.get $r) (i32.const 2)))))
      (local.set $s (f32.load (i32.add (local.get $rstd) (i32.shl (local.get $r) (i32.const 2)))))
      (local.set $vm (f32x4.splat (local.get $m)))
      (local.set $vs (f32x4.splat (local.get $s)))
      ;; pass 1: Σ dn and Σ dn·n̂
      (local.set $a1 (v128.const i32x4 0 0 0 0))
      (local.set $a2 (v128.const i32x4 0 0 0 0))
      (local.set $o (i32.const 0))
      (block $end (loop $l
        (br_if $end (i32.ge_u (local.get $o) (local.get $end4)))
        (local.set $dn (f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $o))) (v128.load (i32.add (local.get $w) (local.get $o)))))
        (local.set $nh (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $o))) (local.get $vm)) (local.get $vs)))
        (local.set $a1 (f32x4.add (local.get $a1) (local.get $dn)))
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $dn) (local.get $nh))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $l)))
      (local.set $sumDn (call $sum4 (local.get $a1)))
      (local.set $sumDnN (call $sum4 (local.get $a2)))
      (block $end (loop $t
        (br_if $end (i32.ge_u (local.get $o) (local.get $rowB)))
        (local.set $dns (f32.mul (f32.load (i32.add (local.get $dy) (local.get $o))) (f32.load (i32.add (local.get $w) (local.get $o)))))
        (local.set $nhs (f32.mul (f32.sub (f32.load (i32.add (local.get $x) (local.get $o))) (local.get $m)) (local.get $s)))
        (local.set $sumDn (f64.add (local.get $sumDn) (f64.promote_f32 (local.get $dns))))
        (local.set $sumDnN (f64.add (local.get $sumDnN) (f64.promote_f32 (f32.mul (local.get $dns) (local.get $nhs)))))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $t)))
      (local.set $mDns (f32.demote_f64 (f64.div (local.get $sumDn) (f64.convert_i32_s (local.get $cols)))))
      (local.set $mDnNs (f32.demote_f64 (f64.div (local.get $sumDnN) (f64.convert_i32_s (local.get $cols)))))
      (local.set $mDn (f32x4.splat (local.get $mDns)))
      (local.set $mDnN (f32x4.splat (local.get $mDnNs)))
      ;; pass 2: accumulate dx, dweight, dbias
      (local.set $o (i32.const 0))
      (block $end (loop $l
        (br_if $end (i32.ge_u (local.get $o) (local.get $end4)))
        (local.set $g (v128.load (i32.add (local.get $dy) (local.get $o))))
        (local.set $nh (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $o))) (local.get $vm)) (local.get $vs)))
        (v128.store (i32.add (local.get $dw) (local.get $o)) (f32x4.add (v128.load (i32.add (local.get $dw) (local.get $o))) (f32x4.mul (local.get $g) (local.get $nh))))
        (v128.store (i32.add (local.get $dx) (local.get $o)) (f32x4.add (v128.load (i32.add (local.get $dx) (local.get $o)))
          (f32x4.mul (local.get $vs) (f32x4.sub (f32x4.sub (f32x4.mul (local.get $g) (v128.load (i32.add (local.get $w) (local.get $o)))) (local.get $mDn))
                                                (f32x4.mul (local.get $nh) (local.get $mDnN))))))
        (if (local.get $db) (then
          (v128.store (i32.add (local.get $db) (local.get $o)) (f32x4.add (v128.load (i32.add (local.get $db) (local.get $o))) (local.get $g)))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $l)))
      (block $end (loop $t
        (br_if $end (i32.ge_u (local.get $o) (local.get $rowB)))
        (local.set $gs (f32.load (i32.add (local.get $dy) (local.get $o))))
        (local.set $nhs (f32.mul (f32.sub (f32.load (i32.add (local.get $x) (local.get $o))) (local.get $m)) (local.get $s)))
        (f32.store (i32.add (local.get $dw) (local.get $o)) (f32.add (f32.load (i32.add (local.get $dw) (local.get $o))) (f32.mul (local.get $gs) (local.get $nhs))))
        (f32.store (i32.add (local.get $dx) (local.get $o)) (f32.add (f32.load (i32.add (local.get $dx) (local.get $o)))
          (f32.mul (local.get $s) (f32.sub (f32.sub (f32.mul (local.get $gs) (f32.load (i32.add (local.get $w) (local.get $o)))) (local.get $mDns))
                                          (f32.mul (local.get $nhs) (local.get $mDnNs))))))
        (if (local.get $db) (then
          (f32.store (i32.add (local.get $db) (local.get $o)) (f32.add (f32.load (i32.add (local.get $db) (local.get $o))) (local.get $gs)))))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $t)))
      (local.set $x (i32.add (local.get $x) (local.get $rowB)))
      (local.set $dy (i32.add (local.get $dy) (local.get $rowB)))
      (local.set $dx (i32.add (local.get $dx) (local.get $rowB)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))
)
