/**
 * What model code asks for its named tensors through, so a family writes each tensor name and
 * shape once: a ParamSource gives the values (`ps.tensor(...)`: loaded or initialised), a
 * ShapeRecorder only records the names and shapes (the tensors a config calls for: checks before
 * loading, synthesizing, writing other formats).
 *
 *   function weights<T>(s: TensorScope<T>, c: Config) {
 *     const attn = s.pp("model").pp("layers").pp(0).pp("self_attn");
 *     return { wq: attn.tensor("q_proj.weight", [c.nHeads * c.headDim, c.hidden]) };
 *   }
 */
export interface TensorScope<T> {
  /** The scope one level deeper: `s.pp("layers").pp(0).tensor("weight", …)` names `layers.0.weight`. */
  pp(name: string | number): TensorScope<T>;
  tensor(name: string, shape: readonly number[]): T;
}

/** A TensorScope that records every full name and shape asked for, in order (its tensor() returns the shape). */
export class ShapeRecorder implements TensorScope<readonly number[]> {
  private constructor(
    /** name → shape, in the order asked; shared by every pp() child. */
    readonly shapes: Map<string, number[]>,
    private readonly prefix: string,
  ) {}

  static create(): ShapeRecorder {
    return new ShapeRecorder(new Map(), "");
  }

  pp(name: string | number): ShapeRecorder {
    return new ShapeRecorder(this.shapes, this.prefix === "" ? String(name) : `${this.prefix}.${name}`);
  }

  tensor(name: string, shape: readonly number[]): readonly number[] {
    const full = this.prefix === "" ? name : `${this.prefix}.${name}`;
    if (this.shapes.has(full)) throw new RangeError(`ShapeRecorder: ${full} asked for twice (share the tensor instead)`);
    this.shapes.set(full, [...shape]);
    return shape;
  }
}
