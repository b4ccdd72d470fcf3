/**
 * After a chat answer, the sequence is brought up to the conversation as the client will send it
 * back (BatchScheduler's "sync"): the answer's text re-tokenized and the end-of-turn tokens, fed
 * from where they differ from the ids that were generated, so the next turn finds all of it.
 * That is work for a turn that may never come (with a model whose answers re-tokenize
 * differently, as much as the answer itself), so the scheduler defers it: a client sends its next
 * request as soon as it has an answer, and that request should not find a sync step in its way.
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
  // Shared blocks (in the prefix tree, or used by others) are a prefix of the table and are never
  // written into: when the feed starts inside or at one, it restarts at that block's start in a
  // block of its own (the table is cut there; the step that feeds it allocates), and the shared
  // block stays as its other holders and its tree key have it.
  const j = Math.floor(keep / bs);
  const b = s.table[j];
  const shared = b !== undefined && (alloc.isCached(b) || alloc.refcount(b) > 1);
  if (shared) keep = j * bs;
  if (keep >= target.length) return false;
  for (const extra of s.table.splice(shared ? j : Math.ceil(target.length / bs))) alloc.release(extra);
  s.tokens = target;
  s.position = keep;
  s.syncing = true;
  return true;
}
