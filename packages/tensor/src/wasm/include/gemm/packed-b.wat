;; gemm/packed-b.wat (gemm.wat): a weight W [N, K] packed once as gemm's B = Wᵀ panels (export
;; packBT) and the product against those panels (export gemmPackedB): the same loops and
;; micro-kernel as gemm, so the same bits, without packing W on every call.

  ;; ---------------------------------------------------------------------------------------------
  ;; gemmPackedB: gemm with B = Wᵀ packed once beforehand by packBT (a model's weight, used by every
  ;; decode step of a batch): the same loops, panels and micro-kernel, so C is bit-identical to
  ;; gemm's; only the per-call packB (a pass over all of W, from DRAM for a large W) is gone.
  ;; packed: packBT's output for all N columns (Npad = ⌈N/8⌉·8); this call computes columns
  ;; n0 .. n0 + N_call of it (n0 a multiple of 8) into c.
  ;; ---------------------------------------------------------------------------------------------
  (func $gemmPackedB (export "gemmPackedB")
    (param $M i32) (param $N i32) (param $K i32)
    (param $a i32) (param $rsA i32) (param $csA i32)
    (param $packed i32) (param $Npad i32) (param $n0 i32)
    (param $c i32) (param $ldc i32) (param $alpha f32) (param $beta f32)
    (param $ap i32) (param $tile i32)
    (local $jc i32) (local $nc i32) (local $pc i32) (local $kc i32) (local $ic i32) (local $mc i32)
    (local $jr i32) (local $betaK f32) (local $bp i32)
    (local.set $jc (i32.const 0))
    (block $doneJc (loop $nextJc
      (br_if $doneJc (i32.ge_u (local.get $jc) (local.get $N)))
      (local.set $nc (call $min (global.get $NC) (i32.sub (local.get $N) (local.get $jc))))
      (local.set $pc (i32.const 0))
      (block $donePc (loop $nextPc
        (br_if $donePc (i32.ge_u (local.get $pc) (local.get $K)))
        (local.set $kc (call $min (global.get $KC) (i32.sub (local.get $K) (local.get $pc))))
        (local.set $betaK (select (local.get $beta) (f32.const 1) (i32.eqz (local.get $pc))))
        ;; the packed panels of columns n0 + jc.. at depth pc (packBT's layout)
        (local.set $bp (i32.add (local.get $packed) (i32.shl (i32.add (i32.mul (local.get $pc) (local.get $Npad))
          (i32.mul (i32.add (local.get $n0) (local.get $jc)) (local.get $kc))) (i32.const 2))))
        (local.set $ic (i32.const 0))
        (block $doneIc (loop $nextIc
          (br_if $doneIc (i32.ge_u (local.get $ic) (local.get $M)))
          (local.set $mc (call $min (global.get $MC) (i32.sub (local.get $M) (local.get $ic))))
          ;; A block starts at A(ic, pc)
          (call $packA
            (i32.add (local.get $a) (i32.shl (i32.add (i32.mul (local.get $ic) (local.get $rsA))
                                                      (i32.mul (local.get $pc) (local.get $csA))) (i32.const 2)))
            (local.get $rsA) (local.get $csA) (local.get $mc) (local.get $kc) (local.get $ap))
          ;; jr outer, ir inner (in kernelColumn): one 8 KiB B panel stays in L1 while the A panels
          ;; stream from L2.
          (local.set $jr (i32.const 0))
          (block $doneJr (loop $nextJr
            (br_if $doneJr (i32.ge_u (local.get $jr) (local.get $nc)))
            (call $kernelColumn
              (local.get $kc) (local.get $mc) (call $min (i32.const 8) (i32.sub (local.get $nc) (local.get $jr)))
              (local.get $ap)
              (i32.add (local.get $bp) (i32.shl (i32.mul (local.get $jr) (local.get $kc)) (i32.const 2)))
              ;; &C(ic, jc+jr)
              (i32.add (local.get $c)
                (i32.shl (i32.add (i32.mul (local.get $ic) (local.get $ldc)) (i32.add (local.get $jc) (local.get $jr))) (i32.const 2)))
              (i32.shl (local.get $ldc) (i32.const 2))
              (local.get $alpha) (local.get $betaK) (local.get $tile))
            (local.set $jr (i32.add (local.get $jr) (i32.const 8)))
            (br $nextJr)))
          (local.set $ic (i32.add (local.get $ic) (global.get $MC)))
          (br $nextIc)))
        (local.set $pc (i32.add (local.get $pc) (global.get $KC)))
        (br $nextPc)))
      (local.set $jc (i32.add (local.get $jc) (global.get $NC)))
      (br $nextJc))))

  ;; ---------------------------------------------------------------------------------------------
  ;; packBT: W [N, K] (row-major: B = Wᵀ, B(k, j) = W[j, k]) → dst as gemm would pack it, for all
  ;; N columns at once: for each depth block pc (KC deep, the last one shorter) ⌈N/8⌉ panels
  ;; [kc][8] at dst + 4·(pc·Npad + 8·panel·kc), Npad = ⌈N/8⌉·8, columns past N as zeros.
  ;; ---------------------------------------------------------------------------------------------
  (func $packBT (export "packBT") (param $w i32) (param $N i32) (param $K i32) (param $dst i32)
    (local $pc i32) (local $kc i32) (local $Npad i32)
    (local.set $Npad (i32.and (i32.add (local.get $N) (i32.const 7)) (i32.const -8)))
    (block $done (loop $nextPc
      (br_if $done (i32.ge_u (local.get $pc) (local.get $K)))
      (local.set $kc (call $min (global.get $KC) (i32.sub (local.get $K) (local.get $pc))))
      (call $packB (i32.add (local.get $w) (i32.shl (local.get $pc) (i32.const 2))) (i32.const 1) (local.get $K)
        (local.get $kc) (local.get $N) (i32.add (local.get $dst) (i32.shl (i32.mul (local.get $pc) (local.get $Npad)) (i32.const 2))))
      (local.set $pc (i32.add (local.get $pc) (global.get $KC)))
      (br $nextPc))))
