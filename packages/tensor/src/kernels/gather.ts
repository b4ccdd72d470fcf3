import { ShapeError } from "../errors.js";
import { outArray } from "./check.js";

/**
 * Row gather (embedding lookup) and its gradient. table: [rows, cols]; ids: row indices.
 */

function tableRows(op: string, table: Float32Array, cols: number): number {
  if (!Number.isInteger(cols) || cols <= 0 || table.length % cols !== 0) {
    throw new ShapeError(`${op}: table of ${table.length} elements is not [rows, ${cols}]`);
  }
  return table.length / cols;
}

function checkId(op: string, id: number, k: number, rows: number): void {
  if (!Number.isInteger(id) || id < 0 || id >= rows) {
    throw new ShapeError(`${op}: ids[${k}] = ${id} is out of range for a table of ${rows} rows`);
  }
}

/** out[k, :] = table[ids[k], :];  out: [ids.length, cols]. */
export function gatherRows(table: Float32Array, cols: number, ids: ArrayLike<number>, out?: Float32Array): Float32Array {
  const rows = tableRows("gatherRows", table, cols);
  const o = outArray("gatherRows", out, ids.length * cols);
  for (let k = 0; k < ids.length; k++) {
    const id = ids[k]!;
    checkId("gatherRows", id, k, rows);
    o.set(table.subarray(id * cols, (id + 1) * cols), k * cols);
  }
  return o;
}

/** dTable[ids[k], :] += dOut[k, :] (accumulates; repeated ids add up). */
export function scatterAddRows(dOut: Float32Array, cols: number, ids: ArrayLike<number>, dTable: Float32Array): Float32Array {
  const rows = tableRows("scatterAddRows", dTable, cols);
  if (dOut.length < ids.length * cols) {
    throw new ShapeError(`scatterAddRows: dOut has ${dOut.length} elements, need ids.length·cols = ${ids.length * cols}`);
  }
  for (let k = 0; k < ids.length; k++) {
    const id = ids[k]!;
    checkId("scatterAddRows", id, k, rows);
    const src = k * cols;
    const dst = id * cols;
    for (let j = 0; j < cols; j++) dTable[dst + j] += dOut[src + j]!;
  }
  return dTable;
}
