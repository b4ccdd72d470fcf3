/**
 * Continuous batching: each step runs one forward pass over every running sequence's next tokens
 * (the last generated id of each decoding sequence, and prompt chunks under the step's token
 * budget: chunked prefill), then samples where a pass reached a sequence's end. Sequences join
 * and leave between steps; the event loop gets a turn (setImmediate) after every step, so the
 * server keeps accepting connections and noticing disconnects while it generates.
 *
 * Bursts: Node accepts one new connection per event-loop turn, so clients that connect together
 * arrive one turn apart. While a turn brings a request and batch slots are free, the loop gives
 * the event loop another turn (microseconds) before stepping: a burst is admitted together, not
 * one step apart (8 clients: the 8th prompt waited for 7 steps).
 *
 * KV-cache room (BlockAllocator, PrefixTree):
 *   admit     the oldest waiting sequence starts when its prompt fits: its longest cached prefix
 *             is shared (full blocks) or copied (inside a block), and the blocks for the rest of
 *             the prompt are obtainable; otherwise it (and everything behind it) waits;
 *   grow      a sequence gets a new block when it crosses a block boundary; when none can be had,
 *             the most recently admitted other sequence is preempted (its blocks go to the prefix
 *             tree, it returns to the head of the queue and recomputes later, mostly from cache);
 *   share     a prompt's full blocks enter the prefix tree once prefilled (so concurrent requests
 *             with the same system prompt share it), and all of a sequence's blocks when it ends;
 *   sync      after a chat answer (delivered at once), the conversation as the client will send it
 *             back is fed for its next turn (conversation-sync.ts). Deferred: only once the engine
 *             has had nothing else to run for `idleSyncDelayMs`, then at most IDLE_SYNC_ROWS rows a
 *             step; or at once when a waiting request continues the conversation (it holds all of
 *             that conversation's prompt). A deferred sync holds no batch slot, and gives its
 *             blocks up (retires) when a request needs them.
 */
import type { BatchedCausalLM, BatchEntry, PagedKV } from "../models/causal-lm.js";
import type { BlockAllocator } from "./block-allocator.js";
import { commonPrefixLength } from "./common-prefix.js";
import { startSync } from "./conversation-sync.js";
import type { PrefixTree } from "./prefix-tree.js";
import type { Sequence } from "./sequence.js";

/** Most rows of deferred syncs in one step (one KV block's worth: a small step). */
const IDLE_SYNC_ROWS = 16;
/** Quiet time before deferred syncs run: longer than a client's turnaround on one machine. */
const IDLE_SYNC_DELAY_MS = 50;

export interface BatchSchedulerOptions {
  /** Tokens per forward pass, summed over sequences (≤ model.maxBatchTokens). */
  tokenBudget: number;
  /** Sequences running at once (the batch size cap). */
  maxRunning: number;
  /**
   * Called once per request when its answer ends (finished, cancelled or failed), as the client
   * gets it: before a chat's deferred sync, not when the sequence later retires.
   */
  onAnswered?: (seq: Sequence) => void;
  /** Time with nothing else to run before deferred syncs are fed. Default IDLE_SYNC_DELAY_MS. */
  idleSyncDelayMs?: number;
}

export class BatchScheduler {
  readonly waiting: Sequence[] = [];
  readonly running: Sequence[] = [];
  /** Sequences in the last forward pass. */
  lastBatchSize = 0;
  steps = 0;
  preemptions = 0;
  private looping = false;
  /** The loop sleeps until deferred syncs may run (a new request wakes it at once). */
  private quietTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the last step with work other than deferred syncs ended (or a request came). */
  private lastWorkAt = -Infinity;
  private idleWaiters: (() => void)[] = [];
  /** A request was added since the loop last ran (the turn brought one: more may follow). */
  private arrived = false;
  private readonly bs: number;
  private readonly idleSyncDelayMs: number;

  constructor(
    private readonly model: BatchedCausalLM,
    private readonly kv: PagedKV,
    private readonly alloc: BlockAllocator,
    private readonly tree: PrefixTree,
    private readonly opts: BatchSchedulerOptions,
  ) {
    this.bs = alloc.blockSize;
    this.idleSyncDelayMs = opts.idleSyncDelayMs ?? IDLE_SYNC_DELAY_MS;
  }

  /** Running sequences that hold a batch slot (deferred syncs do not). */
  get slotsInUse(): number {
    return this.running.filter((s) => !s.syncing).length;
  }

