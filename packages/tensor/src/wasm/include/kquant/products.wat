;; kquant/products.wat (kquant.wat): the exports dotQ4_K / dotQ6_K, every W row r (rows of nsb
;; super-blocks: 144 / 210 bytes each) against every activation row m (nsb blocks of 276 bytes):
;; out[m·ldo + r] = $rowQ4_K / $rowQ6_K of the two (kquant/q4_k.wat, kquant/q6_k.wat).

  ;; ---------------------------------------------------------------------------------------------
  ;; The exports: every W row r against every activation row m; nsb = K/256 super-blocks a row.
  ;; ---------------------------------------------------------------------------------------------
  (func (export "dotQ4_K") (param $xq i32) (param $M i32) (param $nsb i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32)
    (local $r i32) (local $m i32)
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $m (i32.const 0))
      (block $mDone (loop $mLoop
        (br_if $mDone (i32.ge_u (local.get $m) (local.get $M)))
        (f32.store (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $m) (local.get $ldo)) (local.get $r)) (i32.const 2)))
          (call $rowQ4_K (i32.add (local.get $xq) (i32.mul (i32.mul (local.get $m) (local.get $nsb)) (i32.const 276)))
            (i32.add (local.get $w) (i32.mul (i32.mul (local.get $r) (local.get $nsb)) (i32.const 144))) (local.get $nsb)))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $mLoop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  (func (export "dotQ6_K") (param $xq i32) (param $M i32) (param $nsb i32) (param $w i32) (param $rows i32) (param $out i32) (param $ldo i32)
    (local $r i32) (local $m i32)
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $m (i32.const 0))
      (block $mDone (loop $mLoop
        (br_if $mDone (i32.ge_u (local.get $m) (local.get $M)))
        (f32.store (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $m) (local.get $ldo)) (local.get $r)) (i32.const 2)))
          (call $rowQ6_K (i32.add (local.get $xq) (i32.mul (i32.mul (local.get $m) (local.get $nsb)) (i32.const 276)))
            (i32.add (local.get $w) (i32.mul (i32.mul (local.get $r) (local.get $nsb)) (i32.const 210))) (local.get $nsb)))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $mLoop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))
