#!/usr/bin/env node
// Launcher for the `rustgpt-ts` bin: runs the built dist/main.mjs (which starts dist/worker-boot.mjs)
// with plain node, no tsx. In a workspace checkout the build is first (re)made when missing or
// older than its sources (scripts/built-app.mjs).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const app = fileURLToPath(new URL("..", import.meta.url));
if (existsSync(`${app}/src`)) {
  const { ensureBuilt } = await import("../../../scripts/built-app.mjs");
  const { OUTPUTS, buildApp } = await import("../scripts/build.mjs");
  await ensureBuilt({ app, outputs: OUTPUTS, name: "rustgpt-ts", build: buildApp });
}
await import(fileURLToPath(new URL("../dist/main.mjs", import.meta.url)));
