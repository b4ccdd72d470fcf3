/** Runs the app in-process with captured output and a given stdin. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { runApp } from "../src/run.js";

export interface AppRun {
  code: number;
  out: string;
  err: string;
}

export async function runCli(args: readonly string[], opts: { stdin?: string; signal?: AbortSignal } = {}): Promise<AppRun> {
  const out = new PassThrough();
  const err = new PassThrough();
  let outText = "";
  let errText = "";
  out.on("data", (d: Buffer) => (outText += d.toString()));
  err.on("data", (d: Buffer) => (errText += d.toString()));
  const code = await runApp(args, { out, err, in: Readable.from([opts.stdin ?? ""]), tty: false, interactiveTTY: false }, opts.signal);
  return { code, out: outText, err: errText };
}

export function tempDir(prefix = "rustgpt-ts-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeJson(dir: string, name: string, value: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof value === "string" ? value : JSON.stringify(value));
  return p;
}
