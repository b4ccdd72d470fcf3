import { Tensor, createRng, isTensorSource, tensorRecordSource, type Rng, type TensorSource } from "@mini/tensor";
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

/** Named tensors to load from: any TensorSource (a safetensors file, …) or a plain state dict. */
export type Tensors = TensorSource | Record<string, Tensor>;

/** The TensorSource of `t` (a state dict is wrapped; its tensors are copied on read). */
export function asTensorSource(t: Tensors, label = "state dict"): TensorSource {
  return isTensorSource(t) ? t : tensorRecordSource(t, label);
}

export interface ParamSourceOptions {
  /** Put parameter values in the WASM heap (`Tensor.pinned`) so the fast kernels read them in place. Default true. */
  pinned?: boolean;
}

export interface FromTensorsOptions extends ParamSourceOptions {
  /** Describes the source in error messages (a file path). */
  name?: string;
  /**
   * Fallback names: `{ a: b }` reads a from b when a is not stored and is no alias of the source
   * (a model whose tied embeddings may be stored under either name).
   */
  aliases?: Record<string, string>;
}

/** Shared by a source and all its `pp` children: the generator or the tensors, and which names were handed out. */
interface Backend {
  readonly rng: Rng | null;
  readonly tensors: TensorSource | null;
  readonly description: string;
  readonly aliases: Record<string, string>;
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
      { rng, tensors: null, description: "initialiser", aliases: {}, pinned: opts.pinned ?? true, created: new Set(), used: new Set() },
      "",
    );
  }

  /**
   * Parameters copied from named tensors: a TensorSource (a `SafetensorsFile` is read lazily,
   * converted to f32) or a `Record<string, Tensor>` (copied, so the model never aliases the
   * caller's tensors).
   */
  static fromTensors(tensors: Tensors, opts: FromTensorsOptions = {}): ParamSource {
    const description = opts.name ?? (isTensorSource(tensors) ? "tensor file" : "state dict");
    const src = asTensorSource(tensors, description);
    const backend = { rng: null, tensors: src, description, aliases: { ...opts.aliases }, pinned: opts.pinned ?? true, created: new Set<string>(), used: new Set<string>() };
    return new ParamSource(backend, "");
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
    return this.resolve(name) !== null;
  }

  /**
   * The one alias resolver: the name under which the tensor `name` (under this prefix) is stored:
   * itself, the source's alias target (a safetensors `__metadata__` entry, how HF stores tied
   * weights) or a fallback given to fromTensors; null if absent.
   */
  resolve(name: string): string | null {
    return this.resolveFull(this.path(name));
  }

  private resolveFull(full: string): string | null {
    const t = this.backend.tensors;
    if (t === null) return null;
    for (const candidate of [full, this.backend.aliases[full]]) {
      if (candidate === undefined) continue;
      if (t.has(candidate)) return candidate;
      const target = t.resolveAlias?.(candidate);
      if (target !== undefined && t.has(target)) return target;
    }
    return null;
  }

  /** The stored shape of `name` (aliases followed), or null when absent; no data is read. */
  storedShape(name: string): readonly number[] | null {
    const stored = this.resolve(name);
    return stored === null ? null : this.backend.tensors!.info(stored).shape;
  }

  /** The file that holds `name` (or this source's description), for error messages. */
  fileOf(name: string): string {
    const t = this.backend.tensors;
    return t?.fileOf?.(this.resolve(name) ?? this.path(name)) ?? this.backend.description;
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

  /**
   * The tensor `name` (under this prefix) of `shape`, as a plain Tensor (loaded, or initialised
   * with `init`): what an inference model holds, with no Parameter around it. Same checks as get.
   */
  tensor(name: string, shape: readonly number[], init: Init = normal(0.02)): Tensor {
    return this.get(name, shape, init).value;
  }

  /**
   * The one unused-tensor check: stored names that no `get` read so far, or, given the names a
   * model will ask for, the stored names none of them resolves to (checked before any data is read).
   */
  unusedNames(expected?: Iterable<string>): string[] {
    const t = this.backend.tensors;
    if (t === null) return [];
    let used = this.backend.used;
    if (expected !== undefined) {
      used = new Set();
      for (const n of expected) {
        const stored = this.resolve(n);
        if (stored !== null) used.add(stored);
      }
    }
    return t.names().filter((n) => !used.has(n));
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
    const stored = this.resolveFull(full);
    if (stored === null) throw new ParamError(`ParamSource.get: ${full} not found in ${this.backend.description}${suggest(full, t.names())}`);
    const got = t.info(stored).shape;
    if (!sameShape(got, shape)) {
      const via = stored === full ? "" : ` (stored as ${stored})`;
      throw new ParamError(`ParamSource.get: shape mismatch for ${full}${via}: expected ${fmtShape(shape)}, got ${fmtShape(got)}`);
    }
    this.backend.used.add(stored);
    const v = t.get(stored, { pinned: this.backend.pinned });
    return this.backend.pinned ? v.toPinned() : v;
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
