;; relaxeddot/quantize-acts8.wat (relaxeddot.wat, relaxed build only): the export quantizeActs8,
;; x f32 [M, K] → M·nb activation blocks of 64 bytes (q_x i8[32] @0, the Q4_0 correction −8·Σq_x in all 4 i32 lanes @32; d_x f32 at xd), nb = ⌈K/32⌉.

  ;; ---------------------------------------------------------------------------------------------
  ;; quantizeActs8: x f32 [M, K] → activation blocks (above) at xq + 64·(m·nb + b), d f32 at
  ;; xd + 4·(m·nb + b): d = max|x|/127, q = round-half-even(x/d) (0 where d = 0), zeros past K —
  ;; compact.wat's quantizeActs16, the same arithmetic, narrowed to 8 bits (|q| ≤ 127: exact).
  ;; ---------------------------------------------------------------------------------------------
  (func (export "quantizeActs8") (param $x i32) (param $M i32) (param $K i32) (param $xq i32) (param $xd i32)
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
              (br_if $e (i32.ge_u (local.get $j) (i32.const 32)))
              (v128.store (i32.add (local.get $xq) (local.get $j)) (i8x16.narrow_i16x8_s
                (i16x8.narrow_i32x4_s
                  (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (v128.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2)))) (local.get $id4))))
                  (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (v128.load offset=16 (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2)))) (local.get $id4)))))
                (i16x8.narrow_i32x4_s
                  (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (v128.load offset=32 (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2)))) (local.get $id4))))
                  (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (v128.load offset=48 (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2)))) (local.get $id4)))))))
              (local.set $j (i32.add (local.get $j) (i32.const 16)))
              (br $quant))))
          (else
            (local.set $j (i32.const 0))
            (block $e (loop $quant
              (br_if $e (i32.ge_u (local.get $j) (i32.const 32)))
              (i32.store8 (i32.add (local.get $xq) (local.get $j))
                (if (result i32) (i32.lt_u (local.get $j) (local.get $n))
                  (then (i32.trunc_sat_f32_s (f32.nearest (f32.mul (local.get $id) (f32.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))))))
                  (else (i32.const 0))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $quant)))))
        ;; −8·Σq in every lane of @32: i16 pair sums of both halves (|·| ≤ 4·127), i32 pairs, then the
        ;; lanes summed (dotQ4_0 adds it to the four rows' transposed sums at once)
        (local.set $v (i16x8.add (i16x8.extadd_pairwise_i8x16_s (v128.load (local.get $xq))) (i16x8.extadd_pairwise_i8x16_s (v128.load offset=16 (local.get $xq)))))
        (local.set $v (i32x4.mul (i32x4.extadd_pairwise_i16x8_s (local.get $v)) (v128.const i32x4 -8 -8 -8 -8)))
        (local.set $v (i32x4.add (local.get $v) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
        (v128.store offset=32 (local.get $xq) (i32x4.add (local.get $v) (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $v) (local.get $v))))
        (local.set $xq (i32.add (local.get $xq) (i32.const 64)))
        (local.set $xd (i32.add (local.get $xd) (i32.const 4)))
        (local.set $p (i32.add (local.get $p) (i32.const 128)))
        (local.set $k0 (i32.add (local.get $k0) (i32.const 32)))
        (br $block)))
      (local.set $m (i32.add (local.get $m) (i32.const 1)))
      (br $rowLoop))))

