import { constant, Variable } from "@mini/autograd";
import { Tensor } from "@mini/tensor";

/** A layer's input: a Variable, or a plain Tensor where there is nothing to differentiate (data). */
export type Input = Variable | Tensor;

/** The input as a Variable: a Tensor becomes a constant leaf (no gradient is recorded for it). */
export function asVariable(x: Input): Variable {
  if (x instanceof Variable) return x;
  if (x instanceof Tensor) return constant(x);
  throw new TypeError(`layer input must be a Variable or a Tensor, got ${x === null ? "null" : typeof x}`);
}
