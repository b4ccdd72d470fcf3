#!/usr/bin/env node
// Launcher for the `llama-infer` bin: runs the built single-file CLI, dist/cli/llama-infer.mjs, in
// this process with plain node (no tsx, no child process). In a workspace checkout (src/ beside
// it), the bundle is first (re)built when it is missing or older than the sources it is made of —
// a file-time check of a few ms — so an edit is never run stale and a fresh clone needs no step.
import { existsSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const bundle = fileURLToPath(new URL("../dist/cli/llama-infer.mjs", import.meta.url));
const app = fileURLToPath(new URL("..", import.meta.url));

/** Newest modification time of the .ts sources under `dir` (0 when it does not exist). */
function newest(dir) {
  let t = 0;
  let names;
  try {
    names = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of names) {
    if (e.isDirectory()) t = Math.max(t, newest(`${dir}/${e.name}`));
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")) t = Math.max(t, statSync(`${dir}/${e.name}`).mtimeMs);
  }
  return t;
}

if (existsSync(`${app}/src`)) {
  const built = existsSync(bundle) ? statSync(bundle).mtimeMs : -1;
  const sources = [`${app}/src`, ...["tensor", "autograd", "nn", "llm"].map((p) => `${app}/../../packages/${p}/src`)];
  if (built < 0 || sources.some((s) => newest(s) > built)) {
    // Said on a terminal only: scripts and tests read stderr as the command's own messages.
    if (process.stderr.isTTY) process.stderr.write(`llama-infer: building ${bundle} (sources changed or no build yet)\n`);
    const { buildCli } = await import("../scripts/build.mjs");
    await buildCli();
  }
}
await import(bundle);
