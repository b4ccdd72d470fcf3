import { Tensor, ShapeError, kernels } from "@mini/tensor";
import { gradOf, record } from "../tape.js";
import type { Variable } from "../variable.js";
import { fmt, numel } from "../shape-check.js";

/**
 * Embedding lookup: rows of table [vocab, dim] picked by integer ids. Backward scatter-adds dy
 * rows into the table's grad (a repeated id, or a table tied to the output head, accumulates).
 */

/**
 * table [vocab, dim], ids (integers in [0, vocab)) of shape idsShape (default [ids.length])
 * →  [...idsShape, dim].
 */
export function embedding(table: Variable, ids: ArrayLike<number>, idsShape?: readonly number[]): Variable {
  if (table.rank !== 2) throw new ShapeError(`embedding: table must be [vocab, dim], got ${fmt(table.shape)}`);
  const shape = idsShape ?? [ids.length];
  if (numel(shape) !== ids.length) {
    throw new ShapeError(`embedding: ${ids.length} ids do not fill idsShape ${fmt(shape)}`);
  }
  const [vocab, dim] = table.shape as [number, number];
  for (let k = 0; k < ids.length; k++) {
    const id = ids[k]!;
    if (!Number.isInteger(id) || id < 0 || id >= vocab) {
      throw new RangeError(`embedding: ids[${k}] = ${id} is out of range for a table of ${vocab} rows (shape ${fmt(table.shape)})`);
    }
  }
  // Keep our own copy: the caller may reuse its ids buffer before backward runs.
  const saved = Int32Array.from(ids);
  const out = kernels.gatherRows(table.data, dim, saved);
  return record("embedding", Tensor.from(out, [...shape, dim]), [table], (dy) => {
    kernels.scatterAddRows(dy, dim, saved, gradOf(table));
  });
}
