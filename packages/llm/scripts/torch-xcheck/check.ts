/**
 * Runs mini on every model directory generate.py wrote and prints a markdown table: each path's
 * max |Δlogit| / max |logit| against the PyTorch float64 forward, and whether greedy decoding agrees.
 *
 *   npx tsx --conditions=@mini/source packages/llm/scripts/torch-xcheck/check.ts OUT_DIR
 *
 * Exits 1 if any error is over 1e-4 relative (bf16/f16-stored weights too: both sides compute on the
 * values as stored), greedy disagrees, or a config mini should refuse loads.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { loadModel } from "../../src/load-model.js";
import { compareWithTorch, isXcheckDir, readExpected } from "../../test/families/torch-xcheck-compare.js";

const TOLERANCE = 1e-4;

async function main(out: string): Promise<boolean> {
  let ok = true;
  console.log("| config | max abs logit | prefill | decode | chunked | greedy | smallest top-2 margin | router gap |");
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const name of readdirSync(out).sort()) {
    const dir = join(out, name);
    if (!isXcheckDir(dir)) continue;
    const refused = readExpected(dir).refused;
    if (refused !== undefined) {
      const message = await loadModel(dir).then(
        (m) => {
          if (m.format === "hf-llama") m.model.dispose();
          return null;
        },
        (e: Error) => e.message,
      );
      const good = message?.includes(refused) === true;
      ok &&= good;
      console.log(`| ${name} | refused: ${good ? "yes" : "NO"} | ${message ?? "loaded"} | | | | | |`);
      continue;
    }
    const r = await compareWithTorch(dir, name).catch((e: Error) => e);
    if (r instanceof Error) {
      ok = false;
      console.log(`| ${name} | FAILED: ${r.message.replaceAll("|", "/")} | | | | | | |`);
      continue;
    }
    const agree = r.greedyTokens.every((t, i) => t === r.expectedTokens[i]);
    const worst = Math.max(r.prefill, r.decode, r.chunked);
    ok &&= agree && worst <= TOLERANCE;
    const e = (x: number) => x.toExponential(1);
    const greedy = agree ? `${r.greedyTokens.length}/${r.greedyTokens.length}` : `DIFFERS: ${r.greedyTokens.join(",")} vs ${r.expectedTokens.join(",")}`;
    console.log(`| ${name} | ${r.maxAbsLogit.toFixed(2)} | ${e(r.prefill)} | ${e(r.decode)} | ${e(r.chunked)} | ${greedy} | ${r.smallestMargin.toFixed(3)} | ${r.minRouterGap === null ? "" : e(r.minRouterGap)} |`);
  }
  return ok;
}

const out = process.argv[2];
if (out === undefined) {
  console.error("usage: check.ts OUT_DIR (a directory generate.py wrote)");
  process.exit(2);
}
main(out).then(
  (ok) => process.exit(ok ? 0 : 1),
  (e: Error) => {
    console.error(e.stack ?? e.message);
    process.exit(1);
  },
);
