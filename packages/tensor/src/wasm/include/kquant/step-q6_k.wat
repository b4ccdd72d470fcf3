  ;; kquant/step-q6_k.wat, included INSIDE the Q6_K row-dots' super-block loop (kquant/q6_k.wat,
  ;; relaxeddot/q6_k-row.wat) after a super-block's integer sums: one home for its float step, written
  ;; out rather than called (calls once per super-block made V8 save the loop's vectors around them).
  ;; Uses the including function's locals isum (i32x4, summing to the super-block's exact total; overwritten),
  ;; d (i32 scratch), acc (f32), w (the super-block: d f16 @208), xq (d_x f32 @256):
  ;;     acc ← acc + f32(Σ)·(d·d_x)
  ;; Σ across lanes in vector registers (exact), converted there; d: the f16's magnitude moved to an
  ;; f32's place and rescaled by 2^112 (exact for normal and subnormal halves), its sign copied.
      (local.set $isum (i32x4.add (local.get $isum) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $isum) (local.get $isum))))
      (local.set $d (i32.load16_u offset=208 (local.get $w)))
      (local.set $acc (f32.add (local.get $acc) (f32.mul
        (f32x4.extract_lane 0 (f32x4.convert_i32x4_s (i32x4.add (local.get $isum) (i8x16.shuffle 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 (local.get $isum) (local.get $isum)))))
        (f32.mul (f32.copysign
                   (f32.mul (f32.reinterpret_i32 (i32.shl (i32.and (local.get $d) (i32.const 0x7fff)) (i32.const 13))) (f32.const 0x1p112))
                   (f32.reinterpret_i32 (i32.shl (local.get $d) (i32.const 16))))
                 (f32.load offset=256 (local.get $xq))))))
