;; gemv.wat: matrix-vector products for @mini/tensor in WebAssembly SIMD (f32x4): the M = 1 and
;; N = 1 cases of matmul (one token through a Linear layer, a vocabulary head), memory-bound, so
;; the weight is streamed once and never packed. src/wasm/matmul.ts routes them here:
;;   gemvT: out = beta·out + alpha·W·x, W [rows, K] row-major (dot products with contiguous rows)
;;   gemvN: out = beta·out + alpha·xᵀ·B, B [K, N] row-major (rows of B scaled and summed)
;; Addresses are BYTE addresses into the memory imported from heap.ts; counts are in floats.
;; beta = 0 overwrites out without reading it. Reference: src/kernels/matmul.reference.ts.

(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; ---------------------------------------------------------------------------------------------
  ;; gemvT: out[j] = beta·out[j] + alpha·dot(x, W[j, :])      x [K], W [rows, K], out [rows]
  ;; The M = 1 case of A·Bᵀ (x·Wᵀ, one token through a Linear layer) and the N = 1 case of A·B.
  ;; Memory-bound: W is read once, strictly in address order, one row at a time, so the hardware
  ;; prefetcher sees ONE sequential stream. In decode every weight comes from DRAM (a model's
  ;; weights do not fit in the caches, so by the time a layer comes round again it was evicted),
  ;; and there the stream is what counts: on the 32M model's shapes (K = 312 or 1092, 130 KB to
  ;; 40 MB) one stream ran at ~37 GB/s, while walking four rows at a time (sharing each load of x,
  ;; four interleaved streams 1.2–4.4 KB apart) ran at ~22 GB/s. With W in cache (the story
  ;; model) the two were equal (~47 GB/s), so there is one walk for every size.
  ;; x stays in L1; four f32x4 accumulators (16 k per step) hide the latency of the adds.
  ;; ---------------------------------------------------------------------------------------------
  (func $gemvT (export "gemvT")
    (param $x i32) (param $w i32) (param $rows i32) (param $K i32) (param $out i32) (param $alpha f32) (param $beta f32)
    (local $rowB i32) (local $end16 i32) (local $end4 i32) (local $o i32) (local $end i32) (local $s f32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $rowB (i32.shl (local.get $K) (i32.const 2)))
    (local.set $end16 (i32.and (local.get $rowB) (i32.const -64)))     ;; bytes of whole 16-float steps
    (local.set $end4 (i32.and (local.get $rowB) (i32.const -16)))      ;; bytes of whole 4-float steps
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $rows) (i32.const 2))))
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
      ;; s = dot(x, W[j]) with W[j] at w
      (local.set $a0 (v128.const i32x4 0 0 0 0)) (local.set $a1 (local.get $a0))
      (local.set $a2 (local.get $a0)) (local.set $a3 (local.get $a0))
      (local.set $o (i32.const 0))
      (block $end (loop $k16
        (br_if $end (i32.ge_u (local.get $o) (local.get $end16)))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load (i32.add (local.get $x) (local.get $o))) (v128.load (i32.add (local.get $w) (local.get $o))))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load offset=16 (i32.add (local.get $x) (local.get $o))) (v128.load offset=16 (i32.add (local.get $w) (local.get $o))))))
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load offset=32 (i32.add (local.get $x) (local.get $o))) (v128.load offset=32 (i32.add (local.get $w) (local.get $o))))))
        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.load offset=48 (i32.add (local.get $x) (local.get $o))) (v128.load offset=48 (i32.add (local.get $w) (local.get $o))))))
        (local.set $o (i32.add (local.get $o) (i32.const 64)))
        (br $k16)))
      (block $end (loop $k4
        (br_if $end (i32.ge_u (local.get $o) (local.get $end4)))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load (i32.add (local.get $x) (local.get $o))) (v128.load (i32.add (local.get $w) (local.get $o))))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $k4)))
      (local.set $a0 (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3))))
      (local.set $a0 (f32x4.add (local.get $a0) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $a0) (local.get $a0))))
      (local.set $s (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0))))
      (block $end (loop $k1
        (br_if $end (i32.ge_u (local.get $o) (local.get $rowB)))
        (local.set $s (f32.add (local.get $s) (f32.mul (f32.load (i32.add (local.get $x) (local.get $o))) (f32.load (i32.add (local.get $w) (local.get $o))))))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $k1)))
      ;; out[j] = beta·out[j] + alpha·s
      (local.set $s (f32.mul (local.get $alpha) (local.get $s)))
      (if (f32.ne (local.get $beta) (f32.const 0)) (then
        (local.set $s (f32.add (local.get $s) (f32.mul (local.get $beta) (f32.load (local.get $out)))))))
      (f32.store (local.get $out) (local.get $s))
      (local.set $w (i32.add (local.get $w) (local.get $rowB)))
      (local.set $out (i32.add (local.get $out) (i32.const 4)))
      (br $row))))

  ;; p[0:4] = beta·p[0:4] + alpha·s  (beta = 0: p is not read)
  (func $finish4 (param $p i32) (param $s v128) (param $alpha f32) (param $beta f32)
    (local.set $s (f32x4.mul (f32x4.splat (local.get $alpha)) (local.get $s)))
    (if (f32.ne (local.get $beta) (f32.const 0)) (then
      (local.set $s (f32x4.add (local.get $s) (f32x4.mul (f32x4.splat (local.get $beta)) (v128.load (local.get $p)))))))
    (v128.store (local.get $p) (local.get $s)))

  ;; p[0] = beta·p[0] + alpha·s  (beta = 0: p is not read)
  (func $finish1 (param $p i32) (param $s f32) (param $alpha f32) (param $beta f32)
    (local.set $s (f32.mul (local.get $alpha) (local.get $s)))
    (if (f32.ne (local.get $beta) (f32.const 0)) (then
      (local.set $s (f32.add (local.get $s) (f32.mul (local.get $beta) (f32.load (local.get $p)))))))
    (f32.store (local.get $p) (local.get $s)))

  ;; ---------------------------------------------------------------------------------------------
  ;; gemvN: out[j] = beta·out[j] + alpha·Σ_k x[k]·B[k, j]      x [K], B [K, N], out [N]
  ;; The M = 1 case of A·B and Aᵀ·B, and the N = 1 case of Aᵀ·B (x = b, B = A [K, M]).
  ;; Memory-bound: B is streamed once, row by row (sequential, prefetch-friendly). Four rows at
  ;; a time are scaled by four broadcasts of x and summed into acc [N] (scratch, in L1/L2);
  ;; at the end out = beta·out + alpha·acc.
  ;; ---------------------------------------------------------------------------------------------
  (func $gemvN (export "gemvN")
    (param $x i32) (param $b i32) (param $K i32) (param $N i32) (param $out i32) (param $alpha f32) (param $beta f32)
    (param $acc i32)
    (local $k i32) (local $o i32) (local $rowB i32) (local $end4 i32)
    (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $r3 i32)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $f0 f32) (local $f1 f32) (local $f2 f32) (local $f3 f32) (local $p i32)
    (local.set $rowB (i32.shl (local.get $N) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $rowB) (i32.const -16)))
    (memory.fill (local.get $acc) (i32.const 0) (local.get $rowB))
    (local.set $k (i32.const 0))
    (block $doneQuads (loop $quad
      (br_if $doneQuads (i32.gt_s (i32.add (local.get $k) (i32.const 4)) (local.get $K)))
      ;; acc += x[k]·B[k] + x[k+1]·B[k+1] + x[k+2]·B[k+2] + x[k+3]·B[k+3]
      (local.set $p (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2))))
      (local.set $f0 (f32.load (local.get $p)))
      (local.set $f1 (f32.load offset=4 (local.get $p)))
      (local.set $f2 (f32.load offset=8 (local.get $p)))
      (local.set $f3 (f32.load offset=12 (local.get $p)))
      (local.set $s0 (f32x4.splat (local.get $f0)))
      (local.set $s1 (f32x4.splat (local.get $f1)))
      (local.set $s2 (f32x4.splat (local.get $f2)))
      (local.set $s3 (f32x4.splat (local.get $f3)))
      (local.set $r0 (i32.add (local.get $b) (i32.mul (local.get $k) (local.get $rowB))))
      (local.set $r1 (i32.add (local.get $r0) (local.get $rowB)))
      (local.set $r2 (i32.add (local.get $r1) (local.get $rowB)))
      (local.set $r3 (i32.add (local.get $r2) (local.get $rowB)))
      (local.set $o (i32.const 0))
      (block $end (loop $j4
        (br_if $end (i32.ge_u (local.get $o) (local.get $end4)))
        (local.set $p (i32.add (local.get $acc) (local.get $o)))
        (v128.store (local.get $p) (f32x4.add (v128.load (local.get $p)) (f32x4.add
          (f32x4.add (f32x4.mul (local.get $s0) (v128.load (i32.add (local.get $r0) (local.get $o))))
                     (f32x4.mul (local.get $s1) (v128.load (i32.add (local.get $r1) (local.get $o)))))
          (f32x4.add (f32x4.mul (local.get $s2) (v128.load (i32.add (local.get $r2) (local.get $o))))
                     (f32x4.mul (local.get $s3) (v128.load (i32.add (local.get $r3) (local.get $o))))))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $j4)))
      (block $end (loop $j1                                              ;; the last N mod 4 columns
        (br_if $end (i32.ge_u (local.get $o) (local.get $rowB)))
        (local.set $p (i32.add (local.get $acc) (local.get $o)))
        (f32.store (local.get $p) (f32.add (f32.load (local.get $p)) (f32.add
          (f32.add (f32.mul (local.get $f0) (f32.load (i32.add (local.get $r0) (local.get $o))))
                   (f32.mul (local.get $f1) (f32.load (i32.add (local.get $r1) (local.get $o)))))
          (f32.add (f32.mul (local.get $f2) (f32.load (i32.add (local.get $r2) (local.get $o))))
                   (f32.mul (local.get $f3) (f32.load (i32.add (local.get $r3) (local.get $o))))))))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $j1)))
      (local.set $k (i32.add (local.get $k) (i32.const 4)))
      (br $quad)))
    ;; the last K mod 4 rows, one at a time: acc += x[k]·B[k]
    (block $done (loop $single
      (br_if $done (i32.ge_s (local.get $k) (local.get $K)))
      (call $axpyBytes (f32.load (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2))))
        (i32.add (local.get $b) (i32.mul (local.get $k) (local.get $rowB))) (local.get $acc) (local.get $rowB))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $single)))
    ;; out = beta·out + alpha·acc
    (local.set $o (i32.const 0))
    (block $end (loop $j4
      (br_if $end (i32.ge_u (local.get $o) (local.get $end4)))
      (call $finish4 (i32.add (local.get $out) (local.get $o)) (v128.load (i32.add (local.get $acc) (local.get $o))) (local.get $alpha) (local.get $beta))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $j4)))
    (block $end (loop $j1
      (br_if $end (i32.ge_u (local.get $o) (local.get $rowB)))
      (call $finish1 (i32.add (local.get $out) (local.get $o)) (f32.load (i32.add (local.get $acc) (local.get $o))) (local.get $alpha) (local.get $beta))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $j1))))

  ;; y[0:bytes/4] += s·x[0:bytes/4]
  (func $axpyBytes (param $s f32) (param $x i32) (param $y i32) (param $bytes i32)
    (local $o i32) (local $end4 i32) (local $vs v128)
    (local.set $vs (f32x4.splat (local.get $s)))
    (local.set $end4 (i32.and (local.get $bytes) (i32.const -16)))
    (block $end (loop $j4
      (br_if $end (i32.ge_u (local.get $o) (local.get $end4)))
      (v128.store (i32.add (local.get $y) (local.get $o))
        (f32x4.add (v128.load (i32.add (local.get $y) (local.get $o))) (f32x4.mul (local.get $vs) (v128.load (i32.add (local.get $x) (local.get $o))))))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $j4)))
    (block $end (loop $j1
      (br_if $end (i32.ge_u (local.get $o) (local.get $bytes)))
      (f32.store (i32.add (local.get $y) (local.get $o))
        (f32.add (f32.load (i32.add (local.get $y) (local.get $o))) (f32.mul (local.get $s) (f32.load (i32.add (local.get $x) (local.get $o))))))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $j1))))
)
