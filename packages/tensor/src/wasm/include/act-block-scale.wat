;; act-block-scale.wat: the scale of one 32-value activation block, d = max|x|/127 and its
;; inverse (0 where d = 0), shared by quantizeActs16 (compact/quantize-acts.wat) and quantizeActs8
;; (relaxeddot/quantize-acts8.wat) so both quantize every block with the same d (their products
;; must agree bit for bit). A passage of a function body, not a function (V8 does not inline small
;; WASM functions): it runs in the includer's locals.
;;   reads  $p (byte address of the block's first x), $k0 (its first column), $K (row length),
;;          $xd (where the block's d goes)
;;   sets   $n (valid values in the block, 32 but for the row's last), $amax, $d, $id; stores d at $xd
;;   uses   $v (v128), $j as scratch

        ;; n = valid elements in this block
        (local.set $n (select (i32.const 32) (i32.sub (local.get $K) (local.get $k0)) (i32.le_u (i32.add (local.get $k0) (i32.const 32)) (local.get $K))))
        (if (i32.eq (local.get $n) (i32.const 32))
          (then
            (local.set $v (f32x4.max
              (f32x4.max (f32x4.max (f32x4.abs (v128.load (local.get $p))) (f32x4.abs (v128.load offset=16 (local.get $p))))
                         (f32x4.max (f32x4.abs (v128.load offset=32 (local.get $p))) (f32x4.abs (v128.load offset=48 (local.get $p)))))
              (f32x4.max (f32x4.max (f32x4.abs (v128.load offset=64 (local.get $p))) (f32x4.abs (v128.load offset=80 (local.get $p))))
                         (f32x4.max (f32x4.abs (v128.load offset=96 (local.get $p))) (f32x4.abs (v128.load offset=112 (local.get $p)))))))
            (local.set $amax (f32.max (f32.max (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
                                      (f32.max (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v))))))
          (else
            (local.set $amax (f32.const 0))
            (local.set $j (i32.const 0))
            (block $e (loop $max
              (br_if $e (i32.ge_u (local.get $j) (local.get $n)))
              (local.set $amax (f32.max (local.get $amax) (f32.abs (f32.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2)))))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $max)))))
        (local.set $d (f32.div (local.get $amax) (f32.const 127)))
        (local.set $id (select (f32.div (f32.const 1) (local.get $d)) (f32.const 0) (f32.ne (local.get $d) (f32.const 0))))
        (f32.store (local.get $xd) (local.get $d))
