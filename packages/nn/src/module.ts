import type { Variable } from "@mini/autograd";
import type { Tensor } from "@mini/tensor";
import { StateDictError } from "./errors.js";
import { Parameter } from "./parameter.js";
import { asTensorSource, sameShape, type Tensors } from "./param-source.js";

/**
 * Base class of layers and models: it owns parameters and sub-modules as ordinary fields.
 *
 * Parameters are found by walking the fields (tinygrad's `get_state_dict`): a field holding a
 * `Parameter`, a `Module`, or an array of them (at any depth) is part of the tree; anything else
 * (numbers, configs, constant tensors) is not. Each parameter is named by the full path it was
 * created under (`ps.pp("layers").pp(0).get("mlp.up_proj.weight")` → `layers.0.mlp.up_proj.weight`),
 * so a state dict uses the same names as the safetensors file the model was loaded from.
 * A parameter reachable twice (tied weights) is listed once.
 *
 * The forward contract: a layer overrides `forward(x, ...)` → Variable, taking its main input as a
 * Variable or a plain Tensor (used as a constant: see input.ts), so layers stack in a Sequential.
 * A module that only groups parts (a whole model with its own entry points) may leave it undefined.
 */
export abstract class Module {
  /** Training mode (dropout active) or evaluation mode; set for the whole tree with train()/eval(). */
  training = true;

  /** The module's computation (see the class comment); the base one throws, naming the class. */
  forward(..._inputs: unknown[]): Variable {
    throw new TypeError(`${this.constructor.name}.forward: this module defines no forward (it groups parts; call them)`);
  }

  /** [name, parameter] pairs, depth-first in field order, each parameter once. */
  namedParameters(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seenParams = new Set<Parameter>();
    const seenModules = new Set<Module>();
    const visit = (v: unknown): void => {
      if (v instanceof Parameter) {
        if (!seenParams.has(v)) {
          seenParams.add(v);
          out.push([v.name, v]);
        }
      } else if (v instanceof Module) {
        if (seenModules.has(v)) return;
        seenModules.add(v);
        for (const key of Object.keys(v)) visit((v as unknown as Record<string, unknown>)[key]);
      } else if (Array.isArray(v)) {
        for (const x of v) visit(x);
      }
    };
    visit(this);
    return out;
  }

  /** The parameters, in namedParameters() order (what an optimizer takes). */
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Sub-modules directly or indirectly owned, this one first. */
  modules(): Module[] {
    const out: Module[] = [];
    const visit = (v: unknown): void => {
      if (v instanceof Module) {
        if (out.includes(v)) return;
        out.push(v);
        for (const key of Object.keys(v)) visit((v as unknown as Record<string, unknown>)[key]);
      } else if (Array.isArray(v)) {
        for (const x of v) visit(x);
      }
    };
    visit(this);
    return out;
  }

  /** Total number of scalars in the parameters. */
  numParameters(): number {
    let n = 0;
    for (const [, p] of this.namedParameters()) n += p.value.size;
    return n;
  }

  /** Sets training mode on this module and every sub-module. */
  train(on = true): this {
    for (const m of this.modules()) m.training = on;
    return this;
  }

  /** Evaluation mode: same as train(false). */
  eval(): this {
    return this.train(false);
  }

  /** Zeroes every parameter's grad (keeping the buffers). */
  zeroGrad(): void {
    for (const [, p] of this.namedParameters()) p.zeroGrad();
  }

  /**
   * name → parameter value. The tensors are the live parameter values, not copies (like PyTorch's
   * `state_dict()`): write them out or clone them before training changes them.
   */
  stateDict(): Record<string, Tensor> {
    const sd: Record<string, Tensor> = {};
    for (const [name, p] of this.namedParameters()) sd[name] = p.value;
    return sd;
  }

  /**
   * Copies values into the existing parameters (their buffers, and so any optimizer state tied to
   * them, are kept). Shapes must match. With `strict` (default) every parameter must be present and
   * every tensor must be used; one StateDictError lists every missing, unexpected and mis-shaped
   * name, and nothing is copied unless all checks pass. Without `strict`, missing and unexpected
   * names are returned instead of thrown.
   */
  loadStateDict(tensors: Tensors, opts: { strict?: boolean } = {}): { missing: string[]; unexpected: string[] } {
    const strict = opts.strict ?? true;
    const sd = asTensorSource(tensors);
    const names = sd.names();
    const shapeOf = (n: string): readonly number[] => sd.info(n).shape;
    const own = this.namedParameters();
    const ownNames = new Set(own.map(([n]) => n));
    const given = new Set(names);
    const missing = own.filter(([n]) => !given.has(n)).map(([n]) => n);
    const unexpected = names.filter((n) => !ownNames.has(n));
    const misShaped: { name: string; expected: readonly number[]; got: readonly number[] }[] = [];
    for (const [n, p] of own) {
      if (given.has(n) && !sameShape(shapeOf(n), p.value.shape)) misShaped.push({ name: n, expected: p.value.shape, got: shapeOf(n) });
    }
    if (misShaped.length > 0 || (strict && (missing.length > 0 || unexpected.length > 0))) {
      throw new StateDictError(`${this.constructor.name}.loadStateDict`, missing, strict ? unexpected : [], misShaped);
    }
    for (const [n, p] of own) {
      if (!given.has(n)) continue;
      p.value.data.set(sd.get(n).data);
    }
    return { missing, unexpected };
  }

  /** One line per parameter: name, shape, count; then the total. */
  summary(): string {
    const rows = this.namedParameters().map(([n, p]) => `${n} [${p.value.shape.join(", ")}] ${p.value.size}`);
    rows.push(`total: ${this.numParameters()} parameters`);
    return rows.join("\n");
  }
}

/** A layer's path for messages: "(root)" for the empty path. */
export function at(path: string): string {
  return path === "" ? "(root)" : path;
}
