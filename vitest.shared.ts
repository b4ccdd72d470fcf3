import { defineConfig } from "vitest/config";

// Shared by every package's vitest.config.ts. The "@mini/source" condition makes
// `import "@mini/tensor"` resolve to packages/tensor/src/index.ts, so tests need no build.
export default defineConfig({
  resolve: { conditions: ["@mini/source"] },
  ssr: { resolve: { conditions: ["@mini/source"] } },
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
