"""Which arithmetic moves a model's chains get wrong: every link of every `<<…>>` annotation in `cot-sc run`
results, classified by the move it makes (a place part added or subtracted, with or without a carry or
borrow; a division's split; a product's parts …), with the share of each move that is wrong.

    /usr/bin/python3 training/move_errors.py results.jsonl [more.jsonl …]

A link `a=b` is one move: b's value must equal a's. This is how the carryless chain format was chosen
(`arith.part_moves`): in phase 6's development chains carries and borrows were most of the errors."""
from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from fractions import Fraction

ARITH = re.compile(r"^[\d+\-*/() ]+$")


def value(expression: str) -> Fraction | None:
    """Exact value of a plain arithmetic expression (digits, + - * / and parentheses), else None."""
    if not ARITH.fullmatch(expression):
        return None
    try:
        # why: Fraction literals keep divisions exact; the regex above admits nothing but arithmetic
        return Fraction(eval(re.sub(r"\d+", lambda m: f"Fraction({m[0]})", expression), {"Fraction": Fraction}))
    except (SyntaxError, ZeroDivisionError, TypeError):
        return None


def move(a: str, b: str) -> str:
    """The kind of move from link a to link b."""
    m = re.fullmatch(r"(\d+)([+-])(\d+)((?:[+-]\d+)*)", a)
    if m:
        x, op, y = int(m[1]), m[2], int(m[3])
        if re.fullmatch(r"\d+(?:[+-]\d+)*", b) and len(re.split(r"[+-]", b)) >= len(re.split(r"[+-]", a)):
            return f"{op} split into parts"
        w = 10 ** len(m[3])
        if op == "+":
            extra = "carry" if x % w + y >= w else "no carry"
        else:
            extra = "borrow" if x % w < y else "no borrow"
        return f"{op} {len(m[3])}-digit part, {extra}"
    if re.fullmatch(r"\d+/\d+", a):
        return "/ split the dividend" if b.startswith("(") else "/ at once"
    if re.fullmatch(r"\(\d+(?:\+\d+)+\)/\d+", a):
        return "/ divide the parts"
    if re.fullmatch(r"\d+\*\d+", a):
        return "* split a factor" if "+" in b else "* table fact"
    if "*" in a and "+" in a:
        return "* multiply the parts"
    return "other: " + re.sub(r"\d+", "n", a)


def main(paths: list[str]) -> None:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    examples: dict[str, list[str]] = defaultdict(list)
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                record = json.loads(line)
                for chain in record.get("chains", []):
                    for body in re.findall(r"<<([^<>]*)>>", chain["text"]):
                        links = body.split("=")
                        for a, b in zip(links, links[1:]):
                            va, vb = value(a), value(b)
                            if va is None or vb is None:
                                continue
                            kind = move(a.replace(" ", ""), b.replace(" ", ""))
                            counts[kind][0] += 1
                            if va != vb:
                                counts[kind][1] += 1
                                if len(examples[kind]) < 3:
                                    examples[kind].append(f"{a}={b}")
    total = sum(n for n, _ in counts.values())
    wrong = sum(w for _, w in counts.values())
    print(f"{total} moves, {wrong} wrong ({100 * wrong / max(1, total):.1f}%)")
    print(f"{'move':32} {'moves':>7} {'wrong':>6} {'share':>6} {'of errors':>9}  examples")
    for kind, (n, w) in sorted(counts.items(), key=lambda kv: -kv[1][1]):
        print(f"{kind:32} {n:7} {w:6} {100 * w / n:5.1f}% {100 * w / max(1, wrong):8.0f}%  {' | '.join(examples[kind])}")


if __name__ == "__main__":
    main(sys.argv[1:])
