"""How often English apple chains state the question's multiple right: the line every wording fine-tune since
phase 17 moved (`The older took twice as many as the younger.` for the question's `three times`).

    /usr/bin/python3 training/ratio_lines.py DIR/dev-apples_en.jsonl [OTHER.jsonl ...]

For each `cot-sc run` output (rows with `question` and `chains`), per chain: the multiple its first line that says
one names (`twice`, `two times`, `double`, `three times`, …, in the restated line or the quoted_ratio quote)
against the question's; the divisor of the step that works out the younger's first share (`<<75/3=`, the multiple
plus one) against the question's; and the share of chains right end to end. Prints one line per output.
"""
from __future__ import annotations

import json
import re
import sys

# the words the corpus and its wordings use for a multiple, by value
MULTIPLES = {"twice": 2, "two times": 2, "2 times": 2, "double": 2, "three times": 3, "3 times": 3,
             "four times": 4, "4 times": 4}
MULTIPLE = re.compile(r"\b(" + "|".join(sorted(MULTIPLES, key=len, reverse=True)) + r")\b", re.IGNORECASE)
# a sentence that gives the older's share as a multiple of the younger's
CLAUSE = re.compile(r"older\b[^.?!:;]*?(?:as many as|the share of)", re.IGNORECASE)
# the step that works out the younger's first share: the total divided by the multiple plus one
FIRST_SHARE = re.compile(r"^At first the younger took <<\d+/(\d+)=", re.M)


def multiple(text: str) -> int | None:
    """The multiple the first clause about the older's share names, or None."""
    for clause in CLAUSE.finditer(text):
        m = MULTIPLE.search(clause.group(0))
        if m:
            return MULTIPLES[m.group(1).lower()]
    return None


def measure(path: str) -> tuple[int, int, int, int, int, int]:
    """(chains, chains stating a multiple, of those right, chains dividing for the first share, of those by the
    question's multiple plus one, chains right end to end)."""
    chains = stated = right = divided = divided_right = correct = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line) if line.strip() else {}
            if "chains" not in row:
                continue  # the header line
            asked = multiple(row["question"])
            for chain in row["chains"]:
                chains += 1
                said = multiple(chain["text"])
                if said is not None:
                    stated += 1
                    right += said == asked
                step = FIRST_SHARE.search(chain["text"])
                if step is not None and asked is not None:
                    divided += 1
                    divided_right += int(step.group(1)) == asked + 1
                correct += 1 if chain.get("correct") else 0
    return chains, stated, right, divided, divided_right, correct


def main() -> None:
    for path in sys.argv[1:]:
        chains, stated, right, divided, divided_right, correct = measure(path)
        print(f"{path}: {chains} chains; {stated} state a multiple, {100 * right / max(stated, 1):.1f}% of those the "
              f"question's; {divided} divide for the first share, {100 * divided_right / max(divided, 1):.1f}% by the "
              f"question's multiple + 1; {100 * correct / max(chains, 1):.1f}% right end to end")


if __name__ == "__main__":
    main()
