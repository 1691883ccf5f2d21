"""Arithmetic drill rows: the corpus's calculations on their own, in the chains' worked form.

A word problem holds four to six calculations among a few hundred characters of text; a drill row holds a
dozen in as many characters as one problem, with operands drawn from the ranges the word problems use.
Loss is taken only where the row is predictable: after the first `=` of each annotation (the operands are
random, so predicting them teaches nothing).
"""
from __future__ import annotations

import math
import random

import arith

PERCENTS = [5, 10, 12, 15, 20, 25, 30, 35, 40, 45, 50, 60, 75]


def expression(rng: random.Random) -> str:
    kind = rng.choices(["mul", "mul_big", "mul_2x2", "add", "add3", "sub", "div", "div_rest", "percent"],
                       weights=[14, 12, 6, 14, 8, 16, 12, 6, 8])[0]
    if kind == "mul":
        a, b = rng.randint(2, 40), rng.randint(2, 12)
        return f"{a}*{b}" if rng.random() < 0.5 else f"{b}*{a}"
    if kind == "mul_big":
        return f"{rng.randint(100, 999)}*{rng.randint(2, 9)}"
    if kind == "mul_2x2":
        return f"{rng.randint(10, 30)}*{rng.randint(10, 30)}"
    if kind == "add":
        return f"{rng.randint(1, rng.choice([99, 999, 5000]))}+{rng.randint(1, rng.choice([99, 999]))}"
    if kind == "add3":
        return "+".join(str(rng.randint(1, rng.choice([99, 300]))) for _ in range(3))
    if kind == "sub":
        a = rng.randint(2, rng.choice([100, 1000, 6000]))
        return f"{a}-{rng.randint(1, a)}"
    if kind == "div":
        b = rng.randint(2, 9)
        return f"{b * rng.randint(1, rng.choice([30, 200]))}/{b}"
    if kind == "div_rest":
        b = rng.choice([2, 2, 2, 3, 4])
        shared = b * rng.randint(1, 150)
        diff = rng.randint(1, 40)
        return f"({shared + diff}-{diff})/{b}"
    pct = rng.choice(PERCENTS)
    d = 100 // math.gcd(pct, 100)
    return f"{d * rng.randint(1, max(1, 900 // d))}*{pct}/100"


def row(rng: random.Random, max_chars: int = 320, placed: bool = False, carryless: bool = False) -> tuple[str, list[int]]:
    """A drill row and its loss mask (1 = train on this character); `placed`, `carryless` as in `arith.work`."""
    text, mask = "", []
    while True:
        e = expression(rng)
        body = arith.work(e, placed, carryless)
        line = f"<<{body}>>{body.rsplit('=', 1)[1]}\n"
        if text and len(text) + len(line) > max_chars:
            return text, mask
        first = line.index("=")
        text += line
        mask += [0] * (first + 1) + [1] * (len(line) - first - 1)
