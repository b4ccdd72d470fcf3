/**
 * An esbuild plugin for bundling this workspace's TypeScript sources: TypeScript's rule for
 * `import "./x.js"` in a .ts file is that it means x.ts. esbuild first tries the path plus an
 * extension, so beside a file named `x.js.ts` (tensor's kernels/matmul.js.ts, the plain-JS loops)
 * it would pick that one. This resolves to the .ts sibling first, as tsc, tsx and Vite do.
 * Used by apps/llama-infer/scripts/build.mjs and apps/playground/bench/bundle-size.mjs.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";

export const tsSiblingFirst = {
  name: "ts-sibling-first",
  setup(build) {
    build.onResolve({ filter: /^\.\.?\/.*\.js$/ }, (args) => {
      if (!/\.[cm]?ts$/.test(args.importer)) return undefined;
      const ts = join(args.resolveDir, args.path.replace(/\.js$/, ".ts"));
      return existsSync(ts) ? { path: ts } : undefined;
    });
  },
};
