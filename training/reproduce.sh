#!/usr/bin/env bash
# Reproduce the shipped model from scratch: phase 1, phase 2 from phase 1's weights (the plain chain
# format), phase 3 from phase 2's (worked arithmetic, reworded questions, drills), phase 4 (phase 3's
# recipe again from its weights, a fresh schedule and seed), phase 5 (the same for another hour: the
# control of issue 17's self-improvement round), phase 6 (the placed chain format: sums and differences
# by place value), phase 7 (issue 17's self-improvement round on phase 6: its own verified, voted chains on
# 2,000 unlabeled problems mixed into the corpus, beside a control fine-tune), phase 8 (the carryless
# chain format: sums and differences with no carry or borrow in any link), phase 9 (the anchored chain
# format: numbers the model must copy written right after words it can match exactly), phase 11 (the
# restated_apples format: the apple chains restate the question's numbers with their words), phase 12 (the
# same in a much wider wording), phase 14 (phase 12's chains with the rates sentences in steady orders), phase 15 (two
# self-improvement rounds on phase 14, ending with the second round's control), phase 16 (three-item
# shopping drawn more often), phase 17 (half the names and objects made up afresh for each problem), phase 19
# (pronouns and the past tense), phase 20 (phases 17 and 19 averaged weight by weight), export, evaluation
# (through cot-sc: run `npm ci` first). See models/cot-sc-gpt2-tiny/MODEL_CARD.md for the times.
set -euo pipefail
cd "$(dirname "$0")/.."
export COT_SC_CHAIN_FORMAT=plain
training/run.sh --skip-eval
cp training/work/checkpoint.pt training/work/phase1.pt
training/run.sh --init training/work/phase1.pt --seed 101 --examples 30000 --progress-from 0.5 --lr 1e-3 \
  --warmup 50 --batch-tokens 4096 --exclude-fixtures --skip-eval
unset COT_SC_CHAIN_FORMAT
/usr/bin/python3 training/dev_sets.py
training/run_worked.sh --init training/work/checkpoint.pt --seed 301 --minutes 100   # --resume after an interruption
cp training/work/worked.pt training/work/phase3.pt && rm -f training/work/worked-state.pt
training/run_worked.sh --init training/work/phase3.pt --seed 302 --lr 6e-4 --minutes 110   # --resume after an interruption
cp training/work/worked.pt training/work/phase4.pt && rm -f training/work/worked-state.pt
training/run_worked.sh --init training/work/phase4.pt --seed 303 --lr 6e-4 --minutes 60 --threads 1   # --resume after an interruption
cp training/work/worked.pt training/work/phase5.pt && rm -f training/work/worked-state.pt
training/run_worked.sh --init training/work/phase5.pt --seed 304 --lr 6e-4 --minutes 85 --chain-format placed   # --resume after an interruption
training/python.sh training/reexport.py --checkpoint training/work/worked.pt
npm run build
training/self_improve.sh 60 training/work/round6 placed   # resumes after an interruption
training/run_worked.sh --init training/work/round6/trainA/worked.pt --seed 306 --lr 6e-4 --minutes 85 \
  --chain-format carryless --work training/work/phase8   # --resume after an interruption
training/run_worked.sh --init training/work/phase8/worked.pt --seed 307 --lr 6e-4 --minutes 85 \
  --chain-format anchored --work training/work/phase9   # --resume after an interruption
training/run_worked.sh --init training/work/phase9/worked.pt --seed 311 --lr 5e-4 --minutes 80 \
  --chain-format restated_apples --work training/work/phase11   # --resume after an interruption
training/run_worked.sh --init training/work/phase11/worked.pt --seed 312 --lr 5e-4 --minutes 80 \
  --chain-format restated_apples --wording wide --work training/work/phase12   # --resume after an interruption
# phase 13 (cued, seed 313) was shipped before phase 14, which starts from phase 12's weights as well
training/run_worked.sh --init training/work/phase12/worked.pt --seed 314 --lr 5e-4 --minutes 80 \
  --chain-format restated_apples --wording wide_steady_rates --work training/work/phase14   # --resume after an interruption
training/python.sh training/reexport.py --checkpoint training/work/phase14/worked.pt
# phase 15: two self-improvement rounds (issue 17) from phase 14, each with its control; the second round's
# control (B2: round 1's A for 60 more minutes on the corpus alone) won the development sets (phase 15)
npm run build
training/self_improve.sh 60 training/work/round14 restated_apples 315 9101 wide_steady_rates   # resumes after an interruption
training/self_improve.sh 60 training/work/round14b restated_apples 316 9102 wide_steady_rates training/work/round14/candA
# phase 16: B2's recipe with a quarter of the word problems three-item shopping (what `hard` still got wrong)
training/run_worked.sh --init training/work/round14b/trainB/worked.pt --seed 317 --lr 5e-4 --minutes 60 \
  --chain-format restated_apples --wording wide_steady_rates --threads 2 --focus shopping:3:0.2 \
  --work training/work/phase16   # --resume after an interruption
# phase 17: phase 16's recipe, half the names and objects made up afresh for each problem (the wide_fresh wording)
training/run_worked.sh --init training/work/phase16/worked.pt --seed 318 --lr 5e-4 --minutes 60 \
  --chain-format restated_apples --wording wide_fresh --threads 2 --focus shopping:3:0.2 \
  --work training/work/phase17   # --resume after an interruption
# phase 18 (wide_spoken, seed 319) was not shipped; phase 19: phase 17 + pronouns and the past tense on phase
# 16's wording; phase 20: phases 17 and 19 averaged weight by weight
training/run_worked.sh --init training/work/phase17/worked.pt --seed 320 --lr 3e-4 --minutes 80 \
  --chain-format restated_apples --wording wide_steady_spoken --threads 2 \
  --work training/work/phase19   # --resume after an interruption
/usr/bin/python3 training/soup.py training/work/phase17/worked.pt training/work/phase19/worked.pt \
  training/work/soup19/worked.pt --alpha 0.5
# phase 21 (wide_mix, seed 321) was not shipped; phase 22 (shipped before phase 24): phase 20 + English apple
# chains that quote the question's multiple (the quoted_ratio format), questions in the three wordings mixed
training/run_worked.sh --init training/work/soup19/worked.pt --seed 322 --lr 3e-4 --minutes 80 \
  --chain-format quoted_ratio --wording wide_mix --threads 2 \
  --work training/work/phase22   # --resume after an interruption
# phase 23 (phase 22 + --focus shopping:3:0.2, seed 323, 60 min) was not shipped
# phase 24 (shipped): phase 22 + rates chains that quote the question's bonus and spending sentences (the
# quoted_rates format), 15% of the word problems level-3 rates
training/run_worked.sh --init training/work/phase22/worked.pt --seed 324 --lr 3e-4 --minutes 60 \
  --chain-format quoted_rates --wording wide_mix --threads 2 --focus rates:3:0.15 \
  --work training/work/phase24   # --resume after an interruption
training/python.sh training/reexport.py --checkpoint training/work/phase24/worked.pt
/usr/bin/python3 training/fixture_eval.py
