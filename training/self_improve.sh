#!/usr/bin/env bash
# One self-improvement round (issue 17) on top of the shipped model, with a control:
#   1. 2,000 fresh unlabeled problems (training/fresh_problems.py; their gold answers are used only to
#      report the pseudo-labels' precision)
#   2. `cot-sc distill` keeps the verified chains that agree with a clear vote (10 chains a problem)
#   3. two fine-tunes from the shipped weights, side by side, equal minutes and settings:
#      A mixes the distilled chains into the corpus (30% of rows), B is the control on the corpus alone,
#      so that what A gains over B is what the distilled chains gave, not the extra training
#   4. both exported, then measured with the shipped model on fixtures medium + hard (20 chains, seed 1,
#      the model's defaults) and on the reworded development sets (10 chains)
# Every step is skipped when its output exists, so the script resumes after an interruption (the
# fine-tunes resume from their own saved state). Results: training/work/round/*.json.
#   training/self_improve.sh [MINUTES]      # default 60 minutes of training; about 2 hours in all on 2 cores
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${1:-60}
W=training/work/round
mkdir -p "$W"
CLI="node dist/cli/main.js"
SHIPPED=models/cot-sc-gpt2-tiny

[ -s "$W/fresh.jsonl" ] || /usr/bin/python3 training/fresh_problems.py --count 2000 --seed 9001 > "$W/fresh.jsonl"
if [ ! -s "$W/distill.json" ]; then
  $CLI distill "$W/fresh.jsonl" --samples 10 --concurrency 8 --out "$W/distilled.jsonl" --overwrite --json > "$W/distill.json.tmp"
  mv "$W/distill.json.tmp" "$W/distill.json"
fi

train() {  # $1: A or B, then extra arguments
  local name=$1; shift
  [ -s "$W/train$name/worked.pt" ] && return 0
  local resume=()
  [ -s "$W/train$name/worked-state.pt" ] && resume=(--resume)
  nice -n 15 training/run_worked.sh --init "$SHIPPED/pytorch_checkpoint.pt" --seed 303 --lr 6e-4 \
    --minutes "$MINUTES" --threads 1 --work "$W/train$name" "${resume[@]}" "$@" > "$W/train$name.log" 2>&1
}
train A --distilled "$W/distilled.jsonl" --distilled-share 0.3 &
train B &
wait

for name in A B; do
  if [ ! -s "$W/cand$name/model.onnx" ] || [ "$W/train$name/worked.pt" -nt "$W/cand$name/model.onnx" ]; then
    mkdir -p "$W/cand$name"
    cp "$SHIPPED"/{config.json,cot-sc.json,generation_config.json,tokenizer.json,tokenizer_config.json} "$W/cand$name/"
    training/python.sh training/reexport.py --checkpoint "$W/train$name/worked.pt" --out "$W/cand$name" > "$W/export$name.log" 2>&1
  fi
done

# reworded development sets: the shipped model and both candidates, 10 chains, seed 1
for model in shipped A B; do
  dir=$SHIPPED; [ "$model" = shipped ] || dir="$W/cand$model"
  for set in reworded_medium reworded_hard; do
    [ -s "$W/dev-$model-$set.json" ] && continue
    $CLI run "training/dev/$set.jsonl" --model "$dir" --samples 10 --seed 1 --concurrency 8 \
      --out "$W/dev-$model-$set.jsonl" --overwrite --summary "$W/dev-$model-$set.json" > /dev/null
  done
done

# fixtures medium + hard at 20 chains, as issue 12 measures them (the shipped model's figures are in its card)
for name in A B; do
  [ -s "$W/eval$name/fixture_eval.json" ] || /usr/bin/python3 training/fixture_eval.py --model "$W/cand$name" --sets medium,hard --work "$W/eval$name" > "$W/eval$name.log"
done
echo "self-improvement round done: $W"
