import { join } from "node:path";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
const root = process.argv[2];
const { loadModelDir } = await import(root + "/packages/llm/src/loaders/index.ts");
const { synthesizeModelDir } = await import(root + "/packages/llm/src/synth.ts");
const cfg = { architectures: ["MistralForCausalLM"], model_type: "mistral", hidden_size: 64, intermediate_size: 96, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, vocab_size: 97, max_position_embeddings: 128, sliding_window: 5, rms_norm_eps: 1e-5, rope_theta: 10000, hidden_act: "silu", tie_word_embeddings: false };
const dir = synthesizeModelDir({ config: cfg, outDir: join(mkdtempSync(join(tmpdir(), "kvd")), "m"), seed: 3, std: 0.2 });
const { model } = await loadModelDir(dir);
const tokens = Array.from({ length: 24 }, (_, i) => (i * 37 + 11) % 97);
const full = model.forward(tokens, model.newCache(), { allLogits: true }).slice();
const c = model.newCache();
let worst = 0;
for (let t = 0; t < tokens.length; t++) {
  const l = model.forward([tokens[t]], c);
  for (let i = 0; i < 97; i++) worst = Math.max(worst, Math.abs(l[i] - full[t * 97 + i]));
}
const story = await loadModelDir("/work/shared/models/story");
const st = [1, 80, 147, 201, 282, 215, 286, 64, 207, 161, 152, 1623, 94, 885, 222, 288, 759, 908, 140, 1562];
const sf = story.model.forward(st, story.model.newCache(), { allLogits: true }).slice();
const sc = story.model.newCache(); let sw = 0;
for (let t = 0; t < st.length; t++) { const l = story.model.forward([st[t]], sc); for (let i = 0; i < 2048; i++) sw = Math.max(sw, Math.abs(l[i] - sf[t * 2048 + i])); }
console.log(root, "mistral decode-vs-full max diff", worst, "story", sw);
