"""Worked arithmetic in small checkable steps, for the chains the shipped model is trained on.

A small character-level model cannot compute `7*24` or `312/4` in one token-by-token pass, but it can
recall a times-table fact and append zeros, and add two aligned numbers. So a calculation is written as
a chain of equal values, each link one easy move, all of which cot-sc's verifier checks (every `=` in an
annotation is a step):

    7*24        = 7*20+7*4 = 140+28 = 168          multiply by place value, then add
    682*2       = 600*2+80*2+2*2 = 1200+160+4 = 1360+4 = 1364
    312/4       = (280+32)/4 = 70+8 = 78            long division: the quotient's digits one at a time
    29+145+138  = 174+138 = 312                     one addition at a time
    775*12/100  = (775*10+775*2)/100 = (7750+1550)/100 = 9300/100 = 93

With `placed=True` (the `placed` chain format, phase 6 on), sums and differences are worked by place value
too, one nonzero digit of the later terms at a time, because whole-number addition and subtraction were
what the worked format still got wrong (43% of the 3-digit additions, 83% of the 3-digit subtractions in
the phase-4 model's development chains):

    144+51      = 144+50+1 = 194+1 = 195
    19+57+38    = 19+50+7+30+8 = 69+7+30+8 = 76+30+8 = 106+8 = 114
    480-23      = 480-20-3 = 460-3 = 457
    7*24        = 7*20+7*4 = 140+28 = 140+20+8 = 160+8 = 168

With `carryless=True` as well (the `carryless` chain format), no link carries or borrows: a part whose
digit would carry is added as the next power of ten less its complement, and a part that would borrow is
subtracted as the next power of ten plus its complement. Carries and borrows were what the placed format
still got wrong (phase 6's development chains: a 2-digit part added with a carry wrong 15% of the time,
without one 5%; subtracted with a borrow 31%, without one 6%), and whether one is needed is a comparison
of two digits the model can make before it writes the result's leading digits:

    144+80      = 144+100-20 = 244-20 = 224
    119-60      = 119-100+40 = 19+40 = 59
    497-176     = 497-100-70-6 = 397-70-6 = 327-6 = 321

`work(expression)` returns the text between `<<` and `>>`.
"""
from __future__ import annotations

import math
import re

def place_parts(n: int) -> list[int]:
    """The nonzero place-value parts of n, largest first: 682 -> [600, 80, 2]."""
    digits = str(n)
    parts = [int(d) * 10 ** (len(digits) - 1 - i) for i, d in enumerate(digits) if d != "0"]
    return parts or [0]


def sum_chain(terms: list[int]) -> list[str]:
    """`a+b+c` -> [`a+b+c`, `(a+b)+c` reduced, ..., total]: one addition per link."""
    links = ["+".join(map(str, terms))]
    while len(terms) > 1:
        terms = [terms[0] + terms[1]] + terms[2:]
        links.append("+".join(map(str, terms)))
    return links


def placed_sum_chain(terms: list[int], carryless: bool = False) -> list[str]:
    """`a+b+c` with every later term split into its place parts, then one part added per link:
    the running total only ever gains one nonzero digit's worth (at most one carry to propagate;
    none with `carryless`)."""
    links = ["+".join(map(str, terms))]
    parts = [p for t in terms[1:] for p in place_parts(t)]  # a zero term is its own part: 5+0 = 5
    if len(parts) > len(terms) - 1:
        links.append("+".join(map(str, [terms[0]] + parts)))
    return _dedup(links + part_moves(terms[0], parts, carryless))


def placed_difference_chain(a: int, b: int, carryless: bool = False) -> list[str]:
    """`a-b` with b split into its place parts, subtracted one per link (at most one borrow chain each;
    none with `carryless`)."""
    parts = place_parts(b)
    links = [f"{a}-{b}"]
    if len(parts) > 1:
        links.append("-".join(map(str, [a] + parts)))
    return _dedup(links + part_moves(a, [-p for p in parts], carryless))


def _digit(n: int, place: int) -> int:
    return n // 10 ** place % 10


def _signed(first: int, parts: list[int]) -> str:
    return str(first) + "".join(f"+{p}" if p >= 0 else f"-{-p}" for p in parts)


def part_moves(first: int, parts: list[int], carryless: bool = False) -> list[str]:
    """The links after `first` plus the signed place parts `parts` (each one nonzero digit, or 0), one part
    per link. With `carryless` none carries or borrows: +d*10^k where digit k of the total is 10-d or more
    becomes +10^(k+1)-(10-d)*10^k, and -d*10^k where digit k is under d becomes -10^(k+1)+(10-d)*10^k (the
    next power of ten may in turn carry or borrow, and is rewritten the same way). Subtracted parts never
    exceed what is left (a difference is taken from the larger number), so the total stays non-negative."""
    total, parts = first, list(parts)
    links = []
    while parts:
        p = parts[0]
        place = len(str(abs(p))) - 1
        d = abs(p) // 10 ** place
        if carryless and p > 0 and _digit(total, place) + d >= 10:
            parts[:1] = [10 ** (place + 1), -(10 - d) * 10 ** place]
        elif carryless and p < 0 and _digit(total, place) < d:
            parts[:1] = [-10 ** (place + 1), (10 - d) * 10 ** place]
        else:
            total += p
            parts = parts[1:]
        links.append(_signed(total, parts))
    return links


