#!/usr/bin/env bash
# One self-improvement round (issue 17) on top of the shipped model, with a control:
#   1. 2,000 fresh unlabeled problems (training/fresh_problems.py; their gold answers are used only to
#      report the pseudo-labels' precision)
#   2. `cot-sc run --out` solves them (10 chains a problem), `cot-sc distill` on its results keeps the
#      verified chains that agree with a clear vote
#   3. two fine-tunes from the shipped weights, side by side, equal minutes and settings:
#      A mixes the distilled chains into the corpus (30% of rows), B is the control on the corpus alone,
#      so that what A gains over B is what the distilled chains gave, not the extra training
#   4. both exported and measured by training/candidate.sh on the reworded development sets (10 chains),
#      then on fixtures medium + hard (20 chains, seed 1, the model's defaults), as issue 12 measures them
# Every step is skipped when its output exists, so the script resumes after an interruption (the
# fine-tunes resume from their own saved state).
#   training/self_improve.sh [MINUTES] [WORK] [CHAIN_FORMAT] [SEED] [FRESH_SEED] [WORDING] [BASE]
# MINUTES of training (default 60; about 2 hours in all on 2 cores), WORK the round's folder (default
# training/work/round6; the phase-4 round lives in training/work/round), CHAIN_FORMAT the corpus's chain
# format, which must be the one the shipped weights were trained on (default placed, phase 6's), SEED the
# fine-tunes' stream seed (default 305) and FRESH_SEED the unlabeled problems' (default 9001; a round on
# weights that already trained on distilled chains of those problems needs another, so that they are fresh),
# WORDING the corpus's wording, again the shipped weights' own (default train; phase 12 on: wide or
# wide_steady_rates), so that the control B trains on the very stream the shipped model left off on (and the
# fresh problems are reworded in it). BASE is the model directory the round starts from (default the shipped
# model): its weights solve the fresh problems and initialise both fine-tunes, so a second round passes the
# first round's candidate A (e.g. training/work/round14/candA) with a new FRESH_SEED.
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${1:-60}
W=${2:-training/work/round6}
FORMAT=${3:-placed}
SEED=${4:-305}
FRESH_SEED=${5:-9001}
WORDING=${6:-train}
mkdir -p "$W"
CLI="node dist/cli/main.js"
BASE=${7:-models/cot-sc-gpt2-tiny}

[ -s "$W/fresh.jsonl" ] || /usr/bin/python3 training/fresh_problems.py --count 2000 --seed "$FRESH_SEED" --wording "$WORDING" > "$W/fresh.jsonl"
if [ ! -s "$W/distill.json" ]; then
  # solved into a results file first (written as each problem finishes, resumed after an interruption),
  # then distilled from it without decoding
  resume=()
  [ -s "$W/fresh-results.jsonl" ] && resume=(--resume)
  $CLI run "$W/fresh.jsonl" --model "$BASE" --samples 10 --concurrency 8 --out "$W/fresh-results.jsonl" "${resume[@]}" > "$W/fresh-run.txt"
  $CLI distill "$W/fresh-results.jsonl" --out "$W/distilled.jsonl" --overwrite --json > "$W/distill.json.tmp"
  mv "$W/distill.json.tmp" "$W/distill.json"
fi

train() {  # $1: A or B, then extra arguments
  local name=$1; shift
  [ -s "$W/train$name/worked.pt" ] && return 0
  local resume=()
  [ -s "$W/train$name/worked-state.pt" ] && resume=(--resume)
  nice -n 15 training/run_worked.sh --init "$BASE/pytorch_checkpoint.pt" --seed "$SEED" --lr 6e-4 \
    --minutes "$MINUTES" --threads 1 --chain-format "$FORMAT" --wording "$WORDING" --work "$W/train$name" "${resume[@]}" "$@" \
    > "$W/train$name.log" 2>&1
}
train A --distilled "$W/distilled.jsonl" --distilled-share 0.3 &
train B &
wait

# the reworded development sets (the shipped model's own figures: training/candidate.sh on its checkpoint)
for name in A B; do
  training/candidate.sh "$W/train$name/worked.pt" "$W/cand$name" reworded_medium,reworded_hard | sed "s/^/$name /"
done

# fixtures medium + hard at 20 chains, as issue 12 measures them (the shipped model's figures are in its card)
for name in A B; do
  [ -s "$W/eval$name/fixture_eval.json" ] || /usr/bin/python3 training/fixture_eval.py --model "$W/cand$name" --sets medium,hard --work "$W/eval$name" > "$W/eval$name.log"
done
echo "self-improvement round done: $W"
