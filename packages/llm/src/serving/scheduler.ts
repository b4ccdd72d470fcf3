/**
 * A fair, token-by-token scheduler for CPU-bound generations in one Node event loop.
 *
 * Each active task does one small step at a time (a prefill chunk, or one decode step: forward +
 * sample), in round-robin order, and the loop gives the event loop a turn (setImmediate) after
 * every step. So N clients advance at the same pace (not first-come-takes-all), and the server
 * keeps accepting connections, answering /health and noticing disconnects while it generates.
 */

export interface ScheduledTask {
  /** Does one step; returns true when the task is finished (it is then dropped). */
  step(): boolean;
  /** Called instead when `step` threw; the task is dropped. */
  fail(error: unknown): void;
}

export class RoundRobinScheduler {
  private readonly tasks: ScheduledTask[] = [];
  private running = false;
  private idleWaiters: (() => void)[] = [];
  /** Steps taken since creation (for tests and metrics). */
  steps = 0;

  /** Tasks not finished yet. */
  get active(): number {
    return this.tasks.length;
  }

  /** Adds a task at the end of the round; starts the loop if it was idle. */
  add(task: ScheduledTask): void {
    this.tasks.push(task);
    if (!this.running) {
      this.running = true;
      setImmediate(() => this.loop());
    }
  }

  /** Resolves once no task is left. */
  idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private loop(): void {
    const task = this.tasks.shift();
    if (task === undefined) {
      this.running = false;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
      return;
    }
    let finished: boolean;
    try {
      finished = task.step();
    } catch (e) {
      finished = true;
      try {
        task.fail(e);
      } catch {
        // A task's failure handler must not stop the others.
      }
    }
    this.steps++;
    if (!finished) this.tasks.push(task);
    // One step, then the event loop's turn (I/O callbacks run before the next setImmediate).
    setImmediate(() => this.loop());
  }
}
