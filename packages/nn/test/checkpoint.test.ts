import { noGrad } from "@mini/autograd";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  AdamW,
  CheckpointError,
  ParamSource,
  SGD,
  StateDictError,
  clipGradNorm,
  loadCheckpoint,
  saveCheckpoint,
  warmupCosine,
  type Optimizer,
} from "../src/index.js";
import { createRng } from "@mini/tensor";
import { bitEqual } from "./helpers.js";
import { TinyGpt, lmLoss, reverseBatch, type TinyGptConfig } from "./tiny-models.js";

const root = mkdtempSync(join(tmpdir(), "mini-nn-ckpt-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cfg: TinyGptConfig = { vocab: 10, dModel: 16, nHeads: 2, maxLen: 12, ffnHidden: 32 };
const B = 4;
const lrAt = warmupCosine({ peakLr: 1e-2, warmupSteps: 3, totalSteps: 20 });

/** One training step; the batch and the learning rate depend only on the step number. */
function trainStep(model: TinyGpt, opt: Optimizer, step: number): number {
  opt.zeroGrad();
  const loss = lmLoss(model, reverseBatch(step, B, 4, cfg.vocab), B);
  loss.backward();
  clipGradNorm(model.parameters(), 1);
  opt.lr = lrAt(step);
  opt.step();
  return loss.item();
}

describe("checkpoints", () => {
  it("resume: N steps, save, load into fresh objects, M more = N + M straight (bit-identical losses)", async () => {
    const N = 5;
    const M = 5;
    const straight = new TinyGpt(ParamSource.init(1), cfg);
    const straightOpt = new AdamW(straight.parameters(), { lr: 1e-2, weightDecay: 0.1 });
    const want = Array.from({ length: N + M }, (_, s) => trainStep(straight, straightOpt, s));

    const first = new TinyGpt(ParamSource.init(1), cfg);
    const firstOpt = new AdamW(first.parameters(), { lr: 1e-2, weightDecay: 0.1 });
    const got = Array.from({ length: N }, (_, s) => trainStep(first, firstOpt, s));
    const dir = join(root, "resume");
    await saveCheckpoint(dir, { model: first, optimizer: firstOpt, step: N, config: cfg });

    // Fresh process state: the model is rebuilt from the checkpoint's config and tensors.
    const ck = await loadCheckpoint(dir);
    expect(ck.step).toBe(N);
    expect(ck.config).toEqual(cfg);
    const resumed = new TinyGpt(ck.params(), ck.config as TinyGptConfig);
    const resumedOpt = new AdamW(resumed.parameters(), { lr: 123 });
    await loadCheckpoint(dir, { optimizer: resumedOpt });
    expect(resumedOpt.stepCount).toBe(N);
    for (let s = N; s < N + M; s++) got.push(trainStep(resumed, resumedOpt, s));
    expect(got).toEqual(want); // exact: toEqual on numbers is ===
  });

  it("resume with dropout: the dropout generators (and named ones) are saved and restored, so losses stay bit-identical", async () => {
    const dcfg: TinyGptConfig = { ...cfg, dropout: 0.2, dropoutSeed: 5 };
    const N = 4;
    const M = 4;
    const straight = new TinyGpt(ParamSource.init(1), dcfg);
    const straightOpt = new AdamW(straight.parameters(), { lr: 1e-2 });
    const want = Array.from({ length: N + M }, (_, s) => trainStep(straight, straightOpt, s));

    const first = new TinyGpt(ParamSource.init(1), dcfg);
    const firstOpt = new AdamW(first.parameters(), { lr: 1e-2 });
    const got = Array.from({ length: N }, (_, s) => trainStep(first, firstOpt, s));
    const data = createRng(9); // say, the generator of the batch order
    data.normal(); // leaves a cached normal in its state
    const dir = join(root, "resume-dropout");
    await saveCheckpoint(dir, { model: first, optimizer: firstOpt, step: N, config: dcfg, rngs: { data } });
    const dataNext = [data.normal(), data.uniform()];
    expect(JSON.parse(readFileSync(join(dir, "checkpoint.json"), "utf8")).rngs.dropout).toHaveLength(1);

    // A fresh model's dropout generator starts from its seed; loading the checkpoint moves it on.
    const resumed = new TinyGpt(ParamSource.init(2), dcfg);
    const resumedOpt = new AdamW(resumed.parameters(), { lr: 123 });
    const resumedData = createRng(0);
    await loadCheckpoint(dir, { model: resumed, optimizer: resumedOpt, rngs: { data: resumedData } });
    for (let s = N; s < N + M; s++) got.push(trainStep(resumed, resumedOpt, s));
    expect(got).toEqual(want);
    expect([resumedData.normal(), resumedData.uniform()]).toEqual(dataNext);

    // Without the restore the masks differ, and so do the losses (the test can fail).
    const stale = new TinyGpt(ParamSource.init(2), dcfg);
    const staleOpt = new AdamW(stale.parameters(), { lr: 123 });
    await loadCheckpoint(dir, { optimizer: staleOpt });
    stale.loadStateDict((await loadCheckpoint(dir)).modelTensors);
    expect(trainStep(stale, staleOpt, N)).not.toBe(want[N]);

    await expect(loadCheckpoint(dir, { rngs: { shuffle: createRng(0) } })).rejects.toThrow(/no generator state named "shuffle" \(saved: data\)/);
    await expect(loadCheckpoint(dir, { model: new TinyGpt(ParamSource.init(2), cfg) })).rejects.toThrow(
      /the model has 0 dropout generator\(s\), the checkpoint saved 1/,
    );
  });

  it("restores a model in place with bit-identical forward outputs, and writes readable files", async () => {
    const a = new TinyGpt(ParamSource.init(3), cfg);
    const dir = join(root, "exact");
    await saveCheckpoint(dir, { model: a, config: cfg });
    expect(readdirSync(dir).sort()).toEqual(["checkpoint.json", "model.safetensors"]);
    const meta = JSON.parse(readFileSync(join(dir, "checkpoint.json"), "utf8"));
    expect(meta).toMatchObject({ format: "mini-nn-checkpoint", version: 1, step: null, optimizer: null, numParameters: a.numParameters() });
    const b = new TinyGpt(ParamSource.init(4), cfg);
    await loadCheckpoint(dir, { model: b });
    const batch = reverseBatch(0, 2, 4, cfg.vocab);
    const ya = noGrad(() => a.forward(batch.ids, 2, batch.T)).data;
    const yb = noGrad(() => b.forward(batch.ids, 2, batch.T)).data;
    expect(bitEqual(ya, yb)).toBe(true);
  });

  it("a model of another configuration gets one error naming the mismatched tensors, and is left unchanged", async () => {
    const dir = join(root, "mismatch");
    await saveCheckpoint(dir, { model: new TinyGpt(ParamSource.init(1), cfg), config: cfg });
    const other = new TinyGpt(ParamSource.init(2), { ...cfg, vocab: 12, ffnHidden: 48 });
    const before = other.parameters().map((p) => Array.from(p.value.data));
    const err = await loadCheckpoint(dir, { model: other }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateDictError);
    const msg = (err as Error).message;
    expect(msg).toContain(`loadCheckpoint(${dir})`);
    expect(msg).toContain("wte.weight: expected [12, 16], got [10, 16]");
    expect(msg).toContain("lm_head.weight: expected [12, 16], got [10, 16]");
    expect(msg).toContain("h.0.mlp.up_proj.weight: expected [48, 16], got [32, 16]");
    expect(other.parameters().map((p) => Array.from(p.value.data))).toEqual(before);
  });

  it("optimizer kind and presence are checked", async () => {
    const dir = join(root, "opt-kind");
    const m = new TinyGpt(ParamSource.init(1), cfg);
    await saveCheckpoint(dir, { model: m, optimizer: new AdamW(m.parameters()), step: 0 });
    await expect(loadCheckpoint(dir, { optimizer: new SGD(m.parameters(), { lr: 0.1 }) })).rejects.toThrow(/"adamw" optimizer, this is "sgd"/);
    const dir2 = join(root, "no-opt");
    await saveCheckpoint(dir2, { model: m });
    await expect(loadCheckpoint(dir2, { optimizer: new AdamW(m.parameters()) })).rejects.toThrow(/has no optimizer state/);
  });

  it("an interrupted save leaves the previous checkpoint intact and no temporary directory", async () => {
    const dir = join(root, "atomic");
    const m = new TinyGpt(ParamSource.init(1), cfg);
    await saveCheckpoint(dir, { model: m, step: 1 });
    const broken = {
      kind: "adamw",
      stateDict: () => ({ kind: "adamw", step: 1, hyper: {}, tensors: { bad: { get shape(): number[] { throw new Error("disk full"); }, get data(): Float32Array { throw new Error("disk full"); } } } }),
    } as unknown as Optimizer;
    await expect(saveCheckpoint(dir, { model: m, optimizer: broken, step: 2 })).rejects.toThrow(/disk full/);
    expect((await loadCheckpoint(dir)).step).toBe(1);
    expect(readdirSync(root).filter((n) => n.includes(".tmp-"))).toEqual([]);
  });

  it("a save interrupted between its two renames is found by loadCheckpoint; stale temporaries are cleaned", async () => {
    const dir = join(root, "crash");
    await saveCheckpoint(dir, { model: new TinyGpt(ParamSource.init(1), cfg), step: 7 });
    renameSync(dir, join(root, ".crash.old-99999999-abc")); // what a crash after the first rename leaves
    expect((await loadCheckpoint(dir)).step).toBe(7);
    mkdirSync(join(root, ".crash.tmp-99999999-xyz")); // a temp dir of a dead process
    await saveCheckpoint(dir, { model: new TinyGpt(ParamSource.init(1), cfg), step: 8 });
    expect(existsSync(join(root, ".crash.tmp-99999999-xyz"))).toBe(false);
    expect((await loadCheckpoint(dir)).step).toBe(8);
  });

  it("errors: not a checkpoint, unknown version, refusing to replace a foreign directory", async () => {
    await expect(loadCheckpoint(join(root, "nope"))).rejects.toThrow(CheckpointError);
    await expect(loadCheckpoint(join(root, "nope"))).rejects.toThrow(/not a checkpoint directory \(it does not exist\)/);
    const dir = join(root, "v99");
    await saveCheckpoint(dir, { model: new TinyGpt(ParamSource.init(1), cfg) });
    const meta = JSON.parse(readFileSync(join(dir, "checkpoint.json"), "utf8"));
    writeFileSync(join(dir, "checkpoint.json"), JSON.stringify({ ...meta, version: 99 }));
    await expect(loadCheckpoint(dir)).rejects.toThrow(/format version 99 is not supported/);
    const foreign = join(root, "foreign");
    mkdirSync(foreign);
    writeFileSync(join(foreign, "notes.txt"), "mine");
    await expect(saveCheckpoint(foreign, { model: new TinyGpt(ParamSource.init(1), cfg) })).rejects.toThrow(/refusing to replace a non-empty directory/);
    expect(readFileSync(join(foreign, "notes.txt"), "utf8")).toBe("mine");
  });
});
