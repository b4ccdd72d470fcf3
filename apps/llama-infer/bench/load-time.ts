/**
 * Load time per dtype on the SmolLM2-135M-shaped synthesized model (f32 safetensors), each load its
 * own process, dtypes interleaved round by round; min / median / max of wall and CPU time (user+sys).
 * (q4_k / q6_k refuse this shape: its 576-wide rows are not whole 256-weight super-blocks.)
 *
 *   npx tsx --conditions=@mini/source bench/load-time.ts [--rounds 5] [--dtypes f32,bf16,f16,q8_0,q4_0]
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { loadModelDir } from "@mini/llm/models";
import type { WeightDtype } from "@mini/tensor";

const SELF = fileURLToPath(import.meta.url);
const DIR = join(tmpdir(), "mini-llm-bench-smollm135m-seed0");

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

async function child(dtype: WeightDtype): Promise<void> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await loadModelDir(DIR, { dtype });
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  console.log(JSON.stringify({ dtype, wallMs, cpuMs: (c.user + c.system) / 1000 }));
}

const stats = (v: number[]): string => {
  const s = [...v].sort((a, b) => a - b);
  return `${s[0]!.toFixed(0)} / ${s[s.length >> 1]!.toFixed(0)} / ${s[s.length - 1]!.toFixed(0)}`;
};

if (process.argv.includes("--child")) await child(arg("child", "f32") as WeightDtype);
else {
  if (!existsSync(join(DIR, "model.safetensors"))) throw new Error(`${DIR}: run bench:dtypes once to synthesize the SmolLM2-135M-shaped model`);
  const rounds = Number(arg("rounds", "5"));
  const dtypes = arg("dtypes", "f32,bf16,f16,q8_0,q4_0").split(",");
  const wall = new Map<string, number[]>(), cpu = new Map<string, number[]>();
  for (let r = 0; r < rounds; r++) {
    for (const d of dtypes) {
      const out = execFileSync(process.execPath, [...process.execArgv, SELF, "--child", d], { encoding: "utf8" });
      const m = JSON.parse(out.trim().split("\n").pop()!) as { wallMs: number; cpuMs: number };
      (wall.get(d) ?? wall.set(d, []).get(d)!).push(m.wallMs);
      (cpu.get(d) ?? cpu.set(d, []).get(d)!).push(m.cpuMs);
    }
  }
  console.log(`| dtype | load wall ms (min / median / max) | load CPU ms (min / median / max) |\n|---|---|---|`);
  for (const d of dtypes) console.log(`| ${d} | ${stats(wall.get(d)!)} | ${stats(cpu.get(d)!)} |`);
}
