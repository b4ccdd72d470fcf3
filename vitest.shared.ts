import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The shared fixtures (models, reference logits, RustGPT's data) sit beside the checkout in ../shared;
// tests find them through MINI_SHARED, which a caller may override.
const shared = process.env["MINI_SHARED"] ?? fileURLToPath(new URL("../shared", import.meta.url));

// Shared by every package's vitest.config.ts. The "@mini/source" condition makes
// `import "@mini/tensor"` resolve to packages/tensor/src/index.ts, so tests need no build.
export default defineConfig({
  resolve: { conditions: ["@mini/source"] },
  ssr: { resolve: { conditions: ["@mini/source"] } },
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    env: { MINI_SHARED: shared },
  },
});
