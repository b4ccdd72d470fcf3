#!/usr/bin/env bash
# Packaging smoke test for @mini/nn, as a user gets it from the registry.
#
# 1. builds @mini/tensor, @mini/autograd and @mini/nn (tsc -p tsconfig.build.json → dist/);
# 2. packs each with `pnpm pack` (which rewrites workspace:* to real versions);
# 3. installs the three tarballs into a temporary project OUTSIDE the workspace with plain
#    `npm install <tarballs>` — all three in one command, because @mini/autograd depends on
#    @mini/tensor@0.0.0, which is not on any registry; with --offline and an empty cache this
#    also proves the packages have no external runtime dependency;
# 4. type-checks a consumer script against the published .d.ts files (checkJs), then runs it
#    with plain node: it trains a tiny model and exits 1 unless the loss fell.
#
# Usage: packages/nn/scripts/pack-smoke.sh   (from anywhere; exits non-zero on any failure)
#        KEEP=1 packages/nn/scripts/pack-smoke.sh  keeps the temporary directory for inspection.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/mini-nn-pack-smoke.XXXXXX")"
if [[ "${KEEP:-0}" == "1" ]]; then echo "pack-smoke: keeping $work"; else trap 'rm -rf "$work"' EXIT; fi

echo "pack-smoke: building tensor, autograd, nn"
(cd "$repo" && pnpm --filter @mini/tensor --filter @mini/autograd --filter @mini/nn run build)

echo "pack-smoke: packing"
mkdir -p "$work/tarballs"
for pkg in tensor autograd nn; do
  (cd "$repo/packages/$pkg" && pnpm pack --pack-destination "$work/tarballs" >/dev/null)
done
ls "$work/tarballs"
for t in "$work"/tarballs/*.tgz; do
  if tar -xOzf "$t" package/package.json | grep -q '"workspace:'; then
    echo "pack-smoke: $t still has a workspace: dependency" >&2
    exit 1
  fi
done

echo "pack-smoke: installing into $work/app"
mkdir "$work/app"
cd "$work/app"
printf '{ "name": "mini-nn-smoke", "private": true, "type": "module" }\n' > package.json
npm install --no-audit --no-fund --offline --cache "$work/npm-cache" --loglevel=error "$work"/tarballs/*.tgz

cat > smoke.mjs <<'JS'
// A user's first script: a two-layer MLP learns XOR, then a checkpoint round trip.
import { Variable, noGrad, relu } from "@mini/autograd";
import { Tensor } from "@mini/tensor";
import { Adam, Linear, Module, ParamSource, crossEntropyLoss, loadCheckpoint, saveCheckpoint } from "@mini/nn";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

class Mlp extends Module {
  /** @param {ParamSource} ps */
  constructor(ps) {
    super();
    this.fc1 = new Linear(ps.pp("fc1"), 2, 8);
    this.fc2 = new Linear(ps.pp("fc2"), 8, 2);
  }
  /** @param {Variable} x */
  forward(x) {
    return this.fc2.forward(relu(this.fc1.forward(x)));
  }
}

const x = new Variable(Tensor.from(new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]), [4, 2]));
const y = new Int32Array([0, 1, 1, 0]);
const model = new Mlp(ParamSource.init(1));
const opt = new Adam(model.parameters(), { lr: 0.05 });
let first = NaN;
let last = NaN;
for (let step = 0; step < 200; step++) {
  opt.zeroGrad();
  const loss = crossEntropyLoss(model.forward(x), y);
  loss.backward();
  opt.step();
  if (step === 0) first = loss.item();
  last = loss.item();
}
console.log(`xor: loss ${first.toFixed(4)} → ${last.toFixed(4)} (${model.numParameters()} parameters)`);
if (!(last < first / 10)) {
  console.error("pack-smoke: the loss did not fall");
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), "mini-nn-smoke-ckpt-"));
try {
  await saveCheckpoint(join(dir, "ck"), { model, optimizer: opt, step: 200, config: { hidden: 8 } });
  const copy = new Mlp(ParamSource.init(2));
  const ck = await loadCheckpoint(join(dir, "ck"), { model: copy });
  const a = noGrad(() => model.forward(x)).value.toArray();
  const b = noGrad(() => copy.forward(x)).value.toArray();
  if (ck.step !== 200 || a.some((v, i) => v !== b[i])) {
    console.error("pack-smoke: checkpoint round trip changed the outputs");
    process.exit(1);
  }
  console.log("checkpoint: round trip exact");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
JS

echo "pack-smoke: type-checking the consumer against the published types"
"$repo/node_modules/.bin/tsc" --noEmit --allowJs --checkJs --strict --skipLibCheck \
  --target ES2022 --module NodeNext --moduleResolution NodeNext \
  --types node --typeRoots "$repo/node_modules/@types" smoke.mjs

echo "pack-smoke: running"
node smoke.mjs
echo "pack-smoke: ok"
