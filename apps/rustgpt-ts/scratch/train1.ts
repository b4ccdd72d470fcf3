import { ParamSource } from "@mini/nn";
import { buildWordLevelTokenizer } from "../../../packages/llm/src/tokenizers/index.ts";
import { TinyLlama, tinyLlamaConfig } from "../../../packages/llm/src/models/tiny-llama/index.ts";
import { RustGptModel, rustGptConfig } from "../../../packages/llm/src/models/rustgpt/index.ts";
import { readTextDataset, tokenizeDataset, train, exactMatch, evaluateLoss } from "../../../packages/llm/src/training/index.ts";
const [pre, chat, preset, E1, E2, lr1, lr2, bs, dim, hid, layers, heads] = process.argv.slice(2);
const pd = readTextDataset(pre!), cd = readTextDataset(chat!);
const b = buildWordLevelTokenizer([...pd.entries, ...cd.entries].map(e => e.text));
const tok = b.tokenizer;
const pt = tokenizeDataset(pd, tok, { kind: "text", maxSeqLen: 80 });
const ct = tokenizeDataset(cd, tok, { kind: "dialogue", maxSeqLen: 80 });
console.log("vocab", tok.vocabSize, "tokens", pt.totalTokens, ct.totalTokens);
const rg = preset === "rustgpt";
const model = rg ? new RustGptModel(rustGptConfig({ vocabSize: tok.vocabSize }), ParamSource.init(Number(process.env.SEED ?? 42)))
  : new TinyLlama(tinyLlamaConfig({ vocabSize: tok.vocabSize, hiddenSize: +dim!, intermediateSize: +hid!, numLayers: +layers!, numHeads: +heads!, maxSeqLen: 80 }), ParamSource.init(Number(process.env.SEED ?? 42)));
console.log("params", model.numParameters());
const padId = tok.tokenToId("<pad>")!;
const eos = tok.tokenToId("</s>")!;
const t0 = performance.now();
const res = await train(model, [
  { name: "pretraining", data: pt, epochs: +E1!, lr: +lr1!, schedule: rg ? "constant" : "cosine", batchSize: +bs!, order: rg ? "file" : ((process.env.ORDER ?? "shuffle") as "shuffle"), lossOn: "all", clipNorm: rg ? 0 : 1 },
  { name: "instruction-tuning", data: ct, epochs: +E2!, lr: +lr2!, schedule: rg ? "constant" : "cosine", batchSize: +bs!, order: rg ? "file" : ((process.env.ORDER ?? "shuffle") as "shuffle"), lossOn: rg ? "all" : "mask", clipNorm: rg ? 0 : 1 },
], { seed: Number(process.env.SEED ?? 42), padId, onEpoch: (r) => { if ((r.epoch + 1) % 10 === 0 || r.epoch === 0) console.log(r.phase, r.epoch + 1, r.meanLoss.toFixed(4), Math.round(r.tokensPerSecond), "tok/s", r.seconds.toFixed(1) + "s"); } });
console.log(res.status, ((performance.now() - t0) / 1000).toFixed(1), "s");
for (const p of res.phases) console.log(p.name, "ep10", p.epochLosses[9]?.toFixed(4), "final", p.epochLosses.at(-1)?.toFixed(4), (p.seconds / p.epochLosses.length).toFixed(3), "s/epoch", Math.round(p.tokensPerSecond), "tok/s");
const t1 = performance.now();
const em = exactMatch(model, tok, ct, { stopIds: [eos] });
console.log("exact-match", em.matched, "/", em.total, ((performance.now() - t1) / 1000).toFixed(1), "s");
for (const m of em.misses.slice(0, 5)) console.log(" Q:", m.question, "\n  E:", m.expected, "\n  G:", m.got);
console.log(evaluateLoss(model, ct, { padId, lossOn: "mask" }));
