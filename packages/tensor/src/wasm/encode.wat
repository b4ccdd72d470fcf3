;; encode.wat: float32 weights → compact bytes at load (f16, bf16, Q8_0), for @mini/tensor.
;; The same bytes as src/compact/encode.ts's per-value loop (encodeRowsReference) and its JS fast
;; paths (src/compact/encode-f32.ts): test/compact-encode-fast.test.ts compares them. The JS side
;; (operands into the heap, refusals, the rows it hands back) is src/compact/encode-wasm.ts.
;; Addresses are BYTE addresses into the shared memory of heap.ts.
;;
;; Q8_0 follows quantizeQ8_0's float64 steps: amax = max|x| (exact in f32), d = amax / 127 and
;; id = 1 / d in f64, d's f16 via f32 (demote rounds to nearest even, as a Float32Array store),
;; q = round half away from zero of x·id in f64 (|a| rounded: floor, +1 when the exact fraction
;; a − floor(a) is ≥ 0.5, Math.round's rule). A row holding inf or NaN is left to the JS (a NaN's
;; payload through V8's Math.max/abs and a f32 store is V8's to decide): the kernel stops there.

(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; Table of contents (in this order: the order fixes the function indices, so the bytes):
  ;;   compact/f16.wat   $f16: one f16 → f32
  ;;   $toF16, exports f32ToF16, f32ToBf16, quantizeQ8_0Rows (below)
  ;;   encode/q4_0.wat   exports quantizeQ4_0Rows (quant/q4_0.ts quantizeQ4_0's scale search), quantizeQ4_0RowsJob (the same on the pool)
  ;;#include compact/f16.wat

  ;; The half bit pattern of a finite float32 with bits $u (|x| ≤ 65504 or overflowing to inf):
  ;; half.ts f32BitsToF16's rounding, to nearest, ties to even.
  (func $toF16 (param $u i32) (result i32)
    (local $sign i32) (local $e i32) (local $mant i32) (local $shift i32) (local $full i32) (local $h i32) (local $rem i32) (local $half i32)
    (local.set $sign (i32.and (i32.shr_u (local.get $u) (i32.const 16)) (i32.const 0x8000)))
    (local.set $mant (i32.and (local.get $u) (i32.const 0x7fffff)))
    (local.set $e (i32.sub (i32.and (i32.shr_u (local.get $u) (i32.const 23)) (i32.const 0xff)) (i32.const 112)))
    (if (i32.ge_s (local.get $e) (i32.const 0x1f)) (then (return (i32.or (local.get $sign) (i32.const 0x7c00)))))
    (if (i32.le_s (local.get $e) (i32.const 0))
      (then
        (local.set $shift (i32.sub (i32.const 14) (local.get $e)))
        (if (i32.gt_s (local.get $shift) (i32.const 24)) (then (return (local.get $sign))))
        (local.set $full (i32.or (local.get $mant) (i32.const 0x800000)))
        (local.set $h (i32.shr_u (local.get $full) (local.get $shift)))
        (local.set $rem (i32.and (local.get $full) (i32.sub (i32.shl (i32.const 1) (local.get $shift)) (i32.const 1))))
        (local.set $half (i32.shl (i32.const 1) (i32.sub (local.get $shift) (i32.const 1)))))
      (else
        (local.set $h (i32.or (i32.shl (local.get $e) (i32.const 10)) (i32.shr_u (local.get $mant) (i32.const 13))))
        (local.set $rem (i32.and (local.get $mant) (i32.const 0x1fff)))
        (local.set $half (i32.const 0x1000))))
    ;; + 1 past halfway, or at halfway when odd: added as 0/1, no branch (weights round either way at random)
    (i32.or (local.get $sign)
      (i32.add (local.get $h)
        (i32.or (i32.gt_u (local.get $rem) (local.get $half))
                (i32.and (i32.eq (local.get $rem) (local.get $half)) (i32.and (local.get $h) (i32.const 1)))))))

  ;; src f32 [n] → dst f16 [n]; returns the index of the first value that does not fit
  ;; (|x| > 65504, inf, NaN: |bits| > 0x477fe000), n when all do. Values before it are written.
  (func (export "f32ToF16") (param $src i32) (param $n i32) (param $dst i32) (result i32)
    (local $i i32) (local $u i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $u (i32.load (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2)))))
      (if (i32.gt_u (i32.and (local.get $u) (i32.const 0x7fffffff)) (i32.const 0x477fe000)) (then (return (local.get $i))))
      (i32.store16 (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 1))) (call $toF16 (local.get $u)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (local.get $n))

  ;; src f32 [n] → dst bf16 [n], rounded to nearest even; a NaN quieted (half.ts f32BitsToBf16).
  (func (export "f32ToBf16") (param $src i32) (param $n i32) (param $dst i32)
    (local $i i32) (local $u i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $u (i32.load (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2)))))
      (i32.store16 (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 1)))
        (if (result i32) (i32.gt_u (i32.and (local.get $u) (i32.const 0x7fffffff)) (i32.const 0x7f800000))
          (then (i32.or (i32.shr_u (local.get $u) (i32.const 16)) (i32.const 0x40)))
          (else (i32.shr_u (i32.add (local.get $u) (i32.add (i32.const 0x7fff) (i32.and (i32.shr_u (local.get $u) (i32.const 16)) (i32.const 1)))) (i32.const 16)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
  )

  ;; src f32 [rows, K] → dst Q8_0 rows (⌈K/32⌉·34 bytes each, the last block zero-padded past K).
  ;; Returns the first row holding inf or NaN (not written), rows when there is none.
  (func (export "quantizeQ8_0Rows") (param $src i32) (param $rows i32) (param $K i32) (param $dst i32) (result i32)
    (local $r i32) (local $b i32) (local $nb i32) (local $i i32) (local $len i32) (local $x i32) (local $p i32) (local $u i32)
    (local $amax f32) (local $ax f32) (local $d f64) (local $id f64) (local $v f64) (local $a f64) (local $f f64)
    (local.set $nb (i32.shr_u (i32.add (local.get $K) (i32.const 31)) (i32.const 5)))
    (local.set $p (local.get $dst))
    (block $rowsDone (loop $row
      (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
      ;; a row with inf / NaN is the JS's
      (local.set $x (i32.add (local.get $src) (i32.shl (i32.mul (local.get $r) (local.get $K)) (i32.const 2))))
      (local.set $i (i32.const 0))
      (block $ok (loop $scan
        (br_if $ok (i32.ge_u (local.get $i) (local.get $K)))
        (local.set $u (i32.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))))
        (if (i32.ge_u (i32.and (local.get $u) (i32.const 0x7fffffff)) (i32.const 0x7f800000)) (then (return (local.get $r))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scan)))
      (local.set $b (i32.const 0))
      (block $blocksDone (loop $block
        (br_if $blocksDone (i32.ge_u (local.get $b) (local.get $nb)))
        (local.set $len (i32.sub (local.get $K) (i32.shl (local.get $b) (i32.const 5))))
        (if (i32.gt_u (local.get $len) (i32.const 32)) (then (local.set $len (i32.const 32))))
        (local.set $amax (f32.const 0))
        (local.set $i (i32.const 0))
        (block $e1 (loop $l1
          (br_if $e1 (i32.ge_u (local.get $i) (local.get $len)))
          ;; finite values only (rows with inf/NaN are the JS's): a compare and select is f32.max here
          (local.set $ax (f32.abs (f32.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2))))))
          (local.set $amax (select (local.get $ax) (local.get $amax) (f32.gt (local.get $ax) (local.get $amax))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l1)))
        (local.set $d (f64.div (f64.promote_f32 (local.get $amax)) (f64.const 127)))
        (local.set $id (select (f64.const 0) (f64.div (f64.const 1) (local.get $d)) (f64.eq (local.get $d) (f64.const 0))))
        (i32.store16 (local.get $p) (call $toF16 (i32.reinterpret_f32 (f32.demote_f64 (local.get $d)))))
        (local.set $i (i32.const 0))
        (block $e2 (loop $l2
          (br_if $e2 (i32.ge_u (local.get $i) (i32.const 32)))
          (if (i32.lt_u (local.get $i) (local.get $len))
            (then
              (local.set $v (f64.mul (f64.promote_f32 (f32.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2))))) (local.get $id)))
              ;; branch-free (signs and fractions are random): floor(|v|) + (fraction ≥ 0.5), v's sign;
              ;; |q| ≤ 128, so the trapping truncation never traps (trunc_sat measured ~3× slower in V8)
              (local.set $a (f64.abs (local.get $v)))
              (local.set $f (f64.floor (local.get $a)))
              (local.set $f (f64.add (local.get $f) (f64.convert_i32_u (f64.ge (f64.sub (local.get $a) (local.get $f)) (f64.const 0.5)))))
              (i32.store8 offset=2 (i32.add (local.get $p) (local.get $i)) (i32.trunc_f64_s (f64.copysign (local.get $f) (local.get $v)))))
            (else (i32.store8 offset=2 (i32.add (local.get $p) (local.get $i)) (i32.const 0))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l2)))
        (local.set $x (i32.add (local.get $x) (i32.const 128)))
        (local.set $p (i32.add (local.get $p) (i32.const 34)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $block)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row)))
    (local.get $rows))

  ;;#include encode/q4_0.wat
)
