import { Tensor, createRng, type Rng } from "@mini/tensor";
import { ParamError, fmtShape } from "./errors.js";
import { normal, type Init } from "./init.js";
import { Parameter } from "./parameter.js";

/**
 * Where parameters come from: a seeded initialiser (training from scratch) or a set of named
 * tensors (a loaded safetensors file, a state dict). candle's VarBuilder idea: model code asks
 *
 *   ps.pp("self_attn").get("q_proj.weight", [nHeads * headDim, dModel], init.normal(0.02))
 *
 * and the same constructor builds a fresh model or a loaded one. The tensor names (HF names like
 * `model.layers.0.self_attn.q_proj.weight`) are therefore a property of the model code.
 */

/** A file of named tensors; `SafetensorsFile` from @mini/tensor has this shape. */
export interface TensorFile {
  names(): string[];
  has(name: string): boolean;
  info(name: string): { shape: readonly number[] };
  get(name: string, opts?: { pinned?: boolean }): Tensor;
  /** The tensor a `__metadata__` alias points to (HF stores tied weights once), if any. */
  resolveAlias?(name: string): string | undefined;
}

export type TensorSource = Record<string, Tensor> | TensorFile;

export function isTensorFile(t: unknown): t is TensorFile {
  const f = t as Partial<TensorFile> | null;
  return typeof f === "object" && f !== null && typeof f.names === "function" && typeof f.get === "function" && typeof f.info === "function";
}

/** Names and shapes of a TensorSource, without reading any data. */
export function sourceEntries(src: TensorSource): Map<string, readonly number[]> {
  const out = new Map<string, readonly number[]>();
  if (isTensorFile(src)) for (const n of src.names()) out.set(n, src.info(n).shape);
  else for (const [n, t] of Object.entries(src)) out.set(n, t.shape);
  return out;
}

export interface ParamSourceOptions {
  /** Put parameter values in the WASM heap (`Tensor.pinned`) so the fast kernels read them in place. Default true. */
  pinned?: boolean;
}

/** Shared by a source and all its `pp` children: the generator or the tensors, and which names were handed out. */
interface Backend {
  readonly rng: Rng | null;
  readonly tensors: TensorSource | null;
  readonly description: string;
  readonly pinned: boolean;
  readonly created: Set<string>;
  /** Stored names read so far (alias targets included), for unusedNames(). */
  readonly used: Set<string>;
}

export class ParamSource {
  private constructor(
    private readonly backend: Backend,
    /** The dotted path this source is scoped to ("" at the root). */
    readonly prefix: string,
  ) {}

  /** Fresh parameters drawn in creation order from a seeded generator (a number is a seed for `createRng`). */
  static init(seedOrRng: number | Rng, opts: ParamSourceOptions = {}): ParamSource {
    const rng = typeof seedOrRng === "number" ? createRng(seedOrRng) : seedOrRng;
    return new ParamSource(
      { rng, tensors: null, description: "initialiser", pinned: opts.pinned ?? true, created: new Set(), used: new Set() },
      "",
    );
  }

  /**
   * Parameters copied from named tensors: a `SafetensorsFile` (read lazily, converted to f32) or a
   * `Record<string, Tensor>` (copied, so the model never aliases the caller's tensors).
   * `name` describes the source in error messages (a file path).
   */
  static fromTensors(tensors: TensorSource, opts: ParamSourceOptions & { name?: string } = {}): ParamSource {
    const description = opts.name ?? (isTensorFile(tensors) ? "tensor file" : "state dict");
    return new ParamSource({ rng: null, tensors, description, pinned: opts.pinned ?? true, created: new Set(), used: new Set() }, "");
  }

  /** True when parameters come from tensors rather than an initialiser. */
  get isLoading(): boolean {
    return this.backend.tensors !== null;
  }

  /** A source scoped one level deeper: `ps.pp("layers").pp(0).get("weight")` names `layers.0.weight`. */
  pp(name: string | number): ParamSource {
    const seg = String(name);
    if (seg === "" || seg.startsWith(".") || seg.endsWith(".")) {
      throw new ParamError(`ParamSource.pp: invalid path segment "${seg}" under "${this.prefix}"`);
    }
    return new ParamSource(this.backend, this.path(seg));
  }

