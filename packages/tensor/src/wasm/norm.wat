;; norm.wat: row normalizations in WebAssembly SIMD (f32x4): rmsNorm, layerNorm and their backward.
;;
;; References: src/kernels/norm.ts (float64 statistics in JS). Here the row sum for the mean is
;; accumulated in float64 lanes, the sums of squares and products in float32 SIMD partial sums
;; (8 lanes), and the per-row scalars (mean, 1/√(var + eps)) are computed in float64 from them. JS marshalling: src/wasm/norm.ts.
;; x, dy, dx, out: [rows, cols] row-major; weight, bias, dweight, dbias: [cols];
;; mean, rstd, rrms: [rows]. Addresses are BYTE addresses; 0 means "not given".
;; out may equal x (each element is read before it is written).

(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; Table of contents (in this order: the order fixes the function indices, so the bytes):
  ;;   norm/row-sums.wat    $dot, $sqDev, $sum, $sum4: one row's sums (products, squared deviations, values)
  ;;   norm/forward.wat     $normalizeRow; exports rmsNorm, layerNorm
  ;;   norm/backward.wat    exports rmsNormBackward, layerNormBackward
  ;;#include norm/row-sums.wat
  ;;#include norm/forward.wat
  ;;#include norm/backward.wat
)
