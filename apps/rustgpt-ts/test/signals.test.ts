/**
 * The process under signals: SIGTERM and SIGHUP stop training as Ctrl-C does (a resumable
 * checkpoint, exit code 130), and a second signal exits at once.
 */
import { spawn } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { APP_DIR } from "../src/cli.js";
import { tempDir } from "./helpers.js";

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Exit {
  code: number | null;
  /** The signal that ended the process, if one did. */
  signal: NodeJS.Signals | null;
  stderr: string;
  /** ms from the last signal sent to the exit. */
  afterLastSignal: number;
}

/**
 * Starts a long training run; once it has printed its first line, sends `signals[0]` (after 1 s),
 * and each further signal once the process has said it handled the one before ("… again to quit
 * at once" on stderr). Sent on a timer instead, a second signal could reach a process the OS had
 * not run since the first: the kernel merges a pending signal with a new one of the same number,
 * and the process sees one Ctrl-C.
 */
function trainAndSignal(save: string, signals: NodeJS.Signals[]): Promise<Exit> {
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@mini/source", join(APP_DIR, "src/main.ts"), "--pretrain-epochs", "100000", "--no-interactive", "--save", save], {
    cwd: APP_DIR,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  let lastSignal = 0;
  let sent = 0;
  const send = (): void => {
    lastSignal = performance.now();
    child.kill(signals[sent++]!);
  };
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
    const handled = stderr.split("again to quit at once").length - 1;
    if (sent > 0 && sent < signals.length && handled === sent) send();
  });
  let started = false;
  child.stdout.on("data", () => {
    if (started) return;
    started = true;
    setTimeout(send, 1000);
  });
  let exitedAt = 0;
  child.on("exit", () => (exitedAt = performance.now()));
  // Resolved on "close", not "exit": at "exit" the stderr pipe may still hold the process's last lines.
  return new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stderr, afterLastSignal: exitedAt - lastSignal })));
}

describe("signals during training", () => {
  it.each(["SIGTERM", "SIGHUP"] as const)("%s writes a checkpoint and exits 130", async (signal) => {
    const save = join(dir, signal);
    const r = await trainAndSignal(save, [signal]);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain(`${signal} received`);
    expect(r.stderr).toContain(`resume with: --resume ${save}`);
    expect(existsSync(join(save, "checkpoint", "checkpoint.json"))).toBe(true);
  });

  it("a second Ctrl-C exits at once", async () => {
    const r = await trainAndSignal(join(dir, "twice"), ["SIGINT", "SIGINT"]);
    // Exit code 130, or — when the first Ctrl-C's checkpoint was written before the second arrived
    // and Node is already tearing down (its signal handlers gone) — death by SIGINT, which a shell
    // reports as the same 130. Anything else (another code, SIGKILL) fails.
    const exitedAsCtrlC = r.code === 130 || (r.code === null && r.signal === "SIGINT");
    expect(exitedAsCtrlC, `code ${r.code}, signal ${r.signal}\n${r.stderr}`).toBe(true);
    expect(r.afterLastSignal).toBeLessThan(2000);
  });
});
