"""The shipped model on fixtures/ as issue 12 measures it: `cot-sc run`, seed 1, the model's defaults, no
calculator, 20 chains per problem. Per set: single chain, majority and verified vote of 20, the share of
arithmetic-clean chains, pass@20 (some chain right), and the share of problems where the most frequent
wrong answer outvotes the right one. Writes training/work/fixture_eval.json.

    /usr/bin/python3 training/fixture_eval.py        # after `npm ci`; about 35 minutes on 2 cores
    /usr/bin/python3 training/fixture_eval.py --model training/work/candidate --sets medium,hard --work training/work/candidate-eval
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
from collections import Counter

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SETS = ["easy", "medium", "hard", "apples_en", "apples_zh", "reference"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", help="model directory (default: the shipped model)")
    ap.add_argument("--sets", default=",".join(SETS), help="comma-separated fixture sets")
    ap.add_argument("--work", default=os.path.join(ROOT, "training", "work"), help="where the results go")
    args = ap.parse_args()
    work = args.work
    os.makedirs(work, exist_ok=True)
    model = ["--model", args.model] if args.model else []
    table = {}
    for name in args.sets.split(","):
        out = os.path.join(work, f"fixture-{name}.jsonl")
        summary_path = os.path.join(work, f"fixture-{name}-summary.json")
        subprocess.run(["node", os.path.join(ROOT, "dist", "cli", "main.js"), "run", os.path.join(ROOT, "fixtures", f"{name}.jsonl"),
                        "--samples", "20", "--seed", "1", "--concurrency", "8", "--out", out, "--overwrite",
                        "--summary", summary_path, *model], check=True, stdout=subprocess.DEVNULL)
        summary = json.load(open(summary_path))
        records = [json.loads(line) for line in open(out, encoding="utf-8") if line.strip()]
        records = [r for r in records if "id" in r]
        chains = [c for r in records for c in r["chains"]]
        outvoted = 0
        for r in records:
            counts = Counter(c["answer"] for c in r["chains"] if c["answer"] is not None)
            right = sum(n for a, n in counts.items() if c_right(r, a))
            wrong = max([n for a, n in counts.items() if not c_right(r, a)], default=0)
            outvoted += wrong > right
        table[name] = {
            "problems": len(records),
            "single_chain": summary["singleChainAccuracy"],
            "majority_of_20": summary["votedAccuracy"]["majority"],
            "verified_of_20": summary["votedAccuracy"]["verified"],
            "logprob_of_20": summary["votedAccuracy"]["logprob"],
            "arithmetic_clean_chains": sum(c["verified"] is True for c in chains) / len(chains),
            "pass_at_20": sum(any(c["correct"] for c in r["chains"]) for r in records) / len(records),
            "wrong_outvotes_right": outvoted / len(records),
            "seconds": round(summary["wallSeconds"]),
        }
        print(name, table[name], flush=True)
    with open(os.path.join(work, "fixture_eval.json"), "w") as f:
        json.dump(table, f, indent=1)


def c_right(record: dict, answer: str) -> bool:
    # the chains' `correct` flag is the engine's own comparison with the gold answer
    return any(c["answer"] == answer and c["correct"] for c in record["chains"])


if __name__ == "__main__":
    main()
