"""Where a model's chains first leave the worked solution: for each development problem, the step at which a
chain's calculation (an annotation's left side, `<<12*7=…`) first differs from the corpus's own chain for
that problem, counted by family, level and step, with examples of what the model wrote instead.

    /usr/bin/python3 training/copy_errors.py RESULTS.jsonl [--format anchored]

RESULTS is `cot-sc run` output on one of `training/dev/*.jsonl`; the worked chains are drawn again with the
development sets' own seed (`dev_sets.problems`), in `--format` (the chain format the model was trained on:
a chain in another order would differ at every step). A first wrong step whose operands are not the ones the
question or an earlier step gave is a copying error, not an arithmetic one (`training/move_errors.py`
counts those). This is how the anchored chain format was chosen: phase 8's `hard` chains went wrong by
copying the years of an ages question (64% of chains), the younger child's first share (74%), a shopping
bill and item counts (57–88%), and `a quarter` (48%), while their arithmetic was nearly clean.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter, defaultdict

sys.path.insert(0, os.path.dirname(__file__))
import corpus  # noqa: E402
import dev_sets  # noqa: E402

CALCULATION = re.compile(r"<<([^>=]*)=")


def calculations(chain: str) -> list[str]:
    """The left side of every annotation, in order: `<<12*7=12*5+12*2=84>>` gives `12*7`."""
    return CALCULATION.findall(chain)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--format", default="carryless", help="the chain format the model was trained on")
    args = ap.parse_args()
    corpus.CHAIN_FORMAT = args.format
    worked = {f"dev-{name}-{i + 1:04d}": p for name, drawn in dev_sets.problems().items() for i, p in enumerate(drawn)}

    reached: Counter = Counter()
    wrong: Counter = Counter()
    examples: dict = defaultdict(list)
    with open(args.results, encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            if "id" not in record:
                continue  # the header line
            p = worked[record["id"]]
            if str(p.answer) != str(record["gold"]):
                raise SystemExit(f"{args.results}: {record['id']} is not the development problem drawn again")
            expected = calculations(p.chain)
            for chain in record["chains"]:
                written = calculations(chain["text"])
                for i, calculation in enumerate(expected):
                    key = (p.family, p.level, i + 1)
                    reached[key] += 1
                    if i >= len(written) or written[i] != calculation:
                        wrong[key] += 1
                        examples[key].append(f"{calculation} → {written[i] if i < len(written) else '(none)'}")
                        break

    print("| family | level | step | chains reaching it | first wrong here | examples (expected → written) |")
    print("|---|---|---|---|---|---|")
    for key in sorted(reached):
        family, level, step = key
        share = wrong[key] / reached[key]
        print(f"| {family} | {level} | {step} | {reached[key]} | {100 * share:.0f}% | {'; '.join(examples[key][:3])} |")


if __name__ == "__main__":
    main()
