/**
 * Imported first by the CLI's entry and the benches that run its kernels: Node 20's relaxed-SIMD
 * flag on before @mini/tensor compiles its kernels (@mini/tensor/relaxed-simd says why and when).
 */
import { enableRelaxedSimd } from "@mini/tensor/relaxed-simd";

enableRelaxedSimd();
