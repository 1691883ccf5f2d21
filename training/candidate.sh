#!/usr/bin/env bash
# A trained checkpoint as a candidate model directory, measured on the development sets (never fixtures/):
#   training/candidate.sh CHECKPOINT DIR [SETS]
# exports CHECKPOINT (train_worked.py's worked.pt) into DIR beside the shipped model's tokenizer, then runs `cot-sc run` on each
# development set (default: easy,medium,hard,reworded_medium,reworded_hard,handwritten) with 10 chains, seed 1, the
# model's defaults, and prints one line per set: single chain, majority, verified.
# Sets already measured (DIR/dev-SET.json exists and is newer than the weights) are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
CHECKPOINT=$1
DIR=$2
SHIPPED=models/cot-sc-gpt2-tiny
SETS=${3:-easy,medium,hard,reworded_medium,reworded_hard,handwritten}
mkdir -p "$DIR"
if [ ! -s "$DIR/model.onnx" ] || [ "$CHECKPOINT" -nt "$DIR/model.onnx" ]; then
  cp "$SHIPPED"/{cot-sc.json,tokenizer.json,tokenizer_config.json} "$DIR/"
  training/python.sh training/reexport.py --checkpoint "$CHECKPOINT" --out "$DIR" > "$DIR/export.log" 2>&1
fi
for set in ${SETS//,/ }; do
  summary="$DIR/dev-$set.json"
  if [ ! -s "$summary" ] || [ "$DIR/model.onnx" -nt "$summary" ]; then
    node dist/cli/main.js run "training/dev/$set.jsonl" --model "$DIR" --samples 10 --seed 1 --concurrency 8 \
      --out "$DIR/dev-$set.jsonl" --overwrite --summary "$summary" > /dev/null
  fi
  node -e "const s = require('./$summary'); const p = (x) => (100 * x).toFixed(1) + '%';
    console.log('$set', 'single', p(s.singleChainAccuracy), 'majority', p(s.votedAccuracy.majority), 'verified', p(s.votedAccuracy.verified), Math.round(s.wallSeconds) + ' s');"
done
