;; gemm.wat: matrix-matrix products for @mini/tensor in WebAssembly SIMD (f32x4).
;; (The matrix-vector cases, M = 1 or N = 1, are in gemv.wat.)
;;
;; Reference: src/kernels/matmul.reference.ts (the naive triple loops); the JS marshalling
;; (which operand lives where, scratch, routing to gemv) is src/wasm/matmul.ts.
;;
;; Legend, as in matmul.ts: C is the output [M, N] (row-major, row stride N), K is the shared dim.
;; Addresses are BYTE addresses into the memory imported from heap.ts; strides are in FLOATS.
;; A(i, k) is read at a + 4·(i·rsA + k·csA) and B(k, j) at b + 4·(k·rsB + j·csB), so one routine
;; serves every layout:
;;   A·B   A [M,K]: rsA = K, csA = 1     B [K,N]: rsB = N, csB = 1
;;   A·Bᵀ  A [M,K]: rsA = K, csA = 1     B [N,K]: rsB = 1, csB = K
;;   Aᵀ·B  A [K,M]: rsA = 1, csA = M     B [K,N]: rsB = N, csB = 1
;; C = beta·C + alpha·(A·B); beta = 0 overwrites C without reading it (NaN in C does not leak).
;; C(i, j) is at c + 4·(i·ldc + j): ldc = N for a whole C, larger for a block of columns of a wider
;; C (the kernel pool splits a product by columns; each element is still summed in the same order).
;;
;; The product-sum: SIMD128 f32x4.mul then f32x4.add; the relaxed-SIMD build (`;;#if relaxed` in the
;; two k loops) f32x4.relaxed_madd, one rounding per term where the engine fuses (instance.ts uses
;; it only then: relaxed-probe.ts), everything else in the same order. Fused: ~1.2x the GFLOP/s on
;; the 2-core AMD EPYC of issue 11 (bench/fma-micro.ts). V8 on x64 gives WASM 16 xmm registers;
;; the 4×8 tile (8 accumulators + 2 B vectors + 1 broadcast + 1 product) is the biggest that does
;; not spill: 6×8 and 4×12 measured ~2x slower.

