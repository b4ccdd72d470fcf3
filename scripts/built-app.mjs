/**
 * What an app's bin does before importing its built file: in a workspace checkout, (re)build it
 * when it is missing or older than the sources it is made of (the app's src/ and the four
 * packages' src/) — a file-time check of a few ms — so an edit never runs stale and a fresh clone
 * needs no build step. Used by apps/llama-infer/bin and apps/rustgpt-ts/bin.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** Newest modification time of the non-test .ts sources under `dir` (0 when it does not exist). */
function newest(dir) {
  let t = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (/\.(ts|mjs)$/.test(e.name) && !e.name.endsWith(".test.ts")) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

/**
 * @param {{ app: string, outputs: string[], build: () => Promise<unknown>, name: string }} o
 *   app: the app folder; outputs: the built files; build: builds them (atomically).
 */
export async function ensureBuilt(o) {
  if (!existsSync(join(o.app, "src"))) return;
  const built = Math.min(...o.outputs.map((f) => (existsSync(f) ? statSync(f).mtimeMs : -1)));
  const sources = [join(o.app, "src"), ...["tensor", "autograd", "nn", "llm"].map((p) => join(o.app, "..", "..", "packages", p, "src"))];
  if (built >= 0 && !sources.some((s) => newest(s) > built)) return;
  // Said on a terminal only: scripts and tests read stderr as the command's own messages.
  if (process.stderr.isTTY) process.stderr.write(`${o.name}: building ${o.outputs.join(", ")} (sources changed or no build yet)\n`);
  await o.build();
}