def mul_chain(a: int, b: int, placed: bool = False, carryless: bool = False) -> list[str]:
    """Links of `a*b`, first the expression itself, last the product."""
    links = [f"{a}*{b}"]
    if a < 10 and b < 10:
        return links + [str(a * b)]
    # split the multi-digit operand by place value (of two, the smaller: 12*25 = 10*25+2*25); the other
    # multiplies each part, a times-table fact followed by zeros
    if a >= 10 and b >= 10:
        split_a = a <= b
    else:
        split_a = a >= 10
    big, small = (a, b) if split_a else (b, a)
    parts = place_parts(big)
    if len(parts) == 1:
        return links + [str(a * b)]
    terms = [f"{p}*{small}" if split_a else f"{small}*{p}" for p in parts]
    links.append("+".join(terms))
    products = [p * small for p in parts]
    return links + (placed_sum_chain(products, carryless) if placed else sum_chain(products))


def div_chain(a: int, b: int) -> list[str]:
    """Links of `a/b` for an exact division: long division, the quotient's place parts one by one."""
    assert b != 0 and a % b == 0, (a, b)
    q = a // b
    links = [f"{a}/{b}"]
    parts = place_parts(q)
    # dividing by 10 or 100 drops zeros: no long division
    if len(parts) == 1 or b in (10, 100):
        return links + [str(q)]
    links.append("(" + "+".join(str(p * b) for p in parts) + f")/{b}")
    return links + sum_chain(parts)


def _expand(links: list[str], wrap: str) -> list[str]:
    """Puts each intermediate link of a sub-calculation into its context (`(…)/100`)."""
    out = []
    for link in links:
        inner = f"({link})" if "+" in link and not link.startswith("(") and wrap != "#" else link
        out.append(wrap.replace("#", inner))
    return out


def percent_chain(price: int, pct: int, placed: bool = False, carryless: bool = False) -> list[str]:
    """`price*pct/100` as `price/d*n` with n/d = pct/100 in lowest terms (the corpus's prices are multiples
    of d): 775*12/100 = 775/25*3 = (750+25)/25*3 = (30+1)*3 = 31*3 = 93."""
    g = math.gcd(pct, 100)
    n, d = pct // g, 100 // g
    assert price % d == 0, (price, pct)
    times = f"*{n}" if n > 1 else ""
    links = [f"{price}*{pct}/100", f"{price}/{d}{times}"]
    numerator, divisor = price, d
    if d % 10 == 0 and d > 10:
        # 340/20 = 34/2: a zero cancelled, then division by one digit
        numerator, divisor = price // 10, d // 10
        links.append(f"{numerator}/{divisor}{times}")
    division = div_chain(numerator, divisor)
    links += _expand(division[1:], "#" + times)
    if n > 1:
        links += mul_chain(price // d, n, placed, carryless)[1:]
    return _dedup(links)


def _dedup(links: list[str]) -> list[str]:
    out: list[str] = []
    for link in links:
        if not out or out[-1] != link:
            out.append(link)
    return out


def work(expression: str, placed: bool = False, carryless: bool = False) -> str:
    """The annotation body for one of the corpus's expression shapes, ending `=<value>`; `placed` works
    sums and differences by place value as well, `carryless` (with `placed`) without carries or borrows."""
    e = expression.replace(" ", "")
    carryless = placed and carryless
    m = re.fullmatch(r"(\d+)\*(\d+)", e)
    if m:
        return "=".join(mul_chain(int(m[1]), int(m[2]), placed, carryless))
    m = re.fullmatch(r"(\d+)/(\d+)", e)
    if m:
        return "=".join(div_chain(int(m[1]), int(m[2])))
    m = re.fullmatch(r"\d+(?:\+\d+)+", e)
    if m:
        terms = [int(t) for t in e.split("+")]
        return "=".join(placed_sum_chain(terms, carryless) if placed else sum_chain(terms))
    m = re.fullmatch(r"(\d+)-(\d+)", e)
    if m:
        if placed:
            return "=".join(placed_difference_chain(int(m[1]), int(m[2]), carryless))
        return f"{e}={int(m[1]) - int(m[2])}"
    m = re.fullmatch(r"\((\d+)-(\d+)\)/(\d+)", e)
    if m:
        a, b, c = int(m[1]), int(m[2]), int(m[3])
        inner = placed_difference_chain(a, b, carryless)[1:-1] if placed else []
        return "=".join([e] + [f"({link})/{c}" for link in inner] + div_chain(a - b, c))
    m = re.fullmatch(r"(\d+)\*(\d+)/100", e)
    if m:
        return "=".join(percent_chain(int(m[1]), int(m[2]), placed, carryless))
    raise ValueError(f"no worked form for {expression!r}")
