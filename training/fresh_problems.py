"""Fresh problems for a self-improvement round (issue 17): generated like the training corpus (every
family and level, most reworded, with `--wording` the vocabulary the shipped weights were trained on),
none of them a fixture or development question, from a seed the training stream does not use. Gold
answers are kept in `answer`, but `cot-sc distill` uses them only to report its pseudo-labels' precision,
never to select.

    /usr/bin/python3 training/fresh_problems.py --count 2000 --seed 9001 [--wording wide] > training/work/fresh.jsonl
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(__file__))
import train_worked  # noqa: E402
from train import fixture_questions  # noqa: E402
from train_worked import WORDING, dev_questions, problem  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=9001)
    ap.add_argument("--wording", choices=list(WORDING), default="train",
                    help="the reworded questions' vocabulary (train_worked.py's --wording; the shipped weights' own)")
    args = ap.parse_args()
    # why: problem() rewords with train_worked's module-level wording, which its own main() sets from --wording
    train_worked.wording = WORDING[args.wording]
    rng = random.Random(args.seed)
    held_out = fixture_questions() | dev_questions()
    seen: set[str] = set()
    while len(seen) < args.count:
        p = problem(rng)
        if p.question in held_out or p.question in seen:
            continue
        seen.add(p.question)
        answer = p.chain.rsplit("####", 1)[1].strip()
        print(json.dumps({"id": f"fresh-{len(seen)}", "question": p.question, "answer": answer}, ensure_ascii=False))


if __name__ == "__main__":
    main()
