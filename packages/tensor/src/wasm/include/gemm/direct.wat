;; gemm/direct.wat (gemm.wat): products with few rows of C that skip packing the big operand:
;; $direct (A·B, Aᵀ·B with B's rows contiguous, mc ≤ DIRECT_M), $directT (A·Bᵀ as Cᵀ = B·Aᵀ,
;; M ≤ DIRECT_T_M) and their tile loop $kernelDirect (kernelColumn's arithmetic, operands read in
;; place), so both paths give the bits of the packed one.

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
