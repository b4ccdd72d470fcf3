;; compact/quantize-acts.wat (compact.wat): quantizeActs16, x f32 [M, K] → the 16-bit activation
;; blocks of dotQ8_0 / dotQ4_0: q i16 [M][nb][32] at xq, d f32 [M][nb] at xd (nb = ⌈K/32⌉).
;; relaxeddot.wat's quantizeActs8 does the same arithmetic into bytes.

  ;; ---------------------------------------------------------------------------------------------
  ;; quantizeActs16: x f32 [M, K] → the 16-bit activation blocks of dotQ8_0 / dotQ4_0: for each row
  ;; m and block b (nb = ⌈K/32⌉): q i16[32] at xq + 64·(m·nb + b), d f32 at xd + 4·(m·nb + b);
  ;; d = max|x|/127, q = round-half-even(x/d) (0 where d = 0), zeros past K: 8-bit values kept
  ;; as i16 so the products load them as they are (one i32x4.dot_i16x8_s per 8 weights).
  ;; Full blocks vectorized (max, scale, round and narrow 8 lanes at a time), the last partial one scalar.
  ;; ---------------------------------------------------------------------------------------------
  (func (export "quantizeActs16") (param $x i32) (param $M i32) (param $K i32) (param $xq i32) (param $xd i32)
    (local $m i32) (local $k0 i32) (local $j i32) (local $n i32) (local $p i32) (local $amax f32) (local $d f32) (local $id f32)
    (local $v v128) (local $id4 v128)
    (block $done (loop $rowLoop
      (br_if $done (i32.ge_u (local.get $m) (local.get $M)))
      (local.set $p (i32.add (local.get $x) (i32.shl (i32.mul (local.get $m) (local.get $K)) (i32.const 2))))
      (local.set $k0 (i32.const 0))
      (block $rowDone (loop $block
        (br_if $rowDone (i32.ge_u (local.get $k0) (local.get $K)))
        ;;#include act-block-scale.wat
        (if (i32.eq (local.get $n) (i32.const 32))
          (then
            (local.set $id4 (f32x4.splat (local.get $id)))
            (local.set $j (i32.const 0))
            (block $e (loop $quant
              (br_if $e (i32.ge_u (local.get $j) (i32.const 64)))
              (v128.store (i32.add (local.get $xq) (local.get $j)) (i16x8.narrow_i32x4_s
                (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (v128.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 1)))) (local.get $id4))))
                (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (v128.load offset=16 (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 1)))) (local.get $id4))))))
              (local.set $j (i32.add (local.get $j) (i32.const 16)))
              (br $quant))))
          (else
            (local.set $j (i32.const 0))
            (block $e (loop $quant
              (br_if $e (i32.ge_u (local.get $j) (i32.const 32)))
              (i32.store16 (i32.add (local.get $xq) (i32.shl (local.get $j) (i32.const 1)))
                (if (result i32) (i32.lt_u (local.get $j) (local.get $n))
                  (then (i32.trunc_sat_f32_s (f32.nearest (f32.mul (local.get $id) (f32.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))))))
                  (else (i32.const 0))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $quant)))))
        (local.set $xq (i32.add (local.get $xq) (i32.const 64)))
        (local.set $xd (i32.add (local.get $xd) (i32.const 4)))
        (local.set $p (i32.add (local.get $p) (i32.const 128)))
        (local.set $k0 (i32.add (local.get $k0) (i32.const 32)))
        (br $block)))
      (local.set $m (i32.add (local.get $m) (i32.const 1)))
      (br $rowLoop))))
