;; exp.wat: the kernels built on exp, in WebAssembly SIMD (f32x4): softmax (with the causal mask and
;; its sliding window),
;; logSoftmax, softmaxBackward, silu, swiglu and their backward.
;;
;; References: src/kernels/softmax.ts, src/kernels/activations.ts (same formulas, float64 in JS;
;; here float32 throughout, so results agree to a few ulp). JS marshalling: src/wasm/exp.ts.
;; Addresses are BYTE addresses into the memory imported from heap.ts; counts are in floats.
;; Row kernels see x as [rows, cols], row-major. Outputs may alias inputs (in place) where the
;; JS kernels allow it: every element is read before its own slot is written.

(module
  (import "env" "memory" (memory 1 65536 shared))
  ;; Math.log, for the one log per row of logSoftmax (WASM has no log instruction)
  (import "env" "log" (func $log (param f64) (result f64)))

  ;;#include exp-core.wat

  ;; sigmoid per lane: 1 / (1 + e^−x)
  (func $sigmoid4 (param $x v128) (result v128)
    (f32x4.div (v128.const f32x4 1 1 1 1)
      (f32x4.add (v128.const f32x4 1 1 1 1) (call $exp4 (f32x4.neg (local.get $x))))))

  (func $sigmoid1 (param $x f32) (result f32)
    (f32x4.extract_lane 0 (call $sigmoid4 (f32x4.splat (local.get $x)))))


  ;; ---------------------------------------------------------------------------------------------
  ;; softmax: out[r, :] = softmax(x[r, :]) for x, out: [rows, cols].
  ;; Causal mask when period > 0: row r sees columns j < n = min(cols, offset + (r mod period) + 1),
  ;; and with window > 0 only the last `window` of those (j ≥ lo = n − window); the others get
  ;; exactly 0. period = 0: no mask (n = cols).
  ;; Three passes per row: max, numerators e^(x − max) and their sum, scale by 1/sum.
  ;; ---------------------------------------------------------------------------------------------
  (func (export "softmax") (param $x i32) (param $out i32) (param $rows i32) (param $cols i32)
                           (param $offset i32) (param $period i32) (param $window i32)
    (local $r i32) (local $n i32) (local $lo i32) (local $loB i32) (local $rowB i32) (local $m f32) (local $sum f32)
    (local.set $rowB (i32.shl (local.get $cols) (i32.const 2)))
    (block $done (loop $row
      (br_if $done (i32.ge_s (local.get $r) (local.get $rows)))
      ;; visible columns [lo, n): n = min(cols, offset + r mod period + 1) with a causal mask,
      ;; lo = max(0, n − window) with a window
      (local.set $n (local.get $cols))
      (local.set $lo (i32.const 0))
      (if (i32.gt_s (local.get $period) (i32.const 0)) (then
        (local.set $n (i32.add (i32.add (local.get $offset) (i32.rem_u (local.get $r) (local.get $period))) (i32.const 1)))
        (if (i32.gt_s (local.get $window) (i32.const 0)) (then
          (local.set $lo (i32.sub (local.get $n) (local.get $window)))
          (if (i32.lt_s (local.get $lo) (i32.const 0)) (then (local.set $lo (i32.const 0))))))
        (if (i32.gt_s (local.get $n) (local.get $cols)) (then (local.set $n (local.get $cols))))
        (if (i32.gt_s (local.get $lo) (local.get $n)) (then (local.set $lo (local.get $n))))))
      (local.set $loB (i32.shl (local.get $lo) (i32.const 2)))
      (if (i32.gt_s (local.get $n) (local.get $lo)) (then
        (local.set $m (call $rowMax (i32.add (local.get $x) (local.get $loB)) (i32.sub (local.get $n) (local.get $lo))))
        (local.set $sum (call $expShiftSum (i32.add (local.get $x) (local.get $loB)) (i32.add (local.get $out) (local.get $loB))
                                           (i32.sub (local.get $n) (local.get $lo)) (local.get $m)))
        (call $scale (i32.add (local.get $out) (local.get $loB)) (i32.sub (local.get $n) (local.get $lo)) (f32.div (f32.const 1) (local.get $sum)))))
      ;; masked columns: exactly 0 (before the window, after the diagonal)
      (memory.fill (local.get $out) (i32.const 0) (local.get $loB))
      (if (i32.gt_s (local.get $cols) (local.get $n)) (then
        (memory.fill (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))) (i32.const 0)
                     (i32.shl (i32.sub (local.get $cols) (local.get $n)) (i32.const 2)))))
      (local.set $x (i32.add (local.get $x) (local.get $rowB)))
      (local.set $out (i32.add (local.get $out) (local.get $rowB)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  ;; ---------------------------------------------------------------------------------------------
  ;; logSoftmax: out[r, j] = x[r, j] − lse_r,  lse_r = max_r + log Σ_j e^(x[r, j] − max_r).
  ;; ---------------------------------------------------------------------------------------------
  (func (export "logSoftmax") (param $x i32) (param $out i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $rowB i32) (local $m f32) (local $lse f32)
    (local.set $rowB (i32.shl (local.get $cols) (i32.const 2)))
    (if (i32.eqz (local.get $cols)) (then (return)))
    (block $done (loop $row
      (br_if $done (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $m (call $rowMax (local.get $x) (local.get $cols)))
      (local.set $lse (f32.add (local.get $m) (f32.demote_f64 (call $log (f64.promote_f32
        (call $expShiftSum (local.get $x) (i32.const 0) (local.get $cols) (local.get $m)))))))
      (call $addScalar (local.get $x) (local.get $out) (local.get $cols) (f32.neg (local.get $lse)))
      (local.set $x (i32.add (local.get $x) (local.get $rowB)))
      (local.set $out (i32.add (local.get $out) (local.get $rowB)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  ;; out[0:n] = x[0:n] + s
  (func $addScalar (param $x i32) (param $out i32) (param $n i32) (param $s f32)
    (local $o i32) (local $end i32) (local $end4 i32) (local $vs v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (local.set $vs (f32x4.splat (local.get $s)))
    (block $done (loop $v
      (br_if $done (i32.ge_u (local.get $o) (local.get $end4)))
      (v128.store (i32.add (local.get $out) (local.get $o)) (f32x4.add (v128.load (i32.add (local.get $x) (local.get $o))) (local.get $vs)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $v)))
    (block $done (loop $t
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (f32.store (i32.add (local.get $out) (local.get $o)) (f32.add (f32.load (i32.add (local.get $x) (local.get $o))) (local.get $s)))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $t))))

  ;; ---------------------------------------------------------------------------------------------
  ;; softmaxBackward: dx[r, :] += y[r, :]·(dy[r, :] − Σ_j dy[r, j]·y[r, j])   (accumulates)
  ;; ---------------------------------------------------------------------------------------------
  (func (export "softmaxBackward") (param $y i32) (param $dy i32) (param $dx i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $o i32) (local $rowB i32) (local $end4 i32) (local $acc v128) (local $dot f32) (local $vd v128)
    (local.set $rowB (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $rowB) (i32.const -16)))
    (block $done (loop $row
      (br_if $done (i32.ge_s (local.get $r) (local.get $rows)))
      ;; dot = Σ dy·y
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $o (i32.const 0))
      (block $end (loop $v
        (br_if $end (i32.ge_u (local.get $o) (local.get $end4)))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $o))) (v128.load (i32.add (local.get $y) (local.get $o))))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $v)))
      (local.set $acc (f32x4.add (local.get $acc) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $acc) (local.get $acc))))
      (local.set $dot (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc))))
      (block $end (loop $t
        (br_if $end (i32.ge_u (local.get $o) (local.get $rowB)))
        (local.set $dot (f32.add (local.get $dot) (f32.mul (f32.load (i32.add (local.get $dy) (local.get $o))) (f32.load (i32.add (local.get $y) (local.get $o))))))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $t)))
      ;; dx += y·(dy − dot)
      (local.set $vd (f32x4.splat (local.get $dot)))
      (local.set $o (i32.const 0))
      (block $end (loop $v
        (br_if $end (i32.ge_u (local.get $o) (local.get $end4)))
        (v128.store (i32.add (local.get $dx) (local.get $o)) (f32x4.add (v128.load (i32.add (local.get $dx) (local.get $o)))
          (f32x4.mul (v128.load (i32.add (local.get $y) (local.get $o))) (f32x4.sub (v128.load (i32.add (local.get $dy) (local.get $o))) (local.get $vd)))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $v)))
      (block $end (loop $t
        (br_if $end (i32.ge_u (local.get $o) (local.get $rowB)))
        (f32.store (i32.add (local.get $dx) (local.get $o)) (f32.add (f32.load (i32.add (local.get $dx) (local.get $o)))
          (f32.mul (f32.load (i32.add (local.get $y) (local.get $o))) (f32.sub (f32.load (i32.add (local.get $dy) (local.get $o))) (local.get $dot)))))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $t)))
      (local.set $y (i32.add (local.get $y) (local.get $rowB)))
      (local.set $dy (i32.add (local.get $dy) (local.get $rowB)))
      (local.set $dx (i32.add (local.get $dx) (local.get $rowB)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  ;; ---------------------------------------------------------------------------------------------
  ;; silu: out[i] = x[i]·sigmoid(x[i])                                   x, out: [n]
  ;; swiglu: out[i] = silu(gate[i])·up[i]                                gate, up, out: [n]
  ;; One routine: with up = 0 the factor is 1 (silu). Eight floats per step (exp4x2), then four, then one.
  ;; ---------------------------------------------------------------------------------------------
  (func (export "swiglu") (param $gate i32) (param $up i32) (param $out i32) (param $n i32)
    (local $o i32) (local $end i32) (local $end4 i32) (local $end8 i32) (local $g v128) (local $y v128) (local $gs f32) (local $ys f32)
    (local $g2 v128) (local $y2 v128) (local $e v128) (local $e2 v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (local.set $end8 (i32.and (local.get $end) (i32.const -32)))
    (block $done (loop $v8
      (br_if $done (i32.ge_u (local.get $o) (local.get $end8)))
      (local.set $g (v128.load (i32.add (local.get $gate) (local.get $o))))
      (local.set $g2 (v128.load offset=16 (i32.add (local.get $gate) (local.get $o))))
      (call $exp4x2 (f32x4.neg (local.get $g)) (f32x4.neg (local.get $g2)))
      (local.set $e2)
      (local.set $e)
      ;; silu = g / (1 + e^−g)
      (local.set $y (f32x4.div (local.get $g) (f32x4.add (global.get $ONE) (local.get $e))))
      (local.set $y2 (f32x4.div (local.get $g2) (f32x4.add (global.get $ONE) (local.get $e2))))
      (if (local.get $up) (then
        (local.set $y (f32x4.mul (local.get $y) (v128.load (i32.add (local.get $up) (local.get $o)))))
        (local.set $y2 (f32x4.mul (local.get $y2) (v128.load offset=16 (i32.add (local.get $up) (local.get $o)))))))
      (v128.store (i32.add (local.get $out) (local.get $o)) (local.get $y))
      (v128.store offset=16 (i32.add (local.get $out) (local.get $o)) (local.get $y2))
      (local.set $o (i32.add (local.get $o) (i32.const 32)))
      (br $v8)))
    (block $done (loop $v
      (br_if $done (i32.ge_u (local.get $o) (local.get $end4)))
      (local.set $g (v128.load (i32.add (local.get $gate) (local.get $o))))
      (local.set $y (f32x4.mul (local.get $g) (call $sigmoid4 (local.get $g))))
      (if (local.get $up) (then (local.set $y (f32x4.mul (local.get $y) (v128.load (i32.add (local.get $up) (local.get $o)))))))
      (v128.store (i32.add (local.get $out) (local.get $o)) (local.get $y))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $v)))
    (block $done (loop $t
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (local.set $gs (f32.load (i32.add (local.get $gate) (local.get $o))))
      (local.set $ys (f32.mul (local.get $gs) (call $sigmoid1 (local.get $gs))))
      (if (local.get $up) (then (local.set $ys (f32.mul (local.get $ys) (f32.load (i32.add (local.get $up) (local.get $o)))))))
      (f32.store (i32.add (local.get $out) (local.get $o)) (local.get $ys))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $t))))

  ;; ---------------------------------------------------------------------------------------------
  ;; swigluBackward (accumulates), with s = sigmoid(gate), silu' = s·(1 + gate·(1 − s)):
  ;;   dgate[i] += dy[i]·up[i]·silu'(gate[i]),   dup[i] += dy[i]·gate[i]·s
  ;; siluBackward is the same with up = 0 (factor 1) and dup = 0 (not written).
  ;; ---------------------------------------------------------------------------------------------
  (func (export "swigluBackward") (param $gate i32) (param $up i32) (param $dy i32) (param $dgate i32) (param $dup i32) (param $n i32)
    (local $o i32) (local $end i32) (local $end4 i32) (local $g v128) (local $s v128) (local $d v128) (local $u v128)
    (local $gs f32) (local $ss f32) (local $ds f32) (local $us f32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (block $done (loop $v
      (br_if $done (i32.ge_u (local.get $o) (local.get $end4)))
      (local.set $g (v128.load (i32.add (local.get $gate) (local.get $o))))
      (local.set $s (call $sigmoid4 (local.get $g)))
      (local.set $d (v128.load (i32.add (local.get $dy) (local.get $o))))
      (local.set $u (v128.const f32x4 1 1 1 1))
      (if (local.get $up) (then (local.set $u (v128.load (i32.add (local.get $up) (local.get $o))))))
      ;; dgate += d·u·s·(1 + g·(1 − s))
      (v128.store (i32.add (local.get $dgate) (local.get $o)) (f32x4.add (v128.load (i32.add (local.get $dgate) (local.get $o)))
        (f32x4.mul (f32x4.mul (local.get $d) (local.get $u))
          (f32x4.mul (local.get $s) (f32x4.add (v128.const f32x4 1 1 1 1)
            (f32x4.mul (local.get $g) (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $s))))))))
      ;; dup += d·g·s
      (if (local.get $dup) (then
        (v128.store (i32.add (local.get $dup) (local.get $o)) (f32x4.add (v128.load (i32.add (local.get $dup) (local.get $o)))
          (f32x4.mul (local.get $d) (f32x4.mul (local.get $g) (local.get $s)))))))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $v)))
    (block $done (loop $t
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (local.set $gs (f32.load (i32.add (local.get $gate) (local.get $o))))
      (local.set $ss (call $sigmoid1 (local.get $gs)))
      (local.set $ds (f32.load (i32.add (local.get $dy) (local.get $o))))
      (local.set $us (f32.const 1))
      (if (local.get $up) (then (local.set $us (f32.load (i32.add (local.get $up) (local.get $o))))))
      (f32.store (i32.add (local.get $dgate) (local.get $o)) (f32.add (f32.load (i32.add (local.get $dgate) (local.get $o)))
        (f32.mul (f32.mul (local.get $ds) (local.get $us))
          (f32.mul (local.get $ss) (f32.add (f32.const 1) (f32.mul (local.get $gs) (f32.sub (f32.const 1) (local.get $ss))))))))
      (if (local.get $dup) (then
        (f32.store (i32.add (local.get $dup) (local.get $o)) (f32.add (f32.load (i32.add (local.get $dup) (local.get $o)))
          (f32.mul (local.get $ds) (f32.mul (local.get $gs) (local.get $ss)))))))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $t))))
)
