;; gemm/pack.wat (gemm.wat): $packA (an mc×kc block of A → ⌈mc/4⌉ panels [kc][4]) and $packB
;; (a kc×nc block of B → ⌈nc/8⌉ panels [kc][8]), zero-padded past the real rows / columns, with
;; register-transposing fast paths for the contiguous layouts.

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
      (br $panel))))
