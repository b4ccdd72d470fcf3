;; relaxeddot/kquant-rows.wat (relaxeddot.wat, relaxed build only): the exports dotQ4_K, dotQ5_K and
;; dotQ6_K (their rows: relaxeddot/q4_k-row.wat, q5_k-row.wat, q6_k-row.wat), kquant.wat's decode row-dots (kquant/q4_k.wat, q5_k.wat,
;; q6_k.wat) with the int8 dot product: the same
;; contract (activation blocks of quantizeActsK, 276 bytes: q i8[256] @0, d f32 @256, Σq of each
;; 32 i16[8] @260; W rows of nsb super-blocks of 144 / 176 bytes; out[m·ldo + r]) and the same bits.
;;
;; Per 16 weights, kquant.wat's i16x8.extmul_low / _high and an add become one
;; i16x8.relaxed_dot_i8x16_i7x16_s (a = q_x, b = the weights' integers): exact, as relaxeddot.wat's
;; header says, because b is in [0, 31] (Q4_K's nibble n ≤ 15, Q5_K's n | hbit << 4 ≤ 31), so a
;; pair sum is ≤ 2·128·31 and two of them ≤ 15872, inside i16. The lanes pair other weights than
;; the extmul's, but each sub-block's total is one exact integer either way, and everything after
;; it (the i32 sums, the super-block's float chain) is q4_k.wat's, so the results are its bits.
;; W rows are walked one at a time, in address order (the hardware prefetchers follow that; a walk of
;; four rows at once sharing the activations and the float step measured slower on streamed
;; weights: kquant-rows2 notes).

  (func (export "dotQ4_K") (param $xq i32) (param $M i32) (param $nsb i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32)
    (call $dotK8 (local.get $xq) (local.get $M) (local.get $nsb) (local.get $w) (local.get $rows) (local.get $out) (local.get $ldo) (i32.const 0)))

  (func (export "dotQ5_K") (param $xq i32) (param $M i32) (param $nsb i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32)
    (call $dotK8 (local.get $xq) (local.get $M) (local.get $nsb) (local.get $w) (local.get $rows) (local.get $out) (local.get $ldo) (i32.const 1)))

  ;; Q6_K also reads sumsK16's Σq of each 16 (i16[16] a block), which follow the M·nsb blocks at xq
  (func (export "dotQ6_K") (param $xq i32) (param $M i32) (param $nsb i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32)
    (call $dotK8 (local.get $xq) (local.get $M) (local.get $nsb) (local.get $w) (local.get $rows) (local.get $out) (local.get $ldo) (i32.const 2)))

  ;; every W row r against every activation row m (W rows in address order, each used against all M
  ;; activation rows while it sits in L1); kind 0: Q4_K rows (144 bytes a super-block), 1: Q5_K (176), 2: Q6_K (210)
  (func $dotK8 (param $xq i32) (param $M i32) (param $nsb i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32) (param $kind i32)
    (local $r i32) (local $m i32) (local $rowBytes i32) (local $wr i32) (local $xm i32) (local $v f32)
    (local.set $rowBytes (i32.mul (local.get $nsb) (select (i32.const 210) (select (i32.const 176) (i32.const 144) (local.get $kind)) (i32.eq (local.get $kind) (i32.const 2)))))
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $wr (i32.add (local.get $w) (i32.mul (local.get $r) (local.get $rowBytes))))
      (local.set $m (i32.const 0))
      (block $mDone (loop $mLoop
        (br_if $mDone (i32.ge_u (local.get $m) (local.get $M)))
        (local.set $xm (i32.add (local.get $xq) (i32.mul (i32.mul (local.get $m) (local.get $nsb)) (i32.const 276))))
        (if (i32.eq (local.get $kind) (i32.const 2))
          (then (local.set $v (call $rowQ6_K8 (local.get $xm)
            (i32.add (local.get $xq) (i32.mul (i32.add (i32.mul (local.get $M) (i32.const 276)) (i32.shl (local.get $m) (i32.const 5))) (local.get $nsb)))
            (local.get $wr) (local.get $nsb))))
          (else (if (local.get $kind)
            (then (local.set $v (call $rowQ5_K8 (local.get $xm) (local.get $wr) (local.get $nsb))))
            (else (local.set $v (call $rowQ4_K8 (local.get $xm) (local.get $wr) (local.get $nsb)))))))
        (f32.store (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $m) (local.get $ldo)) (local.get $r)) (i32.const 2))) (local.get $v))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $mLoop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))
