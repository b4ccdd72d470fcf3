;; packed-rows.wat (compact.wat, relaxeddot.wat, kquant.wat): helpers of the packed gemms
;; (compact/int-gemm.wat, relaxeddot/q4_0-gemm.wat, kquant/gemm.wat): W rows and f16 block scales
;; for their panels, and the store of an accumulator whose lanes are (W row, x row) pairs.

  ;; the byte address of row min(r, rows − 1) (rb bytes a row)
  (func $rowAt (param $w i32) (param $rb i32) (param $r i32) (param $rows i32) (result i32)
    (i32.add (local.get $w) (i32.mul (select (local.get $r) (i32.sub (local.get $rows) (i32.const 1)) (i32.lt_u (local.get $r) (local.get $rows))) (local.get $rb))))

  ;; the f16 scales at b0 … b3 widened to f32x4 as dotQ8_0 widens them (finite halves)
  (func $scales4 (param $b0 i32) (param $b1 i32) (param $b2 i32) (param $b3 i32) (result v128)
    (local $h v128)
    (local.set $h (v128.load16_lane 6 (local.get $b3) (v128.load16_lane 4 (local.get $b2)
      (v128.load16_lane 2 (local.get $b1) (v128.load16_lane 0 (local.get $b0) (v128.const i32x4 0 0 0 0))))))
    (v128.or (f32x4.mul (i32x4.shl (v128.and (local.get $h) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff)) (i32.const 13)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112))
             (v128.and (i32x4.shl (local.get $h) (i32.const 16)) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))

  ;; an accumulator's lanes (A, a), (B, a), (A, b), (B, b) to o (row a, columns A, B) and o + 4·ldo
  ;; (row b): `cols` columns from o on and `xrows` rows from row a on are the product's
  (func $store2x2 (param $o i32) (param $v v128) (param $cols i32) (param $ldo i32) (param $xrows i32)
    (if (i32.le_s (local.get $cols) (i32.const 0)) (then (return)))
    (if (i32.ge_s (local.get $cols) (i32.const 2))
      (then
        (if (i32.ge_s (local.get $xrows) (i32.const 1)) (then (v128.store64_lane 0 (local.get $o) (local.get $v))))
        (if (i32.ge_s (local.get $xrows) (i32.const 2)) (then (v128.store64_lane 1 (i32.add (local.get $o) (i32.shl (local.get $ldo) (i32.const 2))) (local.get $v)))))
      (else
        (if (i32.ge_s (local.get $xrows) (i32.const 1)) (then (f32.store (local.get $o) (f32x4.extract_lane 0 (local.get $v)))))
        (if (i32.ge_s (local.get $xrows) (i32.const 2)) (then (f32.store (i32.add (local.get $o) (i32.shl (local.get $ldo) (i32.const 2))) (f32x4.extract_lane 2 (local.get $v))))))))
