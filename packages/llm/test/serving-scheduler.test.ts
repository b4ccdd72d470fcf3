import { describe, expect, it } from "vitest";
import { RoundRobinScheduler, type ScheduledTask } from "../src/serving/scheduler.js";

/** A task of `n` steps that logs "name:i" at each. */
function counted(log: string[], name: string, n: number): ScheduledTask {
  let i = 0;
  return {
    step: () => {
      log.push(`${name}:${i++}`);
      return i >= n;
    },
    fail: () => {},
  };
}

describe("RoundRobinScheduler", () => {
  it("interleaves tasks one step each, in turn; a short one leaves, a late one joins the round", async () => {
    const s = new RoundRobinScheduler();
    const log: string[] = [];
    s.add(counted(log, "a", 3));
    s.add(counted(log, "b", 1));
    s.add(counted(log, "c", 2));
    await new Promise((r) => setImmediate(r));
    s.add(counted(log, "d", 2)); // joins after the first step
    await s.idle();
    expect(log).toEqual(["a:0", "b:0", "c:0", "a:1", "d:0", "c:1", "a:2", "d:1"]);
    expect(s.active).toBe(0);
    expect(s.steps).toBe(8);
  });

  it("gives the event loop a turn between steps: timers and I/O callbacks run while tasks work", async () => {
    const s = new RoundRobinScheduler();
    let steps = 0;
    let stepsWhenTimerFired = -1;
    s.add({
      step: () => {
        const until = performance.now() + 2; // 2 ms of "compute" per step
        while (performance.now() < until);
        return ++steps >= 30;
      },
      fail: () => {},
    });
    setTimeout(() => (stepsWhenTimerFired = steps), 5);
    await s.idle();
    expect(stepsWhenTimerFired).toBeGreaterThan(0);
    expect(stepsWhenTimerFired).toBeLessThan(30);
  });

  it("drops a task whose step throws (calling its fail) and keeps the others running", async () => {
    const s = new RoundRobinScheduler();
    const log: string[] = [];
    const failures: unknown[] = [];
    s.add({
      step: () => {
        throw new Error("boom");
      },
      fail: (e) => failures.push(e),
    });
    s.add(counted(log, "ok", 3));
    await s.idle();
    expect((failures[0] as Error).message).toBe("boom");
    expect(log).toEqual(["ok:0", "ok:1", "ok:2"]);
  });

  it("idle() resolves at once when nothing runs", async () => {
    await new RoundRobinScheduler().idle();
  });
});
