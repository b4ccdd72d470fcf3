#!/usr/bin/env node
/**
 * Start-up of `llama-infer generate` on the story model: wall time from spawning node to the first
 * byte of generated text on stdout (--no-echo, so that byte is the first token), and to exit.
 * "before": the tsx launcher (bench/tsx-launcher.mjs, the bin as it was: a second node process
 * compiling TypeScript at start); "after": the bin now (the built single file, in-process).
 * Runs alternate, so load on the machine hits both alike. Usage: node bench/startup.mjs [runs]
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildCli } from "../scripts/build.mjs";

const app = fileURLToPath(new URL("..", import.meta.url));
const shared = process.env["MINI_SHARED"] ?? join(app, "..", "..", "..", "shared");
const runs = Number(process.argv[2] ?? 7);
const args = ["generate", "--model", join(shared, "models", "story"), "--prompt", "Once upon a time", "--temperature", "0", "--max-new-tokens", "8", "--no-echo"];
const launchers = {
  "before (tsx launcher)": join(app, "bench", "tsx-launcher.mjs"),
  "after (built file)": join(app, "bin", "llama-infer.mjs"),
};

await buildCli();
const times = Object.fromEntries(Object.keys(launchers).map((k) => [k, { first: [], exit: [] }]));
for (let i = 0; i < runs; i++) {
  for (const [name, file] of Object.entries(launchers)) {
    const t0 = performance.now();
    await new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [file, ...args], { stdio: ["ignore", "pipe", "inherit"] });
      let first = false;
      child.stdout.on("data", () => {
        if (!first) times[name].first.push(performance.now() - t0);
        first = true;
      });
      child.on("error", reject);
      child.on("exit", (code) => {
        if (code !== 0) return reject(new Error(`${name} exited with ${code}`));
        times[name].exit.push(performance.now() - t0);
        resolve();
      });
    });
  }
}
const stat = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${s[0].toFixed(0)} / ${s[Math.floor(s.length / 2)].toFixed(0)} / ${s[s.length - 1].toFixed(0)}`;
};
console.log(`llama-infer generate start-up on the story model, ${runs} processes each (min / median / max, ms)`);
console.log("| launch | first token | exit |\n| --- | ---: | ---: |");
for (const [name, t] of Object.entries(times)) console.log(`| ${name} | ${stat(t.first)} | ${stat(t.exit)} |`);
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`after / before, median first token: ${(med(times["after (built file)"].first) / med(times["before (tsx launcher)"].first)).toFixed(2)}×`);
