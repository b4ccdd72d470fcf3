;; adam.wat: the Adam / AdamW parameter update (one optimizer step) in WebAssembly SIMD (f32x4).
;;
;; Reference: src/kernels/optim.ts (adamStep, which computes the scalars below and calls this; the
;; readable version is optim.reference.ts). JS marshalling: src/wasm/optim.ts.
;; p, g, m, v: [n] float32 — parameter, gradient, first and second moment — at BYTE addresses into
;; the memory imported from heap.ts, any alignment (a parameter's slice of the optimizer's flat
;; moment tensors need not start on 16 bytes). p, m, v are updated in place; g is only read.
;;
;; Per element, the JS kernel's formula in its operation order:
;;   g' = g + l2·p                          l2: Adam's L2 weight decay (0 for AdamW)
;;   m  = β1·m + c1·g'                      c1 = 1 − β1
;;   v  = β2·v + (c2·g')·g'                 c2 = 1 − β2
;;   p  = p·decay − (stepSize·m) / (√v·invBc2Sqrt + eps)
;; with decay = 1 − lr·wd (AdamW) or 1, stepSize = lr/(1 − β1ᵗ), invBc2Sqrt = 1/√(1 − β2ᵗ): the
;; caller computes these in float64, and each reaches this module rounded once to float32.
;;
;; Why here, and why float32: per element the update costs one square root and one division, so
;; the scalar JS loop is bound by the divider unit (~2 ms at RustGPT's 494k parameters), not by
;; memory. f32x4.sqrt and f32x4.div do four lanes per instruction (~0.3 ms). Float64 lanes (f64x2)
;; would reproduce JS's bits exactly but measured 0.83 ms (the divider again, two lanes), and
;; float64 moments with float32 sqrt/div 0.5-0.64 ms. So every operation here rounds to float32
;; where JS rounds m, v and p once from float64: results agree to a few ulp (test/wasm-optim.test.ts).
;;
;; l2 = 0 skips the g' term (Adam without decay, AdamW): identical results for finite p (0·p = 0),
;; ~15% faster. (For p = ±∞ or NaN, JS's g' = g + 0·p is NaN; here it stays g. p is not finite
;; either way.)
;; p is loaded where it is used rather than kept in a local across the stores of m and v: V8's
;; compiled loop ran 2-3× slower holding it (measured, Node 20).
;; The last n mod 4 elements run the same float32 operations one lane at a time, so an element's
;; result does not depend on its position.

(module
  (import "env" "memory" (memory 1 65536 shared))

  (func $adamStep (export "adamStep") (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
                            (param $beta1 f32) (param $beta2 f32) (param $c1 f32) (param $c2 f32)
                            (param $stepSize f32) (param $invBc2Sqrt f32) (param $eps f32)
                            (param $l2 f32) (param $decay f32)
    (local $o i32) (local $end i32) (local $end4 i32)
    (local $gv v128) (local $mv v128) (local $vv v128)
    (local $B1 v128) (local $C1 v128) (local $B2 v128) (local $C2 v128)
    (local $S v128) (local $IB v128) (local $E v128) (local $L2 v128) (local $D v128)
    (local $gs f32) (local $ms f32) (local $vs f32)
    (local.set $B1 (f32x4.splat (local.get $beta1)))
    (local.set $C1 (f32x4.splat (local.get $c1)))
    (local.set $B2 (f32x4.splat (local.get $beta2)))
    (local.set $C2 (f32x4.splat (local.get $c2)))
    (local.set $S (f32x4.splat (local.get $stepSize)))
    (local.set $IB (f32x4.splat (local.get $invBc2Sqrt)))
    (local.set $E (f32x4.splat (local.get $eps)))
    (local.set $L2 (f32x4.splat (local.get $l2)))
    (local.set $D (f32x4.splat (local.get $decay)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))

    ;; four elements at a time
    (block $done (loop $vec
      (br_if $done (i32.ge_u (local.get $o) (local.get $end4)))
      ;; g' = g + l2·p
      (local.set $gv (v128.load (i32.add (local.get $g) (local.get $o))))
      (if (f32.ne (local.get $l2) (f32.const 0))
        (then (local.set $gv (f32x4.add (local.get $gv)
          (f32x4.mul (local.get $L2) (v128.load (i32.add (local.get $p) (local.get $o))))))))
      ;; m = β1·m + c1·g',  v = β2·v + (c2·g')·g'
      (local.set $mv (f32x4.add (f32x4.mul (local.get $B1) (v128.load (i32.add (local.get $m) (local.get $o))))
                                (f32x4.mul (local.get $C1) (local.get $gv))))
      (local.set $vv (f32x4.add (f32x4.mul (local.get $B2) (v128.load (i32.add (local.get $v) (local.get $o))))
                                (f32x4.mul (f32x4.mul (local.get $C2) (local.get $gv)) (local.get $gv))))
      (v128.store (i32.add (local.get $m) (local.get $o)) (local.get $mv))
      (v128.store (i32.add (local.get $v) (local.get $o)) (local.get $vv))
      ;; p = p·decay − (stepSize·m) / (√v·invBc2Sqrt + eps)
      (v128.store (i32.add (local.get $p) (local.get $o))
        (f32x4.sub (f32x4.mul (v128.load (i32.add (local.get $p) (local.get $o))) (local.get $D))
                   (f32x4.div (f32x4.mul (local.get $S) (local.get $mv))
                              (f32x4.add (f32x4.mul (f32x4.sqrt (local.get $vv)) (local.get $IB)) (local.get $E)))))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $vec)))

    ;; the last n mod 4 elements: the same operations on one lane
    (block $done (loop $tail
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (local.set $gs (f32.load (i32.add (local.get $g) (local.get $o))))
      (if (f32.ne (local.get $l2) (f32.const 0))
        (then (local.set $gs (f32.add (local.get $gs)
          (f32.mul (local.get $l2) (f32.load (i32.add (local.get $p) (local.get $o))))))))
      (local.set $ms (f32.add (f32.mul (local.get $beta1) (f32.load (i32.add (local.get $m) (local.get $o))))
                              (f32.mul (local.get $c1) (local.get $gs))))
      (local.set $vs (f32.add (f32.mul (local.get $beta2) (f32.load (i32.add (local.get $v) (local.get $o))))
                              (f32.mul (f32.mul (local.get $c2) (local.get $gs)) (local.get $gs))))
      (f32.store (i32.add (local.get $m) (local.get $o)) (local.get $ms))
      (f32.store (i32.add (local.get $v) (local.get $o)) (local.get $vs))
      (f32.store (i32.add (local.get $p) (local.get $o))
        (f32.sub (f32.mul (f32.load (i32.add (local.get $p) (local.get $o))) (local.get $decay))
                 (f32.div (f32.mul (local.get $stepSize) (local.get $ms))
                          (f32.add (f32.mul (f32.sqrt (local.get $vs)) (local.get $invBc2Sqrt)) (local.get $eps)))))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $tail))))

  ;; adamSteps: adamStep over `count` segments of a table, each five i32 (20 bytes):
  ;; p, g, m, v (byte addresses) and n. One call updates many parameters (the optimizer's whole step
  ;; is one kernel-pool round: src/wasm/segments.ts cuts the segments into one table per thread).
  (func (export "adamSteps") (param $table i32) (param $count i32)
                             (param $beta1 f32) (param $beta2 f32) (param $c1 f32) (param $c2 f32)
                             (param $stepSize f32) (param $invBc2Sqrt f32) (param $eps f32)
                             (param $l2 f32) (param $decay f32)
    (local $e i32) (local $end i32)
    (local.set $e (local.get $table))
    (local.set $end (i32.add (local.get $table) (i32.mul (local.get $count) (i32.const 20))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $e) (local.get $end)))
      (call $adamStep
        (i32.load (local.get $e)) (i32.load offset=4 (local.get $e)) (i32.load offset=8 (local.get $e))
        (i32.load offset=12 (local.get $e)) (i32.load offset=16 (local.get $e))
        (local.get $beta1) (local.get $beta2) (local.get $c1) (local.get $c2)
        (local.get $stepSize) (local.get $invBc2Sqrt) (local.get $eps) (local.get $l2) (local.get $decay))
      (local.set $e (i32.add (local.get $e) (i32.const 20)))
      (br $next))))
)
