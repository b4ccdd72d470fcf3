;; kquant/scales.wat (kquant.wat, relaxeddot.wat): a Q4_K super-block's 8 six-bit sub-block scales
;; and 8 mins as i16 lanes, unpacked from its 12 packed bytes @4 4 at a time (u0, u1, u2: bytes
;; 0-3, 4-7, 8-11; q4_k.ts scaleMin; llama.cpp's utmp trick):
;;     sc[0..3] = u0 & 63, sc[4..7] = (u2 & 15) | (u0 >> 6) << 4
;;     m[0..3]  = u1 & 63, m[4..7]  = (u2 >> 4) | (u1 >> 6) << 4
;; For the packed gemms' panels ($rowQ4_K unpacks the same way inline, in its hot loop).

  ;; the super-block at src → i16x8 [sc0 … sc7]
  (func $scalesQ4_K (param $src i32) (result v128)
    (local $u0 i32)
    (local.set $u0 (i32.load offset=4 (local.get $src)))
    (i16x8.extend_low_i8x16_u (i32x4.replace_lane 1
      (i32x4.splat (i32.and (local.get $u0) (i32.const 0x3f3f3f3f)))
      (i32.or (i32.and (i32.load offset=12 (local.get $src)) (i32.const 0x0f0f0f0f)) (i32.shl (i32.and (i32.shr_u (local.get $u0) (i32.const 6)) (i32.const 0x03030303)) (i32.const 4))))))

  ;; the super-block at src → i16x8 [m0 … m7]
  (func $minsQ4_K (param $src i32) (result v128)
    (local $u1 i32)
    (local.set $u1 (i32.load offset=8 (local.get $src)))
    (i16x8.extend_low_i8x16_u (i32x4.replace_lane 1
      (i32x4.splat (i32.and (local.get $u1) (i32.const 0x3f3f3f3f)))
      (i32.or (i32.and (i32.shr_u (i32.load offset=12 (local.get $src)) (i32.const 4)) (i32.const 0x0f0f0f0f)) (i32.shl (i32.and (i32.shr_u (local.get $u1) (i32.const 6)) (i32.const 0x03030303)) (i32.const 4))))))
