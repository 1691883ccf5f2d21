"""One chain's and the majority vote's accuracy per family and level, for a `cot-sc run` output on a
development set (whose rows carry `family`, and `level` but for the handwritten set): where a candidate gains or loses.

    /usr/bin/python3 training/by_family.py training/dev/reworded_hard.jsonl DIR/dev-reworded_hard.jsonl [OTHER.jsonl]

With a second output, both side by side (the first, then the other).
"""
from __future__ import annotations

import json
import sys
from collections import defaultdict


def table(dev_path: str, out_path: str) -> dict[str, tuple[int, float, float]]:
    dev = {}
    with open(dev_path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                dev[row["id"]] = f"{row['family']}:{row.get('level', '-')}"  # the handwritten set has no levels
    sums: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    with open(out_path, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line) if line.strip() else {}
            if "id" not in row:
                continue  # the header line
            s = sums[dev[row["id"]]]
            s[0] += 1
            s[1] += row["chainAccuracy"]
            s[2] += 1.0 if row["byRule"]["majority"]["correct"] else 0.0
    return {k: (int(n), 100 * a / n, 100 * m / n) for k, (n, a, m) in sorted(sums.items())}


def main() -> None:
    dev_path, *outs = sys.argv[1:]
    tables = [table(dev_path, out) for out in outs]
    for key in tables[0]:
        cells = [f"{t[key][1]:5.1f} / {t[key][2]:3.0f}" if key in t else "   -" for t in tables]
        print(f"{key:16} {tables[0][key][0]:3}  " + "   ".join(cells))


if __name__ == "__main__":
    main()
