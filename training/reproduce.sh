#!/usr/bin/env bash
# Reproduce the shipped model from scratch: phase 1, then phase 2 from phase 1's weights, then evaluation
# (through cot-sc: run `npm ci` first). See models/cot-sc-gpt2-tiny/MODEL_CARD.md for the times.
set -euo pipefail
cd "$(dirname "$0")/.."
training/run.sh --skip-eval
cp training/work/checkpoint.pt training/work/phase1.pt
training/run.sh --init training/work/phase1.pt --seed 101 --examples 30000 --progress-from 0.5 --lr 1e-3 \
  --warmup 50 --batch-tokens 4096 --exclude-fixtures
