/**
 * Imported first by the app's entry and its benches: Node 20's relaxed-SIMD flag on before
 * @mini/tensor compiles its kernels (@mini/tensor/relaxed-simd says why and when). The flag is
 * process-wide, so the worker main.ts starts, and its kernel pool, compile with it; training's
 * matrix products then sum with fused multiply-adds where the engine fuses (~1.2× the GFLOP/s).
 */
import { enableRelaxedSimd } from "@mini/tensor/relaxed-simd";

enableRelaxedSimd();
