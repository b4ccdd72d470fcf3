;; gemm/micro-kernel.wat (gemm.wat): $kernelColumn, one column of 4×8 tiles of C from packed A
;; panels [kc][4] and one packed B panel [kc][8]; 8 f32x4 accumulators in registers. The relaxed
;; build's k loop multiply-adds with f32x4.relaxed_madd (;;#if relaxed).

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
