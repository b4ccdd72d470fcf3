;; stream.wat: a memory-bandwidth probe for the benchmarks (apps/llama-infer bench, tensor bench):
;; reads [p, p + bytes) once, in address order, as one sequential stream (the way gemv.wat reads a
;; weight matrix), and returns a sum so the loads cannot be optimized away. Run on a buffer larger
;; than the last-level cache, bytes ÷ time is the read bandwidth that bounds a decode step.

(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; bytes: a multiple of 64
  (func (export "readStream") (param $p i32) (param $bytes i32) (result f32)
    (local $end i32) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $end (i32.add (local.get $p) (local.get $bytes)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $a0 (f32x4.add (local.get $a0) (v128.load (local.get $p))))
      (local.set $a1 (f32x4.add (local.get $a1) (v128.load offset=16 (local.get $p))))
      (local.set $a2 (f32x4.add (local.get $a2) (v128.load offset=32 (local.get $p))))
      (local.set $a3 (f32x4.add (local.get $a3) (v128.load offset=48 (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 64)))
      (br $next)))
    (local.set $a0 (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3))))
    (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0))))
)
