;; norm/backward.wat (norm.wat): the exports rmsNormBackward and layerNormBackward, accumulating
;; into dx [rows, cols] and dweight (and dbias) [cols] from x, dy [rows, cols] and the forward's
;; per-row statistics (rrms, or mean and rstd / σ: [rows]). Uses norm/row-sums.wat.

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
  ;; layerNormBackward (accumulates; llm.c layernorm_backward), per row with m = mean[r], s = stat[r],
  ;; n̂ = (x − m)·s, dn = dy·w, and the row means ⟨dn⟩, ⟨dn·n̂⟩:
  ;;   dx += s·(dn − ⟨dn⟩) − n̂·k,  k = s·⟨dn·n̂⟩,   dweight += dy·n̂,   dbias += dy (if dbias ≠ 0)
  ;; stdEps ≠ 0 (layerNormStdEpsBackward): stat[r] = σ, s = 1/(σ + eps) and k = ⟨dn·n̂⟩/σ (0 if σ = 0).
  ;; ---------------------------------------------------------------------------------------------
  (func (export "layerNormBackward") (param $x i32) (param $w i32) (param $mean i32) (param $stat i32) (param $dy i32)
                                     (param $dx i32) (param $dw i32) (param $db i32) (param $rows i32) (param $cols i32)
                                     (param $eps f64) (param $stdEps i32)
    (local $r i32) (local $o i32) (local $rowB i32) (local $end4 i32) (local $m f32) (local $s f32)
    (local $vm v128) (local $vs v128) (local $g v128) (local $nh v128) (local $dn v128) (local $a1 v128) (local $a2 v128)
    (local $sumDn f64) (local $sumDnN f64) (local $mDn v128) (local $mDnN v128)
    (local $gs f32) (local $nhs f32) (local $dns f32) (local $mDns f32) (local $mDnNs f32) (local $sigma f32) (local $kf f32)
    (local.set $rowB (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $rowB) (i32.const -16)))
    (block $done (loop $row
      (br_if $done (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $m (f32.load (i32.add (local.get $mean) (i32.shl (local.get $r) (i32.const 2)))))
      ;; s, and kf with k = kf·⟨dn·n̂⟩
      (if (local.get $stdEps)
        (then
          (local.set $sigma (f32.load (i32.add (local.get $stat) (i32.shl (local.get $r) (i32.const 2)))))
          (local.set $s (f32.demote_f64 (f64.div (f64.const 1) (f64.add (f64.promote_f32 (local.get $sigma)) (local.get $eps)))))
          (local.set $kf (select (f32.div (f32.const 1) (local.get $sigma)) (f32.const 0) (f32.gt (local.get $sigma) (f32.const 0)))))
        (else
          (local.set $s (f32.load (i32.add (local.get $stat) (i32.shl (local.get $r) (i32.const 2)))))
          (local.set $kf (local.get $s))))
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
      (local.set $mDnNs (f32.mul (local.get $kf) (f32.demote_f64 (f64.div (local.get $sumDnN) (f64.convert_i32_s (local.get $cols))))))  ;; k
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
          (f32x4.sub (f32x4.mul (local.get $vs) (f32x4.sub (f32x4.mul (local.get $g) (v128.load (i32.add (local.get $w) (local.get $o)))) (local.get $mDn)))
                     (f32x4.mul (local.get $nh) (local.get $mDnN)))))
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
          (f32.sub (f32.mul (local.get $s) (f32.sub (f32.mul (local.get $gs) (f32.load (i32.add (local.get $w) (local.get $o)))) (local.get $mDns)))
                   (f32.mul (local.get $nhs) (local.get $mDnNs)))))
        (if (local.get $db) (then
          (f32.store (i32.add (local.get $db) (local.get $o)) (f32.add (f32.load (i32.add (local.get $db) (local.get $o))) (local.get $gs)))))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $t)))
      (local.set $x (i32.add (local.get $x) (local.get $rowB)))
      (local.set $dy (i32.add (local.get $dy) (local.get $rowB)))
      (local.set $dx (i32.add (local.get $dx) (local.get $rowB)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))
