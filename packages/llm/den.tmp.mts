import { readSafetensors } from "@mini/tensor";
const f = readSafetensors(process.argv[2]!);
for (const n of f.names()) { const d = f.get(n).data; let den = 0, zero = 0; for (const v of d) { if (v === 0) zero++; else if (Math.abs(v) < 1.1754943508222875e-38) den++; } if (den || zero) console.log(n, "denormals", den, "zeros", zero, "of", d.length); }