  add(seq: Sequence): void {
    this.waiting.push(seq);
    this.arrived = true;
    this.lastWorkAt = performance.now();
    if (this.quietTimer !== undefined) {
      clearTimeout(this.quietTimer);
      this.quietTimer = undefined;
      setImmediate(() => this.loop());
    }
    this.wake();
  }

  /** Resolves once nothing is running or waiting. */
  idle(): Promise<void> {
    if (!this.looping) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private wake(): void {
    if (this.looping) return;
    this.looping = true;
    setImmediate(() => this.loop());
  }

  private loop(): void {
    this.quietTimer = undefined;
    // A burst arrives one turn apart (see the file comment): wait while it fills free slots.
    const arrived = this.arrived;
    this.arrived = false;
    if (arrived && this.waiting.length < this.opts.maxRunning - this.slotsInUse) {
      setImmediate(() => this.loop());
      return;
    }
    this.step();
    if (this.running.length === 0 && this.waiting.length === 0) {
      this.looping = false;
      this.lastBatchSize = 0;
      for (const w of this.idleWaiters.splice(0)) w();
      return;
    }
    const wait = this.onlyDeferredSyncs() ? this.lastWorkAt + this.idleSyncDelayMs - performance.now() : 0;
    if (wait > 0) this.quietTimer = setTimeout(() => this.loop(), Math.ceil(wait));
    else setImmediate(() => this.loop());
  }

  /** Nothing to run but syncs nobody waits for. */
  private onlyDeferredSyncs = (): boolean => this.waiting.length === 0 && this.running.every((s) => s.syncing && !s.syncWanted);

  /** One engine step (see the file comment). */
  step(): void {
    for (const s of [...this.waiting]) if (s.cancelled) this.retire(s, "cancelled");
    for (const s of [...this.running]) if (s.cancelled) this.retire(s, "cancelled");
    while (this.waiting.length > 0 && this.slotsInUse < this.opts.maxRunning && this.admit(this.waiting[0]!)) {
      this.running.push(this.waiting.shift()!);
    }
    // Decoding sequences first (one token each), then prompt chunks in admission order; syncs
    // only when wanted or when nothing else runs.
    const quiet = this.slotsInUse === 0 && performance.now() - this.lastWorkAt >= this.idleSyncDelayMs;
    const runnable = this.running.filter((s) => !s.syncing || s.syncWanted || quiet);
    const order = [...runnable.filter((s) => s.pendingCount === 1), ...runnable.filter((s) => s.pendingCount > 1)];
    const batch: { seq: Sequence; entry: BatchEntry }[] = [];
    let budget = this.opts.tokenBudget;
    // Idle-time syncs go in small steps: a request arriving meanwhile waits for one step at most.
    let idleSync = IDLE_SYNC_ROWS;
    for (const s of order) {
      if (budget === 0 || (s.state !== "running" && !s.syncing)) continue;
      const deferred = s.syncing && !s.syncWanted;
      const n = Math.min(s.pendingCount, budget, deferred ? idleSync : Infinity);
      if (n === 0) continue;
      if (deferred) idleSync -= n;
      if (!this.grow(s, s.position + n)) continue; // s itself was preempted
      batch.push({ seq: s, entry: { tokens: s.tokens.slice(s.position, s.position + n), position: s.position, blockTable: s.table } });
      budget -= n;
    }
    // A preemption above may have removed a sequence already in the batch.
    const live = batch.filter((b) => (b.seq.state === "running" || b.seq.syncing) && this.running.includes(b.seq));
    this.lastBatchSize = live.length;
    if (live.length === 0) return;
    const work = live.some((b) => !b.seq.syncing || b.seq.syncWanted);
    this.steps++;
    let logits: Float32Array;
    try {
      logits = this.model.forwardBatch(live.map((b) => b.entry), this.kv);
    } catch (e) {
      // Their blocks may hold half-written positions: dropped, not shared.
      for (const { seq } of live) this.retire(seq, e);
      return;
    }
    if (work) this.lastWorkAt = performance.now();
    const V = this.model.config.vocabSize;
    live.forEach(({ seq, entry }, j) => {
      seq.position += entry.tokens.length;
      if (seq.syncing) {
        if (seq.position === seq.tokens.length) this.retire(seq, null);
        return;
      }
      if (seq.position < seq.tokens.length) return; // mid-prompt: logits unused
      if (!seq.promptShared) {
        this.tree.insert(seq.tokens, seq.table, seq.position, false);
        seq.promptShared = true;
      }
      let finished: boolean;
      try {
        finished = seq.accept(logits.subarray(j * V, (j + 1) * V));
      } catch (e) {
        this.retire(seq, e);
        return;
      }
      if (!finished) return;
      // The answer is complete: delivered now; a sync runs on without holding the client.
      if (startSync(seq, this.alloc)) {
        seq.settle();
        this.opts.onAnswered?.(seq);
      } else this.retire(seq, null);
    });
  }

  /**
   * Starts `s` if its prompt fits: shares/copies its longest cached prefix and checks that the
   * blocks for the rest can be had. Otherwise gives back what it took and returns false.
   */
  private admit(s: Sequence): boolean {
    const m = this.tree.match(s.tokens, s.tokens.length - 1);
    const table = m.blocks;
    let pos = table.length * this.bs;
    const giveBack = () => {
      for (const b of table) this.alloc.release(b);
      return false;
    };
    // The next turn of a conversation still syncing (or that turn asked again) holds all of its
    // prompt: it waits for the sync, which now runs at once, and then finds all of it. Another
    // conversation that shares only a system prompt with it does not wait.
    const found = pos + (m.partial?.count ?? 0);
    const continued = this.running.find((r) => {
      if (!r.syncing) return false;
      const shared = commonPrefixLength(r.tokens, s.tokens);
      return shared > found && shared >= r.promptIds.length;
    });
    if (continued !== undefined) {
      continued.syncWanted = true;
      return giveBack();
    }
    if (m.partial !== null) {
      // Copy-on-write inside a block: the shared block stays as it is; ours continues it.
      this.alloc.retain(m.partial.block); // not evicted by the allocation below
      const own = this.alloc.allocate();
      if (own !== null) this.kv.copyBlock(m.partial.block, own, m.partial.count);
      this.alloc.release(m.partial.block);
      if (own === null) return giveBack();
      table.push(own);
      pos += m.partial.count;
    }
    const needed = Math.ceil(s.tokens.length / this.bs) - table.length;
    // Deferred syncs give their blocks up (as generated, to the prefix tree) before a request waits.
    for (let r = this.deferredSync(); needed > this.alloc.available && r !== undefined; r = this.deferredSync()) this.retire(r, null);
    if (needed > this.alloc.available) return giveBack();
    s.table = table;
    s.position = pos;
    s.admitted(pos);
    return true;
  }

  private deferredSync = (): Sequence | undefined => this.running.find((r) => r.syncing && !r.syncWanted);

  /** Gives `s` blocks up to `positions`, preempting newer sequences if needed; false if s itself was preempted. */
  private grow(s: Sequence, positions: number): boolean {
    while (s.table.length * this.bs < positions) {
      const b = this.alloc.allocate();
      if (b !== null) {
        s.table.push(b);
        continue;
      }
      const others = [...this.running].reverse().filter((r) => r !== s);
      const victim = others.find((r) => r.syncing) ?? others[0] ?? s;
      this.preempt(victim);
      if (victim === s) return false;
    }
    return true;
  }

  /** Back to the head of the queue; its computed blocks go to the prefix tree (a cheap restart). */
  private preempt(s: Sequence): void {
    this.preemptions++;
    if (s.syncing) return this.retire(s, null); // answered already: just stop syncing
    this.tree.insert(s.tokens, s.table, s.position, true);
    for (const b of s.table) this.alloc.release(b);
    s.table = [];
    s.position = 0;
    s.state = "waiting";
    s.promptShared = false;
    this.running.splice(this.running.indexOf(s), 1);
    this.waiting.unshift(s);
  }

  /** Ends `s`: "cancelled", a failure (its blocks dropped), or null (finished: blocks shared). */
  private retire(s: Sequence, how: "cancelled" | unknown): void {
    const failed = how !== null && how !== "cancelled";
    if (!failed && s.position > 0) this.tree.insert(s.tokens, s.table, s.position, true);
    for (const b of s.table) this.alloc.release(b);
    s.table = [];
    for (const list of [this.waiting, this.running]) {
      const i = list.indexOf(s);
      if (i >= 0) list.splice(i, 1);
    }
    if (failed) s.fail(how);
    else if (how === "cancelled") s.finish("cancelled");
    if (s.syncing) return; // answered (and reported) when its sync started
    s.settle();
    this.opts.onAnswered?.(s);
  }
}
