#!/usr/bin/env node
/**
 * Builds rustgpt-ts into plain JavaScript with esbuild: dist/main.mjs (the process boundary:
 * signals, exit codes) and dist/worker-boot.mjs (the app itself, with the @mini packages from
 * their sources, commander and cli-progress bundled in), the worker main.mjs starts by that name.
 * dist/ is one level down like src/, so the app's data/ and models/ are found the same way.
 */
import { build } from "esbuild";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tsSiblingFirst } from "../../../scripts/esbuild-ts-resolve.mjs";

const app = fileURLToPath(new URL("..", import.meta.url));
export const OUTPUTS = [join(app, "dist", "main.mjs"), join(app, "dist", "worker-boot.mjs")];

/** Builds both files and writes each atomically (several first runs may race). */
export async function buildApp() {
  const result = await build({
    entryPoints: { main: join(app, "src", "main.ts"), "worker-boot": join(app, "src", "worker.ts") },
    outdir: join(app, "dist"),
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    conditions: ["@mini/source"],
    minify: true,
    legalComments: "eof",
    // commander and cli-progress are CommonJS and require Node built-ins: give the ES modules a real `require`.
    banner: { js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);' },
    plugins: [tsSiblingFirst],
    logLevel: "warning",
    write: false,
  });
  mkdirSync(join(app, "dist"), { recursive: true });
  for (const f of result.outputFiles) {
    const tmp = `${f.path}.tmp-${process.pid}`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
  }
  return OUTPUTS;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const t0 = performance.now();
  await buildApp();
  console.log(`rustgpt-ts: built ${OUTPUTS.join(", ")} in ${(performance.now() - t0).toFixed(0)} ms`);
}
