import { defineConfig } from "vitest/config";
import path from "node:path";
export default defineConfig({
  resolve: { conditions: ["@mini/source"], alias: { "@mini/llm": path.resolve(__dirname, "llm-shim.ts") } },
  ssr: { resolve: { conditions: ["@mini/source"] } },
  test: { root: path.resolve(__dirname, ".."), include: ["test/**/*.test.ts"], testTimeout: 120_000, hookTimeout: 120_000 },
});
