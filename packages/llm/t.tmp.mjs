import { Tokenizer } from "@huggingface/tokenizers";
import { readFileSync } from "node:fs";
const tj = JSON.parse(readFileSync("/work/shared/models/story/tokenizer.json", "utf8"));
const tc = JSON.parse(readFileSync("/work/shared/models/story/tokenizer_config.json", "utf8"));
const t = new Tokenizer(tj, tc);
console.log(t.encode("x<|end_story|>", { add_special_tokens: false }).ids);
