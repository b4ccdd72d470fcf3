;; kquant/products.wat (kquant.wat): the exports dotQ4_K / dotQ5_K / dotQ6_K, every W row r (rows of
;; nsb super-blocks: 144 / 176 / 210 bytes each) against every activation row m (nsb blocks of 276
;; bytes): out[m·ldo + r] = $rowQ4_K / $rowQ5_K / $rowQ6_K of the two (kquant/q4_k.wat, q5_k.wat, q6_k.wat).

  (func (export "dotQ4_K") (param $xq i32) (param $M i32) (param $nsb i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32)
    (call $dotK (local.get $xq) (local.get $M) (local.get $nsb) (local.get $w) (local.get $rows) (local.get $out) (local.get $ldo) (i32.const 0)))

  (func (export "dotQ5_K") (param $xq i32) (param $M i32) (param $nsb i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32)
    (call $dotK (local.get $xq) (local.get $M) (local.get $nsb) (local.get $w) (local.get $rows) (local.get $out) (local.get $ldo) (i32.const 2)))

  (func (export "dotQ6_K") (param $xq i32) (param $M i32) (param $nsb i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32)
    (call $dotK (local.get $xq) (local.get $M) (local.get $nsb) (local.get $w) (local.get $rows) (local.get $out) (local.get $ldo) (i32.const 1)))

  ;; ---------------------------------------------------------------------------------------------
  ;; Every W row r against every activation row m; nsb = K/256 super-blocks a row; kind: 0 Q4_K,
  ;; 1 Q6_K, 2 Q5_K (one branch per row-dot of nsb super-blocks).
  ;; ---------------------------------------------------------------------------------------------
  (func $dotK (param $xq i32) (param $M i32) (param $nsb i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32) (param $kind i32)
    (local $r i32) (local $m i32) (local $rowBytes i32) (local $wr i32) (local $xm i32) (local $v f32)
    (local.set $rowBytes (i32.mul (local.get $nsb) (select (i32.const 210) (select (i32.const 176) (i32.const 144) (local.get $kind)) (i32.eq (local.get $kind) (i32.const 1)))))
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $wr (i32.add (local.get $w) (i32.mul (local.get $r) (local.get $rowBytes))))
      (local.set $m (i32.const 0))
      (block $mDone (loop $mLoop
        (br_if $mDone (i32.ge_u (local.get $m) (local.get $M)))
        (local.set $xm (i32.add (local.get $xq) (i32.mul (i32.mul (local.get $m) (local.get $nsb)) (i32.const 276))))
        (if (i32.eqz (local.get $kind))
          (then (local.set $v (call $rowQ4_K (local.get $xm) (local.get $wr) (local.get $nsb))))
          (else (if (i32.eq (local.get $kind) (i32.const 1))
            (then (local.set $v (call $rowQ6_K (local.get $xm) (local.get $wr) (local.get $nsb))))
            (else (local.set $v (call $rowQ5_K (local.get $xm) (local.get $wr) (local.get $nsb)))))))
        (f32.store (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $m) (local.get $ldo)) (local.get $r)) (i32.const 2))) (local.get $v))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $mLoop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))
