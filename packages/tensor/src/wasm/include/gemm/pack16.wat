;; gemm/pack16.wat (gemm.wat): $packB16, gemmW16's B blocks: B = Wᵀ for W rows stored as bf16 or
;; f16, packed into gemm's B panels [kc][8] (as $packB packs an f32 Bᵀ) and widened to f32 on the
;; way, exactly as compact.wat's widenBf16 / widenF16 widen (bf16: the bits moved up 16; f16: the
;; bits moved to an f32's place and rescaled by 2^112, inf/NaN through $f16, compact/f16.wat).

  ;; ---------------------------------------------------------------------------------------------
  ;; packB16: src = &W[jc][pc] (byte address), ld = W's row length K; a kc×nc block of B(k, j) =
  ;; W[jc + j][pc + k] → ⌈nc/8⌉ panels dst[panel][k][0:8], columns past nc as zeros. Full panels
  ;; go 8 k at a time: the 8 rows' 8 halves loaded, widened, and transposed as four 4×4 blocks; an
  ;; f16 group holding an inf/NaN, the k tail and the edge panel one element at a time.
  ;; ---------------------------------------------------------------------------------------------
  (func $packB16 (param $src i32) (param $ld i32) (param $kc i32) (param $nc i32) (param $dst i32) (param $f16 i32)
    (local $j0 i32) (local $k i32) (local $j i32) (local $ldB i32) (local $p i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $h0 v128) (local $h1 v128) (local $h2 v128) (local $h3 v128) (local $h4 v128) (local $h5 v128) (local $h6 v128) (local $h7 v128)
    (local.set $ldB (i32.shl (local.get $ld) (i32.const 1)))
    (block $done (loop $panel
      (br_if $done (i32.ge_s (local.get $j0) (local.get $nc)))
      (local.set $k (i32.const 0))
      (if (i32.le_s (i32.add (local.get $j0) (i32.const 8)) (local.get $nc)) (then
        (block $end (loop $k8
          (br_if $end (i32.gt_s (i32.add (local.get $k) (i32.const 8)) (local.get $kc)))
          ;; hR: W[jc + j0 + R][pc + k … +7]
          (local.set $p (i32.add (local.get $src) (i32.add (i32.shl (local.get $k) (i32.const 1)) (i32.mul (local.get $j0) (local.get $ldB)))))
          (local.set $h0 (v128.load (local.get $p)))
          (local.set $h1 (v128.load (local.tee $p (i32.add (local.get $p) (local.get $ldB)))))
          (local.set $h2 (v128.load (local.tee $p (i32.add (local.get $p) (local.get $ldB)))))
          (local.set $h3 (v128.load (local.tee $p (i32.add (local.get $p) (local.get $ldB)))))
          (local.set $h4 (v128.load (local.tee $p (i32.add (local.get $p) (local.get $ldB)))))
          (local.set $h5 (v128.load (local.tee $p (i32.add (local.get $p) (local.get $ldB)))))
          (local.set $h6 (v128.load (local.tee $p (i32.add (local.get $p) (local.get $ldB)))))
          (local.set $h7 (v128.load (local.tee $p (i32.add (local.get $p) (local.get $ldB)))))
          ;; f16: an exponent of 31 (inf/NaN) anywhere in the group → from this group on, one element at a time
          (if (local.get $f16) (then
            ;; any exponent bits all set: (h & 0x7c00) == 0x7c00 in some lane, tested on the 8 rows' max of h & 0x7c00
            (br_if $end (v128.any_true (i16x8.eq (v128.const i16x8 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00)
              (v128.and (v128.const i16x8 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00)
                (i16x8.max_u (i16x8.max_u (i16x8.max_u (v128.and (local.get $h0) (v128.const i16x8 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00))
                                                       (v128.and (local.get $h1) (v128.const i16x8 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00)))
                                         (i16x8.max_u (v128.and (local.get $h2) (v128.const i16x8 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00))
                                                       (v128.and (local.get $h3) (v128.const i16x8 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00))))
                           (i16x8.max_u (i16x8.max_u (v128.and (local.get $h4) (v128.const i16x8 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00))
                                                       (v128.and (local.get $h5) (v128.const i16x8 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00)))
                                         (i16x8.max_u (v128.and (local.get $h6) (v128.const i16x8 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00))
                                                       (v128.and (local.get $h7) (v128.const i16x8 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00)))))))))))
          ;; the 8×8 block widened (k … k+3 from the low halves, k+4 … k+7 from the high) and transposed 4×4 at a time
          (if (local.get $f16)
            (then
            ;; k+0 … k+3, columns 0–3
            (local.set $v0 (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h0)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)))
            (local.set $v1 (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h1)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)))
            (local.set $v2 (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h2)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)))
            (local.set $v3 (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h3)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)))
            (call $store4x4T (i32.add (local.get $dst) (i32.const 0)) (local.get $v0) (local.get $v1) (local.get $v2) (local.get $v3))
            ;; k+0 … k+3, columns 4–7
            (local.set $v0 (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h4)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)))
            (local.set $v1 (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h5)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)))
            (local.set $v2 (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h6)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)))
            (local.set $v3 (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h7)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)))
            (call $store4x4T (i32.add (local.get $dst) (i32.const 16)) (local.get $v0) (local.get $v1) (local.get $v2) (local.get $v3))
            ;; k+4 … k+7, columns 0–3
            (local.set $v0 (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h0)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)))
            (local.set $v1 (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h1)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)))
            (local.set $v2 (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h2)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)))
            (local.set $v3 (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h3)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)))
            (call $store4x4T (i32.add (local.get $dst) (i32.const 128)) (local.get $v0) (local.get $v1) (local.get $v2) (local.get $v3))
            ;; k+4 … k+7, columns 4–7
            (local.set $v0 (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h4)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)))
            (local.set $v1 (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h5)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)))
            (local.set $v2 (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h6)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)))
            (local.set $v3 (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h7)) (i32.const 3)) (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)))
            (call $store4x4T (i32.add (local.get $dst) (i32.const 144)) (local.get $v0) (local.get $v1) (local.get $v2) (local.get $v3)))
            (else
            ;; k+0 … k+3, columns 0–3
            (local.set $v0 (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h0)))
            (local.set $v1 (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h1)))
            (local.set $v2 (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h2)))
            (local.set $v3 (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h3)))
            (call $store4x4T (i32.add (local.get $dst) (i32.const 0)) (local.get $v0) (local.get $v1) (local.get $v2) (local.get $v3))
            ;; k+0 … k+3, columns 4–7
            (local.set $v0 (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h4)))
            (local.set $v1 (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h5)))
            (local.set $v2 (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h6)))
            (local.set $v3 (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $h7)))
            (call $store4x4T (i32.add (local.get $dst) (i32.const 16)) (local.get $v0) (local.get $v1) (local.get $v2) (local.get $v3))
            ;; k+4 … k+7, columns 0–3
            (local.set $v0 (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h0)))
            (local.set $v1 (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h1)))
            (local.set $v2 (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h2)))
            (local.set $v3 (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h3)))
            (call $store4x4T (i32.add (local.get $dst) (i32.const 128)) (local.get $v0) (local.get $v1) (local.get $v2) (local.get $v3))
            ;; k+4 … k+7, columns 4–7
            (local.set $v0 (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h4)))
            (local.set $v1 (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h5)))
            (local.set $v2 (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h6)))
            (local.set $v3 (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $h7)))
            (call $store4x4T (i32.add (local.get $dst) (i32.const 144)) (local.get $v0) (local.get $v1) (local.get $v2) (local.get $v3))))
          (local.set $dst (i32.add (local.get $dst) (i32.const 256)))
          (local.set $k (i32.add (local.get $k) (i32.const 8)))
          (br $k8)))))
      ;; whatever is left of this panel (an inf/NaN group onwards, the k tail, the edge panel)
      (block $end (loop $kk
        (br_if $end (i32.ge_s (local.get $k) (local.get $kc)))
        (local.set $j (i32.const 0))
        (loop $col
          (f32.store (local.get $dst)
            (if (result f32) (i32.lt_s (i32.add (local.get $j0) (local.get $j)) (local.get $nc))
              (then (call $widen1 (i32.load16_u (i32.add (local.get $src)
                (i32.add (i32.shl (local.get $k) (i32.const 1)) (i32.mul (i32.add (local.get $j0) (local.get $j)) (local.get $ldB))))) (local.get $f16)))
              (else (f32.const 0))))
          (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
          (br_if $col (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 1))) (i32.const 8))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $kk)))
      (local.set $j0 (i32.add (local.get $j0) (i32.const 8)))
      (br $panel))))

  ;; one half (the low 16 bits of h) widened: bf16 or f16
  (func $widen1 (param $h i32) (param $f16 i32) (result f32)
    (if (result f32) (local.get $f16)
      (then (call $f16 (local.get $h)))
      (else (f32.reinterpret_i32 (i32.shl (local.get $h) (i32.const 16))))))

  ;; vC: column C's values at k … k+3 → dst + 32·t (a panel row) holds [v0[t], v1[t], v2[t], v3[t]]
  (func $store4x4T (param $dst i32) (param $v0 v128) (param $v1 v128) (param $v2 v128) (param $v3 v128)
    (local $u0 v128) (local $u1 v128) (local $u2 v128) (local $u3 v128)
    (local.set $u0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v0) (local.get $v1)))
    (local.set $u1 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v2) (local.get $v3)))
    (local.set $u2 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v0) (local.get $v1)))
    (local.set $u3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v2) (local.get $v3)))
    (v128.store (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u0) (local.get $u1)))
    (v128.store offset=32 (local.get $dst) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u0) (local.get $u1)))
    (v128.store offset=64 (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u2) (local.get $u3)))
    (v128.store offset=96 (local.get $dst) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u2) (local.get $u3))))
