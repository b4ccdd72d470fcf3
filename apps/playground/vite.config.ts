/**
 * The playground's build: the workspace packages from their TypeScript sources (the "@mini/source"
 * condition, as in tests) with the `browser` condition choosing their browser adapters
 * (#platform/fs → fs.browser.ts); workers as ES modules; and, copied into the site at build time
 * the story model from ../shared (models/story/) and rustgpt-ts's data (data/rustgpt/).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultClientConditions, defineConfig, type Plugin } from "vite";

const appDir = fileURLToPath(new URL(".", import.meta.url));
export const SHARED = process.env["MINI_SHARED"] ?? join(appDir, "..", "..", "..", "shared");

/** Folders copied into the site, under the names the pages fetch. */
const BUNDLED: Record<string, string> = {
  "models/story": join(SHARED, "models", "story"),
  // rustgpt-ts's own data (its --pretrain-data and --chat-data defaults).
  "data/rustgpt": join(appDir, "..", "rustgpt-ts", "data"),
};

function bundleShared(): Plugin {
  return {
    name: "mini-bundle-shared",
    generateBundle() {
      for (const [into, from] of Object.entries(BUNDLED)) {
        let files: string[];
        try {
          files = readdirSync(from).sort();
        } catch (e) {
          this.error(`${from}: cannot read the folder to bundle as ${into}/ (set MINI_SHARED to the shared fixtures): ${(e as Error).message}`);
        }
        for (const f of files) this.emitFile({ type: "asset", fileName: `${into}/${f}`, source: readFileSync(join(from, f)) });
        // The list of files, so the page can fetch a whole model directory.
        this.emitFile({ type: "asset", fileName: `${into}/files.json`, source: JSON.stringify(files) });
      }
    },
  };
}

export default defineConfig({
  root: appDir,
  base: "./",
  resolve: { conditions: ["@mini/source", ...defaultClientConditions] },
  worker: { format: "es" },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 1024 },
  plugins: [bundleShared()],
});
