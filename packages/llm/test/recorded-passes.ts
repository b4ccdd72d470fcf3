import type { BatchEntry } from "../src/models/causal-lm.js";
import { BatchedLlama, type LlamaModel } from "../src/models/llama/index.js";

/** One forward pass as the engine sent it: each entry's (position, rows). */
export type RecordedPass = { position: number; rows: number }[];

/** A BatchedLlama over `model` whose forward passes are recorded into `passes`, for scheduler tests. */
export function recordingBatchedLlama(model: LlamaModel): { model: BatchedLlama; passes: RecordedPass[] } {
  const passes: RecordedPass[] = [];
  const batched = new BatchedLlama(model);
  const forward = batched.forwardBatch.bind(batched);
  batched.forwardBatch = (entries: BatchEntry[], kv) => {
    passes.push(entries.map((e) => ({ position: e.position, rows: e.tokens.length })));
    return forward(entries, kv);
  };
  return { model: batched, passes };
}
