// A bench's first import, as in the apps: Node 20's relaxed-SIMD flag on before @mini/tensor compiles its kernels.
import { enableRelaxedSimd } from "../src/relaxed-simd-flag.js";

enableRelaxedSimd();
