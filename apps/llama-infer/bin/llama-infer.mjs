#!/usr/bin/env node
// Launcher for the `llama-infer` bin: runs the built single-file CLI, dist/cli/llama-infer.mjs, in
// this process with plain node (no tsx, no child process). In a workspace checkout the bundle is
// first (re)built when missing or older than its sources (scripts/built-app.mjs).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const bundle = fileURLToPath(new URL("../dist/cli/llama-infer.mjs", import.meta.url));
const app = fileURLToPath(new URL("..", import.meta.url));
if (existsSync(`${app}/src`)) {
  const { ensureBuilt } = await import("../../../scripts/built-app.mjs");
  await ensureBuilt({ app, outputs: [bundle], name: "llama-infer", build: async () => (await import("../scripts/build.mjs")).buildCli() });
}
await import(bundle);