(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; Block sizes (floats), read by matmul.ts to size the scratch:
  ;;   MR×NR  micro-tile held in registers (4 rows × 8 columns = 8 f32x4 accumulators)
  ;;   KC     depth of one packed block: a 4×KC A panel (4 KiB) and a KC×8 B panel (8 KiB) sit in L1
  ;;   MC     rows of A packed at once (MC×KC = 128 KiB, in L2), reused against every B panel
  ;;   NC     columns of B packed at once (KC×NC = 2 MiB), reused against every A block
  (global $MR (export "MR") i32 (i32.const 4))
  (global $NR (export "NR") i32 (i32.const 8))
  (global $KC (export "KC") i32 (i32.const 256))
  (global $MC (export "MC") i32 (i32.const 128))
  (global $NC (export "NC") i32 (i32.const 2048))
  ;; Most rows of C for which an A·B or Aᵀ·B (B's rows contiguous) skips packing ($direct).
  ;; Measured (1 thread, 128–533-wide B): 7 rows ~15 % faster than packing, 12–16 rows a few %;
  ;; from 17 rows on, packing is as fast or faster (28–48 rows: 3–10 %).
  (global $DIRECT_M (export "DIRECT_M") i32 (i32.const 16))
  ;; Rows of C (5 to DIRECT_T_M) for which an A·Bᵀ is computed as Cᵀ = B·Aᵀ without packing B
  ;; ($directT): one 8-column panel of Aᵀ, so B is read once. Measured against packing (1 thread,
  ;; 128–533-wide B): 5–8 rows 3–8 % faster; 3 rows ~30 % slower (5 of the panel's 8 columns
  ;; wasted); 12–16 rows ~30 % slower (two panels, B read twice).
  (global $DIRECT_T_M (export "DIRECT_T_M") i32 (i32.const 8))

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
        (if (i32.and (i32.eq (local.get $csB) (i32.const 1)) (i32.le_s (local.get $M) (global.get $DIRECT_M))) (then
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
        (if (i32.and (i32.eq (local.get $rsB) (i32.const 1))
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
        (call $packB
          (i32.add (local.get $b) (i32.shl (i32.add (i32.mul (local.get $pc) (local.get $rsB))
                                                    (i32.mul (local.get $jc) (local.get $csB))) (i32.const 2)))
          (local.get $rsB) (local.get $csB) (local.get $kc) (local.get $nc) (local.get $bp))
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

  (func $min (param $x i32) (param $y i32) (result i32)
    (select (local.get $x) (local.get $y) (i32.lt_s (local.get $x) (local.get $y))))

  ;; ---------------------------------------------------------------------------------------------
  ;; kernelColumn: C[0:mc, 0:nr] = beta·C + alpha·A·B for one column of 4×8 tiles:
  ;;   ap: ⌈mc/4⌉ packed A panels [kc][4], one after the other; bp: one packed B panel [kc][8]
  ;;   (both zero-padded past the real rows / columns); c: &C(0,0), ldc: row stride of C in bytes;
  ;;   nr ≤ 8 columns to write. The tile loop lives here rather than in gemm so the accumulators
  ;;   and constants stay in registers across tiles (a call per tile measured ~20% slower).
  ;; The 4×8 micro-kernel, per k: 2 loads of B, 4 broadcasts of A, 8 mul + 8 add into the
  ;; accumulators cRV (row R, vector V).
  ;; ---------------------------------------------------------------------------------------------
  (func $kernelColumn
    (param $kc0 i32) (param $mc i32) (param $nr i32) (param $ap i32) (param $bp0 i32) (param $c i32) (param $ldc i32)
    (param $alpha f32) (param $beta f32) (param $tile i32)
    (local $kc i32) (local $bp i32) (local $ir i32) (local $mr i32) (local $cRow i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $s v128) (local $zero v128)
    (local $va v128) (local $vb v128) (local $r i32) (local $j i32) (local $p i32) (local $x f32)
    (loop $tileLoop
      (block $next
      ;; tile ir: rows ir..ir+mr of this column; ap already points at its A panel
      (local.set $mr (call $min (i32.const 4) (i32.sub (local.get $mc) (local.get $ir))))
      (local.set $kc (local.get $kc0))
      (local.set $bp (local.get $bp0))
      (local.set $cRow (local.get $c))
      (local.set $c00 (local.get $zero)) (local.set $c01 (local.get $zero))
      (local.set $c10 (local.get $zero)) (local.set $c11 (local.get $zero))
      (local.set $c20 (local.get $zero)) (local.set $c21 (local.get $zero))
      (local.set $c30 (local.get $zero)) (local.set $c31 (local.get $zero))
      (if (i32.gt_s (local.get $kc) (i32.const 0)) (then
        (loop $k
          ;;#if relaxed
          (local.set $b0 (v128.load (local.get $bp)))
          (local.set $b1 (v128.load offset=16 (local.get $bp)))
          (local.set $s (v128.load32_splat (local.get $ap)))
          (local.set $c00 (f32x4.relaxed_madd (local.get $s) (local.get $b0) (local.get $c00)))
          (local.set $c01 (f32x4.relaxed_madd (local.get $s) (local.get $b1) (local.get $c01)))
          (local.set $s (v128.load32_splat offset=4 (local.get $ap)))
          (local.set $c10 (f32x4.relaxed_madd (local.get $s) (local.get $b0) (local.get $c10)))
          (local.set $c11 (f32x4.relaxed_madd (local.get $s) (local.get $b1) (local.get $c11)))
          (local.set $s (v128.load32_splat offset=8 (local.get $ap)))
          (local.set $c20 (f32x4.relaxed_madd (local.get $s) (local.get $b0) (local.get $c20)))
          (local.set $c21 (f32x4.relaxed_madd (local.get $s) (local.get $b1) (local.get $c21)))
          (local.set $s (v128.load32_splat offset=12 (local.get $ap)))
          (local.set $c30 (f32x4.relaxed_madd (local.get $s) (local.get $b0) (local.get $c30)))
          (local.set $c31 (f32x4.relaxed_madd (local.get $s) (local.get $b1) (local.get $c31)))
          ;;#else
          (local.set $b0 (v128.load (local.get $bp)))
          (local.set $b1 (v128.load offset=16 (local.get $bp)))
          (local.set $s (v128.load32_splat (local.get $ap)))
          (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $s) (local.get $b0))))
          (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $s) (local.get $b1))))
          (local.set $s (v128.load32_splat offset=4 (local.get $ap)))
          (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $s) (local.get $b0))))
          (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $s) (local.get $b1))))
          (local.set $s (v128.load32_splat offset=8 (local.get $ap)))
          (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $s) (local.get $b0))))
          (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $s) (local.get $b1))))
          (local.set $s (v128.load32_splat offset=12 (local.get $ap)))
          (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $s) (local.get $b0))))
          (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $s) (local.get $b1))))
          ;;#end
          (local.set $ap (i32.add (local.get $ap) (i32.const 16)))
          (local.set $bp (i32.add (local.get $bp) (i32.const 32)))
          (br_if $k (local.tee $kc (i32.sub (local.get $kc) (i32.const 1)))))))
      ;; scale by alpha in registers: cRV = alpha·cRV
      (local.set $va (f32x4.splat (local.get $alpha)))
      (local.set $c00 (f32x4.mul (local.get $va) (local.get $c00)))
      (local.set $c01 (f32x4.mul (local.get $va) (local.get $c01)))
      (local.set $c10 (f32x4.mul (local.get $va) (local.get $c10)))
      (local.set $c11 (f32x4.mul (local.get $va) (local.get $c11)))
      (local.set $c20 (f32x4.mul (local.get $va) (local.get $c20)))
      (local.set $c21 (f32x4.mul (local.get $va) (local.get $c21)))
      (local.set $c30 (f32x4.mul (local.get $va) (local.get $c30)))
      (local.set $c31 (f32x4.mul (local.get $va) (local.get $c31)))
      (if (i32.and (i32.eq (local.get $mr) (i32.const 4)) (i32.eq (local.get $nr) (i32.const 8))) (then
        ;; Full tile: straight to C, row by row (p = &C(r, 0)). Written inline: a call would spill
        ;; the accumulators.
        (if (f32.ne (local.get $beta) (f32.const 0)) (then
          ;; cRV += beta·C(r, 4V .. 4V+3)
          (local.set $vb (f32x4.splat (local.get $beta)))
          (local.set $p (local.get $c))
          (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $vb) (v128.load (local.get $p)))))
          (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $vb) (v128.load offset=16 (local.get $p)))))
          (local.set $p (i32.add (local.get $p) (local.get $ldc)))
          (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $vb) (v128.load (local.get $p)))))
          (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $vb) (v128.load offset=16 (local.get $p)))))
          (local.set $p (i32.add (local.get $p) (local.get $ldc)))
          (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $vb) (v128.load (local.get $p)))))
          (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $vb) (v128.load offset=16 (local.get $p)))))
          (local.set $p (i32.add (local.get $p) (local.get $ldc)))
          (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $vb) (v128.load (local.get $p)))))
          (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $vb) (v128.load offset=16 (local.get $p)))))))
        (local.set $p (local.get $c))
        (v128.store (local.get $p) (local.get $c00))
        (v128.store offset=16 (local.get $p) (local.get $c01))
        (local.set $p (i32.add (local.get $p) (local.get $ldc)))
        (v128.store (local.get $p) (local.get $c10))
        (v128.store offset=16 (local.get $p) (local.get $c11))
        (local.set $p (i32.add (local.get $p) (local.get $ldc)))
        (v128.store (local.get $p) (local.get $c20))
        (v128.store offset=16 (local.get $p) (local.get $c21))
        (local.set $p (i32.add (local.get $p) (local.get $ldc)))
        (v128.store (local.get $p) (local.get $c30))
        (v128.store offset=16 (local.get $p) (local.get $c31))
        (br $next)))
      ;; Edge tile: park the 4×8 result in tile, then update the mr×nr corner of C that exists.
      (v128.store (local.get $tile) (local.get $c00))
      (v128.store offset=16 (local.get $tile) (local.get $c01))
      (v128.store offset=32 (local.get $tile) (local.get $c10))
      (v128.store offset=48 (local.get $tile) (local.get $c11))
      (v128.store offset=64 (local.get $tile) (local.get $c20))
      (v128.store offset=80 (local.get $tile) (local.get $c21))
      (v128.store offset=96 (local.get $tile) (local.get $c30))
      (v128.store offset=112 (local.get $tile) (local.get $c31))
      (local.set $r (i32.const 0))
      (loop $row
        (local.set $j (i32.const 0))
        (loop $col
          (local.set $p (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 2))))
          (local.set $x (f32.load (i32.add (local.get $tile) (i32.shl (i32.add (i32.shl (local.get $r) (i32.const 3)) (local.get $j)) (i32.const 2)))))
          (if (f32.ne (local.get $beta) (f32.const 0)) (then
            (local.set $x (f32.add (local.get $x) (f32.mul (local.get $beta) (f32.load (local.get $p)))))))
          (f32.store (local.get $p) (local.get $x))
          (br_if $col (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $nr))))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (br_if $row (i32.lt_s (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $mr))))
      ) ;; $next: the tile is written
      ;; the k loop left ap at the next A panel; C moves down 4 rows
      (local.set $c (i32.add (local.get $cRow) (i32.shl (local.get $ldc) (i32.const 2))))
      (br_if $tileLoop (i32.lt_s (local.tee $ir (i32.add (local.get $ir) (i32.const 4))) (local.get $mc)))))

  ;; ---------------------------------------------------------------------------------------------
  ;; direct: C[0:mc, 0:nc] = beta·C + alpha·A·B for one depth block (kc) without packing, for a
  ;; few rows of C (mc ≤ DIRECT_M) when B's rows are contiguous (csB = 1). Packing exists to reuse
  ;; panels many times; with ≤ 16 rows a packed B panel is used ≤ 4 times, and for a training step
  ;; on one short sentence (dx = dy·W with 7 rows) copying all of W cost about as much as a
  ;; quarter of the multiply-adds. A(i, k) at a + i·ra + k·ka, B(k, j) at b + k·(4·rsB) + 4·j
  ;; (byte strides). Full 8-column panels are read straight from B; the last, narrower one is
  ;; packed (zero-padded) into bp so no load runs past B. Each element gets the same operations in
  ;; the same order as in kernelColumn (k ascending from a zero accumulator, then alpha, then
  ;; beta·C), so the two paths give the same bits.
  ;; ---------------------------------------------------------------------------------------------
  (func $direct
    (param $mc i32) (param $nc i32) (param $kc i32) (param $a i32) (param $ra i32) (param $ka i32)
    (param $b i32) (param $rsB i32) (param $c i32) (param $ldc i32)
    (param $alpha f32) (param $beta f32) (param $bp i32) (param $tile i32)
    (local $jr i32) (local $nr i32)
    (block $done (loop $panel
      (br_if $done (i32.ge_s (local.get $jr) (local.get $nc)))
      (local.set $nr (call $min (i32.const 8) (i32.sub (local.get $nc) (local.get $jr))))
      (if (i32.eq (local.get $nr) (i32.const 8))
        (then (call $kernelDirect (local.get $kc) (local.get $mc) (i32.const 8) (local.get $a) (local.get $ra) (local.get $ka)
          (i32.add (local.get $b) (i32.shl (local.get $jr) (i32.const 2))) (i32.shl (local.get $rsB) (i32.const 2))
          (i32.add (local.get $c) (i32.shl (local.get $jr) (i32.const 2))) (local.get $ldc) (i32.const 4)
          (local.get $alpha) (local.get $beta) (local.get $tile)))
        (else
          (call $packB (i32.add (local.get $b) (i32.shl (local.get $jr) (i32.const 2))) (local.get $rsB) (i32.const 1)
            (local.get $kc) (local.get $nr) (local.get $bp))
          (call $kernelDirect (local.get $kc) (local.get $mc) (local.get $nr) (local.get $a) (local.get $ra) (local.get $ka)
            (local.get $bp) (i32.const 32)
            (i32.add (local.get $c) (i32.shl (local.get $jr) (i32.const 2))) (local.get $ldc) (i32.const 4)
            (local.get $alpha) (local.get $beta) (local.get $tile))))
      (local.set $jr (i32.add (local.get $jr) (i32.const 8)))
      (br $panel))))

  ;; directT: the same for A·Bᵀ (B stored [N, K]: rsB = 1, csB in floats) with few rows of C,
  ;; computed as Cᵀ = B·Aᵀ so that B, the big operand (a weight W [N, K] under x [M, K]), is read
  ;; in place row by row and only A's ≤ DIRECT_T_M rows are packed (as 8-column panels of Aᵀ, into bp).
  ;; C(i, j) = Σ_k A(i,k)·B(k,j) is still summed over k ascending from zero in float32 (the factors
  ;; of each product swap places, which does not change it), then alpha, then beta·C: same bits.
  ;; a: A(0, 0) of this depth block, rsA/csA in floats; b: B(0, 0) of it; c: C(0, 0) (this job's
  ;; columns); ldc in bytes.
  (func $directT
    (param $M i32) (param $nc i32) (param $kc i32) (param $a i32) (param $rsA i32) (param $csA i32)
    (param $b i32) (param $csB i32) (param $c i32) (param $ldc i32)
    (param $alpha f32) (param $beta f32) (param $bp i32) (param $tile i32)
    (local $iv i32) (local $mv i32)
    (block $done (loop $panel
      (br_if $done (i32.ge_s (local.get $iv) (local.get $M)))
      (local.set $mv (call $min (i32.const 8) (i32.sub (local.get $M) (local.get $iv))))
      ;; bp[k][v] = A(iv + v, k): rows iv.. of A as columns of a packed B panel
      (call $packB (i32.add (local.get $a) (i32.shl (i32.mul (local.get $iv) (local.get $rsA)) (i32.const 2)))
        (local.get $csA) (local.get $rsA) (local.get $kc) (local.get $mv) (local.get $bp))
      ;; tile rows: rows j of B's storage (columns of C), 4 at a time; tile columns: rows of C
      (call $kernelDirect (local.get $kc) (local.get $nc) (local.get $mv)
        (local.get $b) (i32.shl (local.get $csB) (i32.const 2)) (i32.const 4)
        (local.get $bp) (i32.const 32)
        (i32.add (local.get $c) (i32.mul (local.get $iv) (local.get $ldc))) (i32.const 4) (local.get $ldc)
        (local.get $alpha) (local.get $beta) (local.get $tile))
      (local.set $iv (i32.add (local.get $iv) (i32.const 8)))
      (br $panel))))

  ;; kernelDirect: kernelColumn with A and B read in place (strides above) instead of from panels.
  ;; Tile element (r, j) goes to c + r·ldc + j·cj (bytes): cj = 4 for C itself, cj = 4·ldc of C and
  ;; ldc = 4 for the transposed product of $directT (only cj = 4 takes the full-tile stores).
  (func $kernelDirect
    (param $kc0 i32) (param $mc i32) (param $nr i32) (param $a i32) (param $ra i32) (param $ka i32)
    (param $bp0 i32) (param $kb i32) (param $c i32) (param $ldc i32) (param $cj i32)
    (param $alpha f32) (param $beta f32) (param $tile i32)
    (local $kc i32) (local $bp i32) (local $ir i32) (local $mr i32) (local $cRow i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $last i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $s v128) (local $zero v128)
    (local $va v128) (local $vb v128) (local $r i32) (local $j i32) (local $p i32) (local $x f32)
    (local.set $last (i32.sub (local.get $mc) (i32.const 1)))
    (loop $tileLoop
      (block $next
      ;; tile ir: rows ir..ir+mr of this column; ap already points at its A panel
      (local.set $mr (call $min (i32.const 4) (i32.sub (local.get $mc) (local.get $ir))))
      (local.set $kc (local.get $kc0))
      (local.set $bp (local.get $bp0))
      (local.set $cRow (local.get $c))
      ;; rows ir..ir+3 of A; rows past the last repeat it (their results are never written)
      (local.set $p0 (i32.add (local.get $a) (i32.mul (call $min (local.get $ir) (local.get $last)) (local.get $ra))))
      (local.set $p1 (i32.add (local.get $a) (i32.mul (call $min (i32.add (local.get $ir) (i32.const 1)) (local.get $last)) (local.get $ra))))
      (local.set $p2 (i32.add (local.get $a) (i32.mul (call $min (i32.add (local.get $ir) (i32.const 2)) (local.get $last)) (local.get $ra))))
      (local.set $p3 (i32.add (local.get $a) (i32.mul (call $min (i32.add (local.get $ir) (i32.const 3)) (local.get $last)) (local.get $ra))))
      (local.set $c00 (local.get $zero)) (local.set $c01 (local.get $zero))
      (local.set $c10 (local.get $zero)) (local.set $c11 (local.get $zero))
      (local.set $c20 (local.get $zero)) (local.set $c21 (local.get $zero))
      (local.set $c30 (local.get $zero)) (local.set $c31 (local.get $zero))
      (if (i32.gt_s (local.get $kc) (i32.const 0)) (then
        (loop $k
          ;;#if relaxed
          (local.set $b0 (v128.load (local.get $bp)))
          (local.set $b1 (v128.load offset=16 (local.get $bp)))
          (local.set $s (v128.load32_splat (local.get $p0)))
          (local.set $c00 (f32x4.relaxed_madd (local.get $s) (local.get $b0) (local.get $c00)))
          (local.set $c01 (f32x4.relaxed_madd (local.get $s) (local.get $b1) (local.get $c01)))
          (local.set $s (v128.load32_splat (local.get $p1)))
          (local.set $c10 (f32x4.relaxed_madd (local.get $s) (local.get $b0) (local.get $c10)))
          (local.set $c11 (f32x4.relaxed_madd (local.get $s) (local.get $b1) (local.get $c11)))
          (local.set $s (v128.load32_splat (local.get $p2)))
          (local.set $c20 (f32x4.relaxed_madd (local.get $s) (local.get $b0) (local.get $c20)))
          (local.set $c21 (f32x4.relaxed_madd (local.get $s) (local.get $b1) (local.get $c21)))
          (local.set $s (v128.load32_splat (local.get $p3)))
          (local.set $c30 (f32x4.relaxed_madd (local.get $s) (local.get $b0) (local.get $c30)))
          (local.set $c31 (f32x4.relaxed_madd (local.get $s) (local.get $b1) (local.get $c31)))
          ;;#else
          (local.set $b0 (v128.load (local.get $bp)))
          (local.set $b1 (v128.load offset=16 (local.get $bp)))
          (local.set $s (v128.load32_splat (local.get $p0)))
          (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $s) (local.get $b0))))
          (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $s) (local.get $b1))))
          (local.set $s (v128.load32_splat (local.get $p1)))
          (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $s) (local.get $b0))))
          (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $s) (local.get $b1))))
          (local.set $s (v128.load32_splat (local.get $p2)))
          (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $s) (local.get $b0))))
          (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $s) (local.get $b1))))
          (local.set $s (v128.load32_splat (local.get $p3)))
          (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $s) (local.get $b0))))
          (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $s) (local.get $b1))))
          ;;#end
          (local.set $p0 (i32.add (local.get $p0) (local.get $ka)))
          (local.set $p1 (i32.add (local.get $p1) (local.get $ka)))
          (local.set $p2 (i32.add (local.get $p2) (local.get $ka)))
          (local.set $p3 (i32.add (local.get $p3) (local.get $ka)))
          (local.set $bp (i32.add (local.get $bp) (local.get $kb)))
          (br_if $k (local.tee $kc (i32.sub (local.get $kc) (i32.const 1)))))))
      ;; scale by alpha in registers: cRV = alpha·cRV
      (local.set $va (f32x4.splat (local.get $alpha)))
      (local.set $c00 (f32x4.mul (local.get $va) (local.get $c00)))
      (local.set $c01 (f32x4.mul (local.get $va) (local.get $c01)))
      (local.set $c10 (f32x4.mul (local.get $va) (local.get $c10)))
      (local.set $c11 (f32x4.mul (local.get $va) (local.get $c11)))
      (local.set $c20 (f32x4.mul (local.get $va) (local.get $c20)))
      (local.set $c21 (f32x4.mul (local.get $va) (local.get $c21)))
      (local.set $c30 (f32x4.mul (local.get $va) (local.get $c30)))
      (local.set $c31 (f32x4.mul (local.get $va) (local.get $c31)))
      (if (i32.and (i32.and (i32.eq (local.get $mr) (i32.const 4)) (i32.eq (local.get $nr) (i32.const 8))) (i32.eq (local.get $cj) (i32.const 4))) (then
        ;; Full tile: straight to C, row by row (p = &C(r, 0)). Written inline: a call would spill
        ;; the accumulators.
        (if (f32.ne (local.get $beta) (f32.const 0)) (then
          ;; cRV += beta·C(r, 4V .. 4V+3)
          (local.set $vb (f32x4.splat (local.get $beta)))
          (local.set $p (local.get $c))
          (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $vb) (v128.load (local.get $p)))))
          (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $vb) (v128.load offset=16 (local.get $p)))))
          (local.set $p (i32.add (local.get $p) (local.get $ldc)))
          (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $vb) (v128.load (local.get $p)))))
          (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $vb) (v128.load offset=16 (local.get $p)))))
          (local.set $p (i32.add (local.get $p) (local.get $ldc)))
          (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $vb) (v128.load (local.get $p)))))
          (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $vb) (v128.load offset=16 (local.get $p)))))
          (local.set $p (i32.add (local.get $p) (local.get $ldc)))
          (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $vb) (v128.load (local.get $p)))))
          (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $vb) (v128.load offset=16 (local.get $p)))))))
        (local.set $p (local.get $c))
        (v128.store (local.get $p) (local.get $c00))
        (v128.store offset=16 (local.get $p) (local.get $c01))
        (local.set $p (i32.add (local.get $p) (local.get $ldc)))
        (v128.store (local.get $p) (local.get $c10))
        (v128.store offset=16 (local.get $p) (local.get $c11))
        (local.set $p (i32.add (local.get $p) (local.get $ldc)))
        (v128.store (local.get $p) (local.get $c20))
        (v128.store offset=16 (local.get $p) (local.get $c21))
        (local.set $p (i32.add (local.get $p) (local.get $ldc)))
        (v128.store (local.get $p) (local.get $c30))
        (v128.store offset=16 (local.get $p) (local.get $c31))
        (br $next)))
      ;; Edge tile: park the 4×8 result in tile, then update the mr×nr corner of C that exists.
      (v128.store (local.get $tile) (local.get $c00))
      (v128.store offset=16 (local.get $tile) (local.get $c01))
      (v128.store offset=32 (local.get $tile) (local.get $c10))
      (v128.store offset=48 (local.get $tile) (local.get $c11))
      (v128.store offset=64 (local.get $tile) (local.get $c20))
      (v128.store offset=80 (local.get $tile) (local.get $c21))
      (v128.store offset=96 (local.get $tile) (local.get $c30))
      (v128.store offset=112 (local.get $tile) (local.get $c31))
      (local.set $r (i32.const 0))
      (loop $row
        (local.set $j (i32.const 0))
        (loop $col
          (local.set $p (i32.add (local.get $c) (i32.mul (local.get $j) (local.get $cj))))
          (local.set $x (f32.load (i32.add (local.get $tile) (i32.shl (i32.add (i32.shl (local.get $r) (i32.const 3)) (local.get $j)) (i32.const 2)))))
          (if (f32.ne (local.get $beta) (f32.const 0)) (then
            (local.set $x (f32.add (local.get $x) (f32.mul (local.get $beta) (f32.load (local.get $p)))))))
          (f32.store (local.get $p) (local.get $x))
          (br_if $col (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $nr))))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (br_if $row (i32.lt_s (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $mr))))
      ) ;; $next: the tile is written
      ;; C moves down 4 rows
      (local.set $c (i32.add (local.get $cRow) (i32.shl (local.get $ldc) (i32.const 2))))
      (br_if $tileLoop (i32.lt_s (local.tee $ir (i32.add (local.get $ir) (i32.const 4))) (local.get $mc)))))

  ;; ---------------------------------------------------------------------------------------------
  ;; packA: src points at A(0,0) of an mc×kc block (A(i,k) at src + 4·(i·rs + k·cs)).
  ;; Writes ⌈mc/4⌉ panels dst[panel][k][0:4] = A(4·panel + 0..3, k), rows past mc as zeros.
  ;; Fast paths for full panels: rs = 1 (Aᵀ·B: the 4 rows are adjacent, one v128 per k) and
  ;; cs = 1 (A·B, A·Bᵀ: each row is contiguous in k, so 4×4 blocks are transposed in registers).
  ;; ---------------------------------------------------------------------------------------------
  (func $packA (param $src i32) (param $rs i32) (param $cs i32) (param $mc i32) (param $kc i32) (param $dst i32)
    (local $i0 i32) (local $k i32) (local $r i32) (local $p i32) (local $rsB i32) (local $csB i32)
    (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $r3 i32)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local $u0 v128) (local $u1 v128) (local $u2 v128) (local $u3 v128)
    (local.set $rsB (i32.shl (local.get $rs) (i32.const 2)))
    (local.set $csB (i32.shl (local.get $cs) (i32.const 2)))
    (local.set $i0 (i32.const 0))
    (block $done (loop $panel
      (br_if $done (i32.ge_s (local.get $i0) (local.get $mc)))
      (local.set $k (i32.const 0))
      (if (i32.le_s (i32.add (local.get $i0) (i32.const 4)) (local.get $mc)) (then
        (if (i32.eq (local.get $rs) (i32.const 1)) (then
          ;; rows adjacent: dst[k][0:4] = src[k·cs + i0 .. +4]
          (local.set $p (i32.add (local.get $src) (i32.shl (local.get $i0) (i32.const 2))))
          (block $end (loop $kk
            (br_if $end (i32.ge_s (local.get $k) (local.get $kc)))
            (v128.store (local.get $dst) (v128.load (local.get $p)))
            (local.set $p (i32.add (local.get $p) (local.get $csB)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $kk)))))
        (if (i32.eq (local.get $cs) (i32.const 1)) (then
          ;; rows contiguous in k: transpose 4 rows × 4 k at a time
          (local.set $r0 (i32.add (local.get $src) (i32.mul (local.get $i0) (local.get $rsB))))
          (local.set $r1 (i32.add (local.get $r0) (local.get $rsB)))
          (local.set $r2 (i32.add (local.get $r1) (local.get $rsB)))
          (local.set $r3 (i32.add (local.get $r2) (local.get $rsB)))
          (block $end (loop $kk
            (br_if $end (i32.gt_s (i32.add (local.get $k) (i32.const 4)) (local.get $kc)))
            (local.set $t0 (v128.load (local.get $r0)))
            (local.set $t1 (v128.load (local.get $r1)))
            (local.set $t2 (v128.load (local.get $r2)))
            (local.set $t3 (v128.load (local.get $r3)))
            ;; u0 = [r0k0 r1k0 r0k1 r1k1], u1 = [r2k0 r3k0 r2k1 r3k1], u2/u3 the same for k2, k3
            (local.set $u0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $t0) (local.get $t1)))
            (local.set $u1 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $t2) (local.get $t3)))
            (local.set $u2 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $t0) (local.get $t1)))
            (local.set $u3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $t2) (local.get $t3)))
            ;; dst[k+t][0:4] = A(i0..i0+3, k+t)
            (v128.store (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u0) (local.get $u1)))
            (v128.store offset=16 (local.get $dst) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u0) (local.get $u1)))
            (v128.store offset=32 (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u2) (local.get $u3)))
            (v128.store offset=48 (local.get $dst) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u2) (local.get $u3)))
            (local.set $r0 (i32.add (local.get $r0) (i32.const 16)))
            (local.set $r1 (i32.add (local.get $r1) (i32.const 16)))
            (local.set $r2 (i32.add (local.get $r2) (i32.const 16)))
            (local.set $r3 (i32.add (local.get $r3) (i32.const 16)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $kk)))))))
      ;; whatever is left of this panel (edge rows, k tail, other strides): one element at a time
      (block $end (loop $kk
        (br_if $end (i32.ge_s (local.get $k) (local.get $kc)))
        (local.set $r (i32.const 0))
        (loop $row
          (f32.store (local.get $dst)
            (if (result f32) (i32.lt_s (i32.add (local.get $i0) (local.get $r)) (local.get $mc))
              (then (f32.load (i32.add (local.get $src)
                (i32.add (i32.mul (i32.add (local.get $i0) (local.get $r)) (local.get $rsB))
                         (i32.mul (local.get $k) (local.get $csB))))))
              (else (f32.const 0))))
          (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
          (br_if $row (i32.lt_s (local.tee $r (i32.add (local.get $r) (i32.const 1))) (i32.const 4))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $kk)))
      (local.set $i0 (i32.add (local.get $i0) (i32.const 4)))
      (br $panel))))

  ;; ---------------------------------------------------------------------------------------------
  ;; packB: src points at B(0,0) of a kc×nc block (B(k,j) at src + 4·(k·rs + j·cs)).
  ;; Writes ⌈nc/8⌉ panels dst[panel][k][0:8] = B(k, 8·panel + 0..7), columns past nc as zeros.
  ;; Fast paths for full panels: cs = 1 (A·B, Aᵀ·B: two v128 per k) and rs = 1 (A·Bᵀ: each of the
  ;; 8 columns is a contiguous row of the stored Bᵀ, transposed 4 k at a time in registers).
  ;; ---------------------------------------------------------------------------------------------
  (func $packB (param $src i32) (param $rs i32) (param $cs i32) (param $kc i32) (param $nc i32) (param $dst i32)
    (local $j0 i32) (local $k i32) (local $j i32) (local $p i32) (local $rsB i32) (local $csB i32)
    (local $q0 i32) (local $q1 i32) (local $q2 i32) (local $q3 i32) (local $half i32)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local $u0 v128) (local $u1 v128) (local $u2 v128) (local $u3 v128)
    (local.set $rsB (i32.shl (local.get $rs) (i32.const 2)))
    (local.set $csB (i32.shl (local.get $cs) (i32.const 2)))
    (local.set $j0 (i32.const 0))
    (block $done (loop $panel
      (br_if $done (i32.ge_s (local.get $j0) (local.get $nc)))
      (local.set $k (i32.const 0))
      (if (i32.le_s (i32.add (local.get $j0) (i32.const 8)) (local.get $nc)) (then
        (if (i32.eq (local.get $cs) (i32.const 1)) (then
          ;; columns adjacent: dst[k][0:8] = src[k·rs + j0 .. +8]
          (local.set $p (i32.add (local.get $src) (i32.shl (local.get $j0) (i32.const 2))))
          (block $end (loop $kk
            (br_if $end (i32.ge_s (local.get $k) (local.get $kc)))
            (v128.store (local.get $dst) (v128.load (local.get $p)))
            (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $p)))
            (local.set $p (i32.add (local.get $p) (local.get $rsB)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $kk)))))
        (if (i32.eq (local.get $rs) (i32.const 1)) (then
          ;; each column contiguous in k: transpose two 4×4 blocks (columns j0..j0+3, j0+4..j0+7)
          (block $end (loop $kk
            (br_if $end (i32.gt_s (i32.add (local.get $k) (i32.const 4)) (local.get $kc)))
            (local.set $half (i32.const 0))
            (loop $halves
              ;; q0..q3: &B(k, j0 + 4·half + 0..3)
              (local.set $q0 (i32.add (local.get $src) (i32.add (i32.shl (local.get $k) (i32.const 2))
                (i32.mul (i32.add (local.get $j0) (i32.shl (local.get $half) (i32.const 2))) (local.get $csB)))))
              (local.set $q1 (i32.add (local.get $q0) (local.get $csB)))
              (local.set $q2 (i32.add (local.get $q1) (local.get $csB)))
              (local.set $q3 (i32.add (local.get $q2) (local.get $csB)))
              (local.set $t0 (v128.load (local.get $q0)))
              (local.set $t1 (v128.load (local.get $q1)))
              (local.set $t2 (v128.load (local.get $q2)))
              (local.set $t3 (v128.load (local.get $q3)))
              (local.set $u0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $t0) (local.get $t1)))
              (local.set $u1 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $t2) (local.get $t3)))
              (local.set $u2 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $t0) (local.get $t1)))
              (local.set $u3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $t2) (local.get $t3)))
              ;; dst[k+t][4·half : 4·half+4] = B(k+t, j0+4·half .. +4); a row of dst is 32 bytes
              (local.set $p (i32.add (local.get $dst) (i32.shl (local.get $half) (i32.const 4))))
              (v128.store (local.get $p) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u0) (local.get $u1)))
              (v128.store offset=32 (local.get $p) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u0) (local.get $u1)))
              (v128.store offset=64 (local.get $p) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u2) (local.get $u3)))
              (v128.store offset=96 (local.get $p) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u2) (local.get $u3)))
              (br_if $halves (i32.lt_s (local.tee $half (i32.add (local.get $half) (i32.const 1))) (i32.const 2))))
            (local.set $dst (i32.add (local.get $dst) (i32.const 128)))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $kk)))))))
      ;; whatever is left of this panel (edge columns, k tail, other strides): one element at a time
      (block $end (loop $kk
        (br_if $end (i32.ge_s (local.get $k) (local.get $kc)))
        (local.set $j (i32.const 0))
        (loop $col
          (f32.store (local.get $dst)
            (if (result f32) (i32.lt_s (i32.add (local.get $j0) (local.get $j)) (local.get $nc))
              (then (f32.load (i32.add (local.get $src)
                (i32.add (i32.mul (local.get $k) (local.get $rsB))
                         (i32.mul (i32.add (local.get $j0) (local.get $j)) (local.get $csB))))))
              (else (f32.const 0))))
          (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
          (br_if $col (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 1))) (i32.const 8))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $kk)))
      (local.set $j0 (i32.add (local.get $j0) (i32.const 8)))
      (br $panel)))))
