export * from "../../../packages/llm/src/index.ts";
export * from "../../../packages/llm/src/training/index.ts";
