import { Variable, gradCheck, type GradCheckOptions, type GradCheckResult } from "@mini/autograd";
import { Tensor, createRng } from "@mini/tensor";
import { expect } from "vitest";
import { type Module, Parameter } from "../src/index.js";

/**
 * gradCheck (from @mini/autograd) of a layer w.r.t. its inputs AND its parameters: the layer's
 * Parameter fields are swapped for gradCheck's variables (test-only surgery), so the finite
 * differences perturb exactly what the layer reads.
 */
export function layerGradCheck(
  layer: Module,
  inputs: Tensor[],
  forward: (...xs: Variable[]) => Variable,
  opts: GradCheckOptions = {},
): GradCheckResult {
  const named = layer.namedParameters();
  const index = new Map(named.map(([, p], i) => [p as Variable, i]));
  const values = named.map(([, p]) => p.value.clone());
  const bind = (vars: Variable[]): void => {
    for (const m of layer.modules()) {
      const rec = m as unknown as Record<string, unknown>;
      for (const key of Object.keys(m)) {
        const v = rec[key];
        if (v instanceof Variable && index.has(v)) {
          const i = index.get(v)!;
          rec[key] = vars[i];
          index.delete(v);
          index.set(vars[i]!, i);
        }
      }
    }
  };
  return gradCheck(
    (...xs) => {
      bind(xs.slice(inputs.length));
      return forward(...xs.slice(0, inputs.length));
    },
    [...inputs, ...values],
    opts,
  );
}

export function expectGradOk(r: GradCheckResult): void {
  if (!r.ok) expect.fail(`gradCheck failed: worst ${JSON.stringify(r.worst)}, maxAbs ${r.maxAbsError}, maxRel ${r.maxRelError}`);
  expect(r.checked).toBeGreaterThan(0);
}

export function randn(shape: number[], seed: number, std = 1): Tensor {
  return Tensor.randn(shape, createRng(seed), std);
}

export function v(data: number[], shape: number[]): Variable {
  return new Variable(Tensor.from(new Float32Array(data), shape));
}

export function closeTo(got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-5): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= tol)) expect.fail(`element ${i}: got ${got[i]}, want ${want[i]} (tol ${tol})`);
  }
}

export function bitEqual(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

export { Parameter };
