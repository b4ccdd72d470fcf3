/**
 * After a chat answer, the sequence is brought up to the conversation as the client will send it
 * back (BatchScheduler's "sync"): the answer's text re-tokenized and the end-of-turn tokens, fed
 * from where they differ from the ids that were generated, so the next turn finds all of it.
 */
import type { BlockAllocator } from "./block-allocator.js";
import { commonPrefixLength } from "./common-prefix.js";
import type { Sequence } from "./sequence.js";

/**
 * Keeps the ids of `s` that agree with the conversation rendered with its answer, and makes the
 * rest of that rendering its pending tokens (`s.syncing`). False when there is nothing to feed
 * (not a chat, no room in the context, cancelled, or already all there).
 */
export function startSync(s: Sequence, alloc: BlockAllocator): boolean {
  const bs = alloc.blockSize;
  const target = s.spec.renderWithAnswer?.(s.answer);
  if (target === undefined || target.length > s.spec.contextLength || s.cancelled) return false;
  let keep = commonPrefixLength(s.tokens.slice(0, s.position), target);
  // Shared blocks (in the prefix tree, or used by others) are a prefix of the table: never
  // written into; a divergence inside one restarts at its start.
  const j = Math.floor(keep / bs);
  const b = s.table[j];
  if (keep % bs !== 0 && b !== undefined && (alloc.isCached(b) || alloc.refcount(b) > 1)) keep = j * bs;
  if (keep >= target.length) return false;
  const needed = Math.ceil(target.length / bs);
  for (const extra of s.table.splice(needed)) alloc.release(extra);
  s.tokens = target;
  s.position = keep;
  s.syncing = true;
  return true;
}
