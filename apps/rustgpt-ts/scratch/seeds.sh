#!/bin/sh
cd /work/main/apps/rustgpt-ts
for s in 1 2 3; do
  for d in app rg; do
    if [ $d = app ]; then P=data/pretraining.json; C=data/chat.json; else P=/work/shared/data/rustgpt/pretraining_data.json; C=/work/shared/data/rustgpt/chat_training_data.json; fi
    echo "== seed $s data $d"
    SEED=$s npx tsx --conditions=@mini/source scratch/train1.ts $P $C tiny "$@" 2>&1 | grep -E "final|exact-match|completed"
  done
done
