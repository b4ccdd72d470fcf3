;; elementwise.wat: same-length elementwise kernels in WebAssembly SIMD (f32x4).
;;
;; References: src/kernels/elementwise.ts. JS marshalling: src/wasm/elementwise.ts. These kernels
;; do one flop per 8-12 bytes, so for small JS arrays the copies in and out cost more than the
;; loop saves: see useWasmElementwise (instance.ts) for when this path is taken.
;; a, b, x, y, out: [n]; addresses are BYTE addresses; out may equal a or b (in place).
;; Each kernel: a loop of whole f32x4 vectors, then the last n mod 4 floats one by one.

(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; add: out[i] = a[i] + b[i]
  (func $add (export "add") (param $a i32) (param $b i32) (param $out i32) (param $n i32)
    (local $o i32) (local $end i32) (local $end4 i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (block $done (loop $v
      (br_if $done (i32.ge_u (local.get $o) (local.get $end4)))
      (v128.store (i32.add (local.get $out) (local.get $o))
        (f32x4.add (v128.load (i32.add (local.get $a) (local.get $o))) (v128.load (i32.add (local.get $b) (local.get $o)))))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $v)))
    (block $done (loop $t
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (f32.store (i32.add (local.get $out) (local.get $o))
        (f32.add (f32.load (i32.add (local.get $a) (local.get $o))) (f32.load (i32.add (local.get $b) (local.get $o)))))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $t))))

  ;; sub: out[i] = a[i] − b[i]
  (func (export "sub") (param $a i32) (param $b i32) (param $out i32) (param $n i32)
    (local $o i32) (local $end i32) (local $end4 i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (block $done (loop $v
      (br_if $done (i32.ge_u (local.get $o) (local.get $end4)))
      (v128.store (i32.add (local.get $out) (local.get $o))
        (f32x4.sub (v128.load (i32.add (local.get $a) (local.get $o))) (v128.load (i32.add (local.get $b) (local.get $o)))))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $v)))
    (block $done (loop $t
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (f32.store (i32.add (local.get $out) (local.get $o))
        (f32.sub (f32.load (i32.add (local.get $a) (local.get $o))) (f32.load (i32.add (local.get $b) (local.get $o)))))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $t))))

  ;; mul: out[i] = a[i]·b[i]
  (func (export "mul") (param $a i32) (param $b i32) (param $out i32) (param $n i32)
    (local $o i32) (local $end i32) (local $end4 i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (block $done (loop $v
      (br_if $done (i32.ge_u (local.get $o) (local.get $end4)))
      (v128.store (i32.add (local.get $out) (local.get $o))
        (f32x4.mul (v128.load (i32.add (local.get $a) (local.get $o))) (v128.load (i32.add (local.get $b) (local.get $o)))))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $v)))
    (block $done (loop $t
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (f32.store (i32.add (local.get $out) (local.get $o))
        (f32.mul (f32.load (i32.add (local.get $a) (local.get $o))) (f32.load (i32.add (local.get $b) (local.get $o)))))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $t))))

  ;; axpy: y[i] += alpha·x[i]   (BLAS saxpy, in place)
  ;; scale: out[i] = alpha·x[i] (mulScalar) is axpy's sibling: pass y = out, accumulate = 0.
  (func (export "axpy") (param $alpha f32) (param $x i32) (param $y i32) (param $n i32) (param $accumulate i32)
    (local $o i32) (local $end i32) (local $end4 i32) (local $va v128) (local $acc v128) (local $s f32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (local.set $va (f32x4.splat (local.get $alpha)))
    (block $done (loop $v
      (br_if $done (i32.ge_u (local.get $o) (local.get $end4)))
      (local.set $acc (f32x4.mul (local.get $va) (v128.load (i32.add (local.get $x) (local.get $o)))))
      (if (local.get $accumulate) (then
        (local.set $acc (f32x4.add (v128.load (i32.add (local.get $y) (local.get $o))) (local.get $acc)))))
      (v128.store (i32.add (local.get $y) (local.get $o)) (local.get $acc))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $v)))
    (block $done (loop $t
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (local.set $s (f32.mul (local.get $alpha) (f32.load (i32.add (local.get $x) (local.get $o)))))
      (if (local.get $accumulate) (then
        (local.set $s (f32.add (f32.load (i32.add (local.get $y) (local.get $o))) (local.get $s)))))
      (f32.store (i32.add (local.get $y) (local.get $o)) (local.get $s))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $t))))

  ;; relu: out[i] = x[i] > 0 ? x[i] : 0, the JS loop's expression exactly (NaN and −0 give +0):
  ;; f32x4.pmax(0, x) is "0 < x ? x : 0" lane by lane. Branch-free: the JS loop's branch is
  ;; mispredicted on about half the elements of a layer's activations (random signs).
  (func (export "relu") (param $x i32) (param $out i32) (param $n i32)
    (local $o i32) (local $end i32) (local $end4 i32) (local $v f32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (block $done (loop $vec
      (br_if $done (i32.ge_u (local.get $o) (local.get $end4)))
      (v128.store (i32.add (local.get $out) (local.get $o))
        (f32x4.pmax (v128.const f32x4 0 0 0 0) (v128.load (i32.add (local.get $x) (local.get $o)))))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $vec)))
    (block $done (loop $t
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (local.set $v (f32.load (i32.add (local.get $x) (local.get $o))))
      (f32.store (i32.add (local.get $out) (local.get $o))
        (select (local.get $v) (f32.const 0) (f32.gt (local.get $v) (f32.const 0))))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $t))))

  ;; reluBackward: dx[i] += dy[i] where x[i] > 0; elsewhere dx[i] is left as it is (not dx + 0,
  ;; which would turn −0 into +0), as the JS loop does. Branch-free with a lane mask.
  (func (export "reluBackward") (param $x i32) (param $dy i32) (param $dx i32) (param $n i32)
    (local $o i32) (local $end i32) (local $end4 i32) (local $d v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (block $done (loop $vec
      (br_if $done (i32.ge_u (local.get $o) (local.get $end4)))
      (local.set $d (v128.load (i32.add (local.get $dx) (local.get $o))))
      (v128.store (i32.add (local.get $dx) (local.get $o))
        (v128.bitselect
          (f32x4.add (local.get $d) (v128.load (i32.add (local.get $dy) (local.get $o))))
          (local.get $d)
          (f32x4.gt (v128.load (i32.add (local.get $x) (local.get $o))) (v128.const f32x4 0 0 0 0))))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $vec)))
    (block $done (loop $t
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (if (f32.gt (f32.load (i32.add (local.get $x) (local.get $o))) (f32.const 0)) (then
        (f32.store (i32.add (local.get $dx) (local.get $o))
          (f32.add (f32.load (i32.add (local.get $dx) (local.get $o))) (f32.load (i32.add (local.get $dy) (local.get $o)))))))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $t))))

  ;; zeroSegments: zeroes `count` segments of a table, each two i32 (8 bytes): a byte address and
  ;; a length in floats (memory.fill). Zeroes many gradients in one kernel-pool round.
  (func (export "zeroSegments") (param $table i32) (param $count i32)
    (local $e i32) (local $end i32)
    (local.set $e (local.get $table))
    (local.set $end (i32.add (local.get $table) (i32.shl (local.get $count) (i32.const 3))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $e) (local.get $end)))
      (memory.fill (i32.load (local.get $e)) (i32.const 0) (i32.shl (i32.load offset=4 (local.get $e)) (i32.const 2)))
      (local.set $e (i32.add (local.get $e) (i32.const 8)))
      (br $next))))

  ;; addColumnSums: y[j] += Σ_r x[r·cols + j] for x [rows, cols], y [cols]: a bias's gradient (the
  ;; column sums of dy). Row by row, r ascending, each add rounded to float32: the JS loop's bits.
  (func (export "addColumnSums") (param $x i32) (param $rows i32) (param $cols i32) (param $y i32)
    (local $r i32) (local $stride i32)
    (local.set $stride (i32.shl (local.get $cols) (i32.const 2)))
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (call $add (local.get $y) (local.get $x) (local.get $y) (local.get $cols))
      (local.set $x (i32.add (local.get $x) (local.get $stride)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))
)
