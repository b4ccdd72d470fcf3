#!/usr/bin/env node
// The `llama-infer` bin as it was before the single-file build (kept for bench/startup.mjs, the
// "before" of start-up): runs src/main.ts through tsx with the "@mini/source"
// export condition, so the workspace packages resolve to their TypeScript sources (no build step).
// A child process because export conditions are a Node flag: they cannot be switched on from
// inside an already running process.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const main = fileURLToPath(new URL("../src/main.ts", import.meta.url));
// tsx as this app depends on it (resolved from this file, so any working directory works).
const tsx = import.meta.resolve("tsx");
const child = spawn(process.execPath, ["--import", tsx, "--conditions=@mini/source", main, ...process.argv.slice(2)], {
  stdio: "inherit",
});

// Ctrl-C in a terminal reaches the child too (same process group): let it decide, and wait.
process.on("SIGINT", () => {});
for (const signal of ["SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));

child.on("error", (err) => {
  console.error(`llama-infer: cannot start node: ${err.message}`);
  process.exit(1);
});
child.on("exit", (code, signal) => {
  process.exitCode = code ?? 128 + (signal === "SIGINT" ? 2 : signal === "SIGTERM" ? 15 : 1);
});
