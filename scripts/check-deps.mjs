#!/usr/bin/env node
// Enforces the dependency direction tensor ← autograd ← nn ← llm ← apps:
// a package may import (and declare) only packages to its left, never sideways or upward,
// and the core packages (tensor, autograd, nn) have no runtime dependencies outside @mini.
// Also enforces the line budget: a source file (packages/*/src, apps/*/src; .ts/.js and the .wat kernels) has at most 300 lines.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const rank = { tensor: 0, autograd: 1, nn: 2, llm: 3 };
const APP_RANK = 4;
const core = new Set(["tensor", "autograd", "nn"]);
const problems = [];

// One concept per file keeps files short. Files over budget are listed here by name with the length
// they may not grow past, until someone splits them; nothing else is exempt.
const LINE_BUDGET = 300;
const OVER_BUDGET = {};

function* sourceFiles(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    if (name === "node_modules" || name === "dist") continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* sourceFiles(p);
    else if (/\.(ts|mts|js|mjs|wat)$/.test(name)) yield p; // .wat: the WASM kernels (line budget only)
  }
}

function check(dir, who, myRank, isApp) {
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const deps = Object.keys(pkg.dependencies ?? {});
  for (const d of deps) {
    const m = /^@mini\/(.+)$/.exec(d);
    if (m) {
      const r = rank[m[1]];
      if (r === undefined) problems.push(`${who}/package.json: unknown workspace package ${d}`);
      else if (r >= myRank) problems.push(`${who}/package.json: depends on ${d}, which is not below it`);
    } else if (!isApp && core.has(who.split("/")[1])) {
      problems.push(`${who}/package.json: core package has a runtime dependency on ${d}`);
    }
  }
  for (const sub of ["src", "test", "bench", "scripts"]) {
    for (const file of sourceFiles(join(dir, sub))) {
      const text = readFileSync(file, "utf8");
      if (sub === "src") checkLineBudget(relative(root, file), text);
      for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)["']@mini\/([a-z-]+)/g)) {
        const r = rank[m[1]];
        const where = relative(root, file);
        if (r === undefined) problems.push(`${where}: imports unknown package @mini/${m[1]}`);
        else if (r >= myRank && m[1] !== who.split("/")[1]) problems.push(`${where}: imports @mini/${m[1]} (upward or sideways)`);
        else if (m[1] === who.split("/")[1]) {
          if (sub === "src") problems.push(`${where}: imports its own package by name; use a relative import`);
        }
        else if (sub === "src" && !deps.includes(`@mini/${m[1]}`)) problems.push(`${where}: imports @mini/${m[1]} but package.json does not declare it`);
      }
    }
  }
}

function checkLineBudget(where, text) {
  const lines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
  const budget = OVER_BUDGET[where] ?? LINE_BUDGET;
  if (lines > budget) {
    problems.push(`${where}: ${lines} lines, over the budget of ${budget} (split it: one concept per file)`);
  }
}

for (const name of Object.keys(rank)) check(join(root, "packages", name), `packages/${name}`, rank[name], false);
for (const name of readdirSync(join(root, "apps"))) check(join(root, "apps", name), `apps/${name}`, APP_RANK, true);

if (problems.length > 0) {
  console.error(`dependency direction (tensor ← autograd ← nn ← llm ← apps) or line budget broken:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`dependency direction ok: tensor ← autograd ← nn ← llm ← apps; src files within ${LINE_BUDGET} lines`);
