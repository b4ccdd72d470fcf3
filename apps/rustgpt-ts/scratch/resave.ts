import { loadTinyLlamaDir, saveAsHfModelDir } from "../../../packages/llm/src/models/tiny-llama/index.ts";
const d = process.argv[2]!;
const l = loadTinyLlamaDir(d);
saveAsHfModelDir(d, l.model, { tokenizerJson: l.tokenizerJson, tokenizerConfig: l.tokenizerConfig });
