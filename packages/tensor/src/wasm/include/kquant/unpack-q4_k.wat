  ;; kquant/unpack-q4_k.wat, included INSIDE the Q4_K / Q5_K decode row-dots' super-block loop
  ;; (kquant/q4_k.wat; relaxeddot/q4_k-row.wat, q5_k-row.wat): kquant/scales.wat's $scalesQ4_K and
  ;; $minsQ4_K written out (as calls, their v128 results cost the row-dots ~1.7× their time: q5_k.wat).
  ;; Uses the including function's locals w (the super-block: 6-bit scales and mins @4–15), u0, u1, u2
  ;; (i32 scratch); sets sc and mn, the 8 scales and the 8 mins as i16 lanes.
      (local.set $u0 (i32.load offset=4 (local.get $w)))
      (local.set $u1 (i32.load offset=8 (local.get $w)))
      (local.set $u2 (i32.load offset=12 (local.get $w)))
      (local.set $sc (i16x8.extend_low_i8x16_u (i32x4.replace_lane 1
        (i32x4.splat (i32.and (local.get $u0) (i32.const 0x3f3f3f3f)))
        (i32.or (i32.and (local.get $u2) (i32.const 0x0f0f0f0f)) (i32.shl (i32.and (i32.shr_u (local.get $u0) (i32.const 6)) (i32.const 0x03030303)) (i32.const 4))))))
      (local.set $mn (i16x8.extend_low_i8x16_u (i32x4.replace_lane 1
        (i32x4.splat (i32.and (local.get $u1) (i32.const 0x3f3f3f3f)))
        (i32.or (i32.and (i32.shr_u (local.get $u2) (i32.const 4)) (i32.const 0x0f0f0f0f)) (i32.shl (i32.and (i32.shr_u (local.get $u1) (i32.const 6)) (i32.const 0x03030303)) (i32.const 4))))))