  /** The full dotted name of `name` under this source's prefix. */
  path(name: string): string {
    return this.prefix === "" ? name : `${this.prefix}.${name}`;
  }

  /** True when the loaded tensors hold `name` (always false for an initialiser): for optional tensors like a bias. */
  has(name: string): boolean {
    const t = this.backend.tensors;
    if (t === null) return false;
    return this.stored(this.path(name)) !== null;
  }

  /** The name under which `full` is stored: itself, or its alias target in a file's metadata; null if absent. */
  private stored(full: string): string | null {
    const t = this.backend.tensors;
    if (t === null) return null;
    if (!isTensorFile(t)) return Object.prototype.hasOwnProperty.call(t, full) ? full : null;
    if (t.has(full)) return full;
    const target = t.resolveAlias?.(full);
    return target !== undefined && t.has(target) ? target : null;
  }

  /**
   * The parameter `name` (under this prefix) of `shape`: initialised with `init` (default
   * normal(0, 0.02)) or copied from the tensors after checking its shape. A name absent from a
   * file but aliased in its `__metadata__` (how HF stores tied weights) is read from the alias target. Each name can be created
   * once per source; to share (tie) a parameter between layers pass the same Parameter object.
   */
  get(name: string, shape: readonly number[], init: Init = normal(0.02)): Parameter {
    const full = this.path(name);
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new ParamError(`ParamSource.get: invalid shape ${fmtShape(shape)} for ${full}`);
    }
    const b = this.backend;
    if (b.created.has(full)) {
      throw new ParamError(
        `ParamSource.get: parameter ${full} was already created from this source; ` +
          `to share (tie) a parameter between layers, pass the same Parameter object instead of getting it twice`,
      );
    }
    const value = b.tensors === null ? this.fresh(full, shape, init) : this.load(full, shape);
    b.created.add(full);
    return new Parameter(value, full);
  }

  /** Names in the loaded tensors that no `get` asked for (a file for a bigger model, a typo in model code). */
  unusedNames(): string[] {
    const t = this.backend.tensors;
    if (t === null) return [];
    return [...sourceEntries(t).keys()].filter((n) => !this.backend.used.has(n));
  }

  private fresh(full: string, shape: readonly number[], init: Init): Tensor {
    const value = this.backend.pinned ? Tensor.pinned(shape) : Tensor.zeros(shape);
    try {
      init.fill(value.data, shape, this.backend.rng!);
    } catch (e) {
      throw new ParamError(`ParamSource.get: cannot initialise ${full} ${fmtShape(shape)} with ${init.description}: ${(e as Error).message}`);
    }
    return value;
  }

  private load(full: string, shape: readonly number[]): Tensor {
    const t = this.backend.tensors!;
    const stored = this.stored(full);
    if (stored === null) {
      const names = [...sourceEntries(t).keys()];
      throw new ParamError(`ParamSource.get: ${full} not found in ${this.backend.description}${suggest(full, names)}`);
    }
    const got = isTensorFile(t) ? t.info(stored).shape : t[stored]!.shape;
    if (!sameShape(got, shape)) {
      const via = stored === full ? "" : ` (stored as ${stored})`;
      throw new ParamError(`ParamSource.get: shape mismatch for ${full}${via}: expected ${fmtShape(shape)}, got ${fmtShape(got)}`);
    }
    this.backend.used.add(stored);
    if (isTensorFile(t)) {
      const v = t.get(stored, { pinned: this.backend.pinned });
      return this.backend.pinned ? v.toPinned() : v;
    }
    const value = this.backend.pinned ? Tensor.pinned(shape) : Tensor.zeros(shape);
    value.data.set(t[stored]!.data);
    return value;
  }
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** " (it has N tensors; names ending like it: a, b)" to help spot a wrong prefix. */
function suggest(full: string, names: string[]): string {
  const last = full.split(".").slice(-2).join(".");
  const alike = names.filter((n) => n.endsWith(last)).slice(0, 3);
  const hint = alike.length > 0 ? `; similar names: ${alike.join(", ")}` : names.length > 0 ? `; e.g. ${names.slice(0, 3).join(", ")}` : "";
  return ` (it has ${names.length} tensors${hint})`;
}
