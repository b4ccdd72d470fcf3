;; kquant/quantize-acts.wat (kquant.wat): the export quantizeActsK, x f32 [M, K] (K a multiple of
;; 256) → M·K/256 activation blocks of 276 bytes (q i8[256] @0, d f32 @256, Σq of each 32 i16[8] @260).

  ;; ---------------------------------------------------------------------------------------------
  ;; quantizeActsK: x f32 [M, K] (K a multiple of 256) → M rows of K/256 activation blocks at xq
  ;; (276 bytes each): d = max|x|/127, q = round-half-even(x/d) (0 where d = 0), Σq of each 32.
  ;; Scalar, one value at a time: this is O(M·K) next to the product's O(M·K·N).
  ;; ---------------------------------------------------------------------------------------------
  (func (export "quantizeActsK") (param $x i32) (param $M i32) (param $K i32) (param $xq i32)
    (local $end i32) (local $j i32) (local $amax f32) (local $d f32) (local $id f32) (local $q i32) (local $sum i32)
    ;; x is walked block by block: M·K values, 256 at a time
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.mul (local.get $M) (local.get $K)) (i32.const 2))))
    (block $done (loop $block
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $amax (f32.const 0))
      (local.set $j (i32.const 0))
      (block $e (loop $max
        (br_if $e (i32.ge_u (local.get $j) (i32.const 1024)))
        (local.set $amax (f32.max (local.get $amax) (f32.abs (f32.load (i32.add (local.get $x) (local.get $j))))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $max)))
      (local.set $d (f32.div (local.get $amax) (f32.const 127)))
      (local.set $id (select (f32.div (f32.const 1) (local.get $d)) (f32.const 0) (f32.ne (local.get $d) (f32.const 0))))
      (local.set $sum (i32.const 0))
      (local.set $j (i32.const 0))
      (block $e (loop $quant
        (br_if $e (i32.ge_u (local.get $j) (i32.const 256)))
        (local.set $q (i32.trunc_sat_f32_s (f32.nearest (f32.mul (local.get $id) (f32.load (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 2))))))))
        (i32.store8 (i32.add (local.get $xq) (local.get $j)) (local.get $q))
        (local.set $sum (i32.add (local.get $sum) (local.get $q)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        ;; at the end of each 32: Σq (|Σq| ≤ 32·127) to 260 + 2·(j/32 − 1)
        (if (i32.eqz (i32.and (local.get $j) (i32.const 31))) (then
          (i32.store16 offset=258 (i32.add (local.get $xq) (i32.shr_u (local.get $j) (i32.const 4))) (local.get $sum))
          (local.set $sum (i32.const 0))))
        (br $quant)))
      (f32.store offset=256 (local.get $xq) (local.get $d))
      (local.set $x (i32.add (local.get $x) (i32.const 1024)))
      (local.set $xq (i32.add (local.get $xq) (i32.const 276)))
      (br $block))))
