;; gemm/blocked.wat (gemm.wat): the export gemm, C [M, N] = beta·C + alpha·op(A)·op(B) for the
;; three layouts (strides: gemm.wat's legend), by the GotoBLAS/BLIS loop nest over packed panels
;; (gemm/pack.wat) and the 4×8 micro-kernel (gemm/micro-kernel.wat); few rows of C go to
;; gemm/direct.wat instead.

  ;; ---------------------------------------------------------------------------------------------
  ;; gemm: C [M,N] = beta·C + alpha·A·B for any of the three layouts (strides above).
  ;; GotoBLAS/BLIS loop nest:
  ;;   for jc in 0..N step NC            (columns of C)
  ;;     for pc in 0..K step KC          (depth)
  ;;       pack B[pc:pc+kc, jc:jc+nc] → bp as ⌈nc/8⌉ panels [kc][8]
  ;;       for ic in 0..M step MC        (rows of C)
  ;;         pack A[ic:ic+mc, pc:pc+kc] → ap as ⌈mc/4⌉ panels [kc][4]
  ;;         for jr in 0..nc step 8: kernelColumn → C[ic:ic+mc, jc+jr:jc+jr+8]
  ;;           (for ir in 0..mc step 4: the 4×8 micro-kernel on A panel ir, B panel jr)
  ;; The first depth block applies beta, later ones add to what is there (beta = 1).
  ;; ap: MC·KC floats, bp: KC·NC floats, tile: 32 floats of scratch (see matmul.ts).
  ;; ---------------------------------------------------------------------------------------------
  (func $gemm (export "gemm")
    (param $M i32) (param $N i32) (param $K i32)
    (param $a i32) (param $rsA i32) (param $csA i32)
    (param $b i32) (param $rsB i32) (param $csB i32)
    (param $c i32) (param $ldc i32) (param $alpha f32) (param $beta f32)
    (param $ap i32) (param $bp i32) (param $tile i32)
    (call $gemmLoops (local.get $M) (local.get $N) (local.get $K) (local.get $a) (local.get $rsA) (local.get $csA)
      (local.get $b) (local.get $rsB) (local.get $csB) (local.get $c) (local.get $ldc) (local.get $alpha) (local.get $beta)
      (local.get $ap) (local.get $bp) (local.get $tile) (i32.const 0)))

  ;; ---------------------------------------------------------------------------------------------
  ;; gemmW16: C [M, N] (row stride ldc) = A·Wᵀ for W [N, K] stored as bf16 (f16 = 0) or f16
  ;; (f16 = 1) at byte address w (rows of K 16-bit values), A(i,k) at a + 4·(i·rsA + k·csA): the
  ;; prefill of a bf16 / f16 Linear. gemm's loop nest and micro-kernel with W widened to f32 while
  ;; its blocks are packed ($packB16), so each element is summed exactly as gemm sums it on the
  ;; widened W (alpha 1, beta 0): the same bits, without a widened copy of W.
  ;; ---------------------------------------------------------------------------------------------
  (func (export "gemmW16")
    (param $M i32) (param $N i32) (param $K i32)
    (param $a i32) (param $rsA i32) (param $csA i32) (param $w i32) (param $f16 i32)
    (param $c i32) (param $ldc i32) (param $ap i32) (param $bp i32) (param $tile i32)
    (call $gemmLoops (local.get $M) (local.get $N) (local.get $K) (local.get $a) (local.get $rsA) (local.get $csA)
      (local.get $w) (i32.const 1) (local.get $K) (local.get $c) (local.get $ldc) (f32.const 1) (f32.const 0)
      (local.get $ap) (local.get $bp) (local.get $tile) (i32.add (local.get $f16) (i32.const 1))))

  ;; the loop nest of gemm and gemmW16; bKind: 0 B in f32 (strides rsB, csB), 1 bf16 / 2 f16 W
  ;; rows (rsB = 1, csB = K, b a byte address of 16-bit values)
  (func $gemmLoops
    (param $M i32) (param $N i32) (param $K i32)
    (param $a i32) (param $rsA i32) (param $csA i32)
    (param $b i32) (param $rsB i32) (param $csB i32)
    (param $c i32) (param $ldc i32) (param $alpha f32) (param $beta f32)
    (param $ap i32) (param $bp i32) (param $tile i32) (param $bKind i32)
    (local $jc i32) (local $nc i32) (local $pc i32) (local $kc i32) (local $ic i32) (local $mc i32)
    (local $jr i32) (local $betaK f32)
    (local.set $jc (i32.const 0))
    (block $doneJc (loop $nextJc
      (br_if $doneJc (i32.ge_u (local.get $jc) (local.get $N)))
      (local.set $nc (call $min (global.get $NC) (i32.sub (local.get $N) (local.get $jc))))
      (local.set $pc (i32.const 0))
      (block $donePc (loop $nextPc
        (br_if $donePc (i32.ge_u (local.get $pc) (local.get $K)))
        (local.set $kc (call $min (global.get $KC) (i32.sub (local.get $K) (local.get $pc))))
        (local.set $betaK (select (local.get $beta) (f32.const 1) (i32.eqz (local.get $pc))))
        (if (i32.and (i32.eqz (local.get $bKind)) (i32.and (i32.eq (local.get $csB) (i32.const 1)) (i32.le_s (local.get $M) (global.get $DIRECT_M)))) (then
          ;; Few rows and B's rows contiguous (A·B, Aᵀ·B): no packing (see $direct). Same loop
          ;; order per element as below, so the same bits.
          (call $direct (local.get $M) (local.get $nc) (local.get $kc)
            (i32.add (local.get $a) (i32.shl (i32.mul (local.get $pc) (local.get $csA)) (i32.const 2)))
            (i32.shl (local.get $rsA) (i32.const 2)) (i32.shl (local.get $csA) (i32.const 2))
            (i32.add (local.get $b) (i32.shl (i32.add (i32.mul (local.get $pc) (local.get $rsB)) (local.get $jc)) (i32.const 2)))
            (local.get $rsB)
            (i32.add (local.get $c) (i32.shl (local.get $jc) (i32.const 2)))
            (i32.shl (local.get $ldc) (i32.const 2))
            (local.get $alpha) (local.get $betaK) (local.get $bp) (local.get $tile))
          (local.set $pc (i32.add (local.get $pc) (global.get $KC)))
          (br $nextPc)))
        (if (i32.and (i32.and (i32.eqz (local.get $bKind)) (i32.eq (local.get $rsB) (i32.const 1)))
              (i32.and (i32.gt_s (local.get $M) (i32.const 4)) (i32.le_s (local.get $M) (global.get $DIRECT_T_M)))) (then
          ;; Few rows of A·Bᵀ: Cᵀ = B·Aᵀ with B read in place (see $directT). Same bits.
          (call $directT (local.get $M) (local.get $nc) (local.get $kc)
            (i32.add (local.get $a) (i32.shl (i32.mul (local.get $pc) (local.get $csA)) (i32.const 2)))
            (local.get $rsA) (local.get $csA)
            (i32.add (local.get $b) (i32.shl (i32.add (local.get $pc) (i32.mul (local.get $jc) (local.get $csB))) (i32.const 2)))
            (local.get $csB)
            (i32.add (local.get $c) (i32.shl (local.get $jc) (i32.const 2)))
            (i32.shl (local.get $ldc) (i32.const 2))
            (local.get $alpha) (local.get $betaK) (local.get $bp) (local.get $tile))
          (local.set $pc (i32.add (local.get $pc) (global.get $KC)))
          (br $nextPc)))
        ;; B block starts at B(pc, jc)
        (if (i32.eqz (local.get $bKind))
          (then (call $packB
            (i32.add (local.get $b) (i32.shl (i32.add (i32.mul (local.get $pc) (local.get $rsB))
                                                      (i32.mul (local.get $jc) (local.get $csB))) (i32.const 2)))
            (local.get $rsB) (local.get $csB) (local.get $kc) (local.get $nc) (local.get $bp)))
          (else (call $packB16
            (i32.add (local.get $b) (i32.shl (i32.add (local.get $pc) (i32.mul (local.get $jc) (local.get $csB))) (i32.const 1)))
            (local.get $csB) (local.get $kc) (local.get $nc) (local.get $bp) (i32.eq (local.get $bKind) (i32.const 2)))))
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
