;; rope.wat: rotary position embedding in WebAssembly SIMD (f32x4).
;;
;; Reference: src/kernels/rope.ts. The cos/sin tables are computed in JS exactly as there (float32
;; angles, Math.cos/Math.sin) and passed in, so only the rotation runs here. JS marshalling:
;; src/wasm/rope.ts.
;; x, out: [seq, nHeads, headDim] (out may equal x); cos, sin: [seq, half], half = headDim/2.
;; Pair i of a head at row s is rotated by the angle whose cos/sin are cos[s, i], sin[s, i]
;; (by minus that angle when inverse ≠ 0, which is also the backward):
;;   (a, b) → (a·c − b·s, b·c + a·s)
;; "half" style: the pair is (i, i + half) (HF rotate_half); interleaved: (2i, 2i + 1).

(module
  (import "env" "memory" (memory 1 65536 shared))

  (func (export "rope") (param $x i32) (param $out i32) (param $seq i32) (param $nHeads i32) (param $headDim i32)
                        (param $cos i32) (param $sin i32) (param $interleaved i32) (param $inverse i32)
    (local $s i32) (local $h i32) (local $i i32) (local $half i32) (local $halfB i32) (local $headB i32)
    (local $cs i32) (local $sn i32) (local $px i32) (local $po i32)
    (local $a v128) (local $b v128) (local $c v128) (local $v v128) (local $as f32) (local $bs f32) (local $c1 f32) (local $s1 f32)
    (local.set $half (i32.shr_u (local.get $headDim) (i32.const 1)))
    (local.set $halfB (i32.shl (local.get $half) (i32.const 2)))
    (local.set $headB (i32.shl (local.get $headDim) (i32.const 2)))
    (block $doneS (loop $row
      (br_if $doneS (i32.ge_s (local.get $s) (local.get $seq)))
      ;; cs, sn: this row's tables
      (local.set $cs (i32.add (local.get $cos) (i32.mul (local.get $s) (local.get $halfB))))
      (local.set $sn (i32.add (local.get $sin) (i32.mul (local.get $s) (local.get $halfB))))
      (local.set $h (i32.const 0))
      (block $doneH (loop $head
        (br_if $doneH (i32.ge_s (local.get $h) (local.get $nHeads)))
        (local.set $i (i32.const 0))
        (if (i32.eqz (local.get $interleaved))
          (then
            ;; half: a = x[i], b = x[i + half], four pairs at a time
            (block $end (loop $v
              (br_if $end (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $half)))
              (local.set $px (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2))))
              (local.set $po (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))))
              (local.set $a (v128.load (local.get $px)))
              (local.set $b (v128.load (i32.add (local.get $px) (local.get $halfB))))
              (local.set $c (v128.load (i32.add (local.get $cs) (i32.shl (local.get $i) (i32.const 2)))))
              (local.set $v (v128.load (i32.add (local.get $sn) (i32.shl (local.get $i) (i32.const 2)))))
              (if (local.get $inverse) (then (local.set $v (f32x4.neg (local.get $v)))))
              (v128.store (local.get $po) (f32x4.sub (f32x4.mul (local.get $a) (local.get $c)) (f32x4.mul (local.get $b) (local.get $v))))
              (v128.store (i32.add (local.get $po) (local.get $halfB))
                (f32x4.add (f32x4.mul (local.get $b) (local.get $c)) (f32x4.mul (local.get $a) (local.get $v))))
              (local.set $i (i32.add (local.get $i) (i32.const 4)))
              (br $v)))
            (block $end (loop $t
              (br_if $end (i32.ge_s (local.get $i) (local.get $half)))
              (local.set $px (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2))))
              (local.set $po (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))))
              (local.set $as (f32.load (local.get $px)))
              (local.set $bs (f32.load (i32.add (local.get $px) (local.get $halfB))))
              (local.set $c1 (f32.load (i32.add (local.get $cs) (i32.shl (local.get $i) (i32.const 2)))))
              (local.set $s1 (f32.load (i32.add (local.get $sn) (i32.shl (local.get $i) (i32.const 2)))))
              (if (local.get $inverse) (then (local.set $s1 (f32.neg (local.get $s1)))))
              (f32.store (local.get $po) (f32.sub (f32.mul (local.get $as) (local.get $c1)) (f32.mul (local.get $bs) (local.get $s1))))
              (f32.store (i32.add (local.get $po) (local.get $halfB)) (f32.add (f32.mul (local.get $bs) (local.get $c1)) (f32.mul (local.get $as) (local.get $s1))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $t))))
          (else
            ;; interleaved: v = [a0 b0 a1 b1] (pairs i, i+1); out = v·[c0 c0 c1 c1] + [b0 a0 b1 a1]·[−s0 s0 −s1 s1]
            (block $end (loop $v
              (br_if $end (i32.gt_s (i32.add (local.get $i) (i32.const 2)) (local.get $half)))
              (local.set $px (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 3))))
              (local.set $po (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3))))
              (local.set $a (v128.load (local.get $px)))
              ;; [c0 c0 c1 c1] and [s0 s0 s1 s1] from the 2 table entries of these pairs
              (local.set $c (v128.load64_zero (i32.add (local.get $cs) (i32.shl (local.get $i) (i32.const 2)))))
              (local.set $c (i8x16.shuffle 0 1 2 3 0 1 2 3 4 5 6 7 4 5 6 7 (local.get $c) (local.get $c)))
              (local.set $v (v128.load64_zero (i32.add (local.get $sn) (i32.shl (local.get $i) (i32.const 2)))))
              (local.set $v (i8x16.shuffle 0 1 2 3 0 1 2 3 4 5 6 7 4 5 6 7 (local.get $v) (local.get $v)))
              ;; sign pattern [−1 1 −1 1], flipped for the inverse rotation
              (local.set $v (f32x4.mul (local.get $v)
                (select (v128.const f32x4 1 -1 1 -1) (v128.const f32x4 -1 1 -1 1) (local.get $inverse))))
              (v128.store (local.get $po)
                (f32x4.add (f32x4.mul (local.get $a) (local.get $c))
                           (f32x4.mul (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $a) (local.get $a)) (local.get $v))))
              (local.set $i (i32.add (local.get $i) (i32.const 2)))
              (br $v)))
            (block $end (loop $t
              (br_if $end (i32.ge_s (local.get $i) (local.get $half)))
              (local.set $px (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 3))))
              (local.set $po (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3))))
              (local.set $as (f32.load (local.get $px)))
              (local.set $bs (f32.load offset=4 (local.get $px)))
              (local.set $c1 (f32.load (i32.add (local.get $cs) (i32.shl (local.get $i) (i32.const 2)))))
              (local.set $s1 (f32.load (i32.add (local.get $sn) (i32.shl (local.get $i) (i32.const 2)))))
              (if (local.get $inverse) (then (local.set $s1 (f32.neg (local.get $s1)))))
              (f32.store (local.get $po) (f32.sub (f32.mul (local.get $as) (local.get $c1)) (f32.mul (local.get $bs) (local.get $s1))))
              (f32.store offset=4 (local.get $po) (f32.add (f32.mul (local.get $bs) (local.get $c1)) (f32.mul (local.get $as) (local.get $s1))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $t)))))
        (local.set $x (i32.add (local.get $x) (local.get $headB)))
        (local.set $out (i32.add (local.get $out) (local.get $headB)))
        (local.set $h (i32.add (local.get $h) (i32.const 1)))
        (br $head)))
      (local.set $s (i32.add (local.get $s) (i32.const 1)))
      (br $row))))
)
