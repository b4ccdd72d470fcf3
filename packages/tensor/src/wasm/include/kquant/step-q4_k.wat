  ;; kquant/step-q4_k.wat, included INSIDE the Q4_K / Q5_K row-dots' super-block loop (kquant/q4_k.wat,
  ;; q5_k.wat; relaxeddot/q4_k-row.wat, q5_k-row.wat), after a super-block's integer sums: one home for
  ;; the super-block's float step, written out in each loop rather than called (a call once per
  ;; super-block makes V8 save the loop's live vectors around it).
  ;; Uses the including function's locals: isum (i32x4 lanes summing to Σ_s sc[s]·Σ n·q_x), mn (the
  ;; 8 mins as i16 lanes; overwritten), t (v128 scratch), acc (f32), w (the super-block: d f16 @0, dmin
  ;; f16 @2), xq (its activation block: d_x f32 @256, Σq of each 32 i16[8] @260). Steps
  ;;     acc ← (acc + f32(Σ)·(d·d_x)) − f32(Σ_s m[s]·Σq[s])·(dmin·d_x)
  ;; both totals summed across lanes at once (exact integers), d and dmin widened at once (each half
  ;; above 16 zero bits, shifted right 3 with sign, masked, times 2^112: a finite f16 exactly), so
  ;; lanes 0 and 2 of t are the two terms; the prefill gemms (kquant/gemm.wat) take the same steps.
      (local.set $mn (i32x4.dot_i16x8_s (local.get $mn) (v128.load offset=260 (local.get $xq))))
      (local.set $t (i32x4.add (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $isum) (local.get $mn))
                               (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $isum) (local.get $mn))))
      (local.set $t (i32x4.add (local.get $t) (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $t) (local.get $t))))
      (local.set $t (f32x4.mul (f32x4.convert_i32x4_s (local.get $t))
        (f32x4.mul
          (f32x4.mul (v128.and (i32x4.shr_s (i8x16.shuffle 0 1 16 17 0 1 16 17 0 1 18 19 0 1 18 19 (v128.const i32x4 0 0 0 0) (v128.load32_splat (local.get $w))) (i32.const 3))
                               (v128.const i32x4 0x8fffffff 0x8fffffff 0x8fffffff 0x8fffffff)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112))
          (f32x4.splat (f32.load offset=256 (local.get $xq))))))
      (local.set $acc (f32.sub (f32.add (local.get $acc) (f32x4.extract_lane 0 (local.get $t))) (f32x4.extract_lane 2 (local.get $t))))
