"""Synthetic multi-step arithmetic word problems with GSM8K-style worked chains.

Every problem is built from its numbers first, then its text, so the answer and every step are exact
by construction. A chain has one step per line, every calculation carries a calculator annotation
(`30/3 = <<30/3=10>>10`), and the last line is `#### <answer>`.

Families: apple sharing (English and Chinese), shopping and change, sharing after giving away, rates,
ages, percentages; plus bare arithmetic drills (the skill a small model learns last). Levels 1..3
(easy, medium, hard) use the same families with more steps and larger numbers.
"""
from __future__ import annotations

import os
import random
import re

import arith
from dataclasses import dataclass

EN_NAMES = ["Tom", "Anna", "Ben", "Lily", "Sam", "Mia", "Jack", "Emma", "Leo", "Zoe", "Max", "Ivy",
            "Noah", "Ella", "Omar", "Ruth", "Ali", "Nina", "Paul", "Rosa", "Ken", "Maya", "Dan", "Sara"]
ZH_DADS = ["大明", "建国", "志强", "国庆", "海涛", "文军", "小刚", "立新"]
EN_DADS = ["David", "Mark", "Peter", "John", "Frank", "Henry", "Carl", "Victor"]
FRUIT_EN = ["apples", "pears", "oranges", "peaches", "plums", "mangoes", "lemons", "kiwis"]
FRUIT_ZH = ["苹果", "梨", "橘子", "桃子", "李子", "芒果", "柠檬", "猕猴桃"]
ITEMS = [("pen", "pens"), ("book", "books"), ("cup", "cups"), ("toy car", "toy cars"),
         ("notebook", "notebooks"), ("ball", "balls"), ("shirt", "shirts"), ("hat", "hats"),
         ("box of tea", "boxes of tea"), ("candle", "candles")]
THINGS = ["stickers", "marbles", "cookies", "cards", "stamps", "beads", "shells", "coins"]
JOBS = ["washing cars", "tutoring", "babysitting", "walking dogs", "painting fences", "baking bread"]


# how Steps writes a calculation; see Steps (phases 1 and 2 ran with COT_SC_CHAIN_FORMAT=plain, 3 to 5
# with worked, 6 with placed; carryless is placed without carries or borrows, arith.part_moves; anchored is
# carryless with the steps ordered and worded so that a number is copied next to where it was written,
# see anchored(); restated is anchored with the numbers an apple or shopping step reads restated first, see
# restated(); restated_apples is restated with shopping's lines as anchored writes them, see restated_apples();
# cued is restated_apples with each shopping purchase quoted from the question after a cue, see cued();
# quoted_ratio is restated_apples with an English apple chain's multiple quoted from the question, see quoted_ratio();
# quoted is both quotes at once: quoted_ratio's apple chains and cued's shopping lines, see quoted_ratio();
# quoted_rates is quoted_ratio with a rates chain's bonus and spending sentences quoted, see quoted_rates())
CHAIN_FORMAT = os.environ.get("COT_SC_CHAIN_FORMAT", "worked")
# each format and the formats it builds on; a format does everything its ancestors do (see `builds_on`)
FORMAT_PARENTS = {
    "plain": (),
    "worked": (),
    "placed": ("worked",),
    "carryless": ("placed",),
    "anchored": ("carryless",),
    "restated": ("anchored",),
    "restated_apples": ("restated",),
    "cued": ("restated_apples",),
    "quoted_ratio": ("restated_apples",),
    "quoted": ("cued", "quoted_ratio"),
    "quoted_rates": ("quoted_ratio",),
}
CHAIN_FORMATS = tuple(FORMAT_PARENTS)


def builds_on(ancestor: str, fmt: str | None = None) -> bool:
    """Whether chain format `fmt` (default: `CHAIN_FORMAT`) is `ancestor` or built on it."""
    fmt = CHAIN_FORMAT if fmt is None else fmt
    return fmt == ancestor or any(builds_on(ancestor, parent) for parent in FORMAT_PARENTS[fmt])


def placed() -> bool:
    """Sums and differences worked by place value (phase 6 on)."""
    return builds_on("placed")


def carryless() -> bool:
    """Place-value links that never carry or borrow (`arith.part_moves`; phase 7 on)."""
    return builds_on("carryless")


def anchored() -> bool:
    """The `anchored` chain format (phase 9): carryless arithmetic, and a few families' steps reordered or
    reworded so that every number the model must copy sits right after words it can match exactly.

    Phase 8's development chains (training/copy_errors.py) went wrong by copying, not computing: the years in
    an ages question (`In 29 years` for `in 19 years`, first digit from `20 years younger`), the younger
    child's first share five lines after it was worked out, the bill in a shopping question (written as the
    total rounded up, which the corpus's bills are close to, instead of copied), `a quarter` read as 2.
    So: an ages chain opens by restating the years (`In 19 years ...`) and later lines copy them from that
    line's `In `; a shopping chain opens with `Sara pays with $310.` and its last line starts the same way;
    an apple chain works out the younger's first share right before the line that subtracts it; the
    sharing chain quotes `Ruth gives a quarter of them to Leo` before dividing."""
    return builds_on("anchored")


def restated() -> bool:
    """The `restated` chain format (phase 10): `anchored`, and a chain copies a number from the question
    together with the words around it, in the question's order, before a step uses it.

    Phase 9 still copied by position where the question's wording or order was not the corpus's: the
    reference puzzle in English names its 30 apples twice and the chains took the second 30 for the
    difference; in Chinese it writes the difference as a word (`多两个`) and the chains took the parents' 4;
    a shopping chain wrote `The candles cost <<2*20` for `6 candles for $20 each` (the count sits before
    the noun the line starts from; 87% of third items wrong). So an apple chain says `The parents get 4
    apples in all.` and `The younger gets 2 more than the older.` before the steps that use them (in
    Chinese with the digit, whatever the question wrote), and a shopping line starts with the item as the
    question gave it: `6 candles for $20 each cost $<<6*20=…>>120.` The questions vary to match: the
    English apple question from clause-by-clause choices (the total named once or twice, `Mom and Dad` or
    `the parents`, a complaint or none), the Chinese one writing 1 and 2 as 一 and 两 half the time (the
    tokenizer has no other number words)."""
    return builds_on("restated")


def restated_apples() -> bool:
    """The `restated_apples` chain format (phase 11): `restated` for the apple problems, and shopping's lines as
    `anchored` wrote them (`The candles cost $<<6*20=…>>120.`).

    Phase 10's apple restatements fixed the reference puzzle in both languages, but its shopping lines, which
    start with the count (`6 candles for $20 each cost`), made the model guess the count it should copy (dev
    `medium` shopping 87% → 49%). The questions and every other line are drawn as in `restated`, with the same
    random numbers."""
    return builds_on("restated_apples")


def cued() -> bool:
    """The `cued` chain format (phase 13): `restated_apples`, and a shopping chain quotes each purchase from
    the question, starting from words that come right before it there, so that it is copied forward.

    Phase 11's development chains (hard shopping, 14% a chain right) wrote the first item's line right, the
    second's count right but not its name, and the third's count wrong in 82% of chains (a guess, or the
    second's): `The cups cost $<<` needs the count that sits before `cups` in the question, found by
    position. A copy runs forward from a match (what follows `$13 each` in the question is `, 12 shirts for
    $7 each`), so each purchase line starts with the end of the previous purchase as the question wrote it,
    which the line above has just written, and goes on with the question's words:
    `Ruth buys 6 balls for $13 each: $<<6*13=…>>78.` then `$13 each, 12 shirts for $7 each: $<<12*7=…>>84.`
    then `$7 each and 6 cups for $20 each: $<<6*20=…>>120.` The lines are made from the question's final
    text (`cued_purchases`), so a reworded question is quoted as it reads. Same draws as `restated_apples`."""
    return builds_on("cued")


def quoted_ratio() -> bool:
    """The `quoted_ratio` chain format (phase 22): `restated_apples`, and an English apple chain opens by quoting
    the question's clause that gives the multiple, from `the older` on (`The older of two kids has three times as
    many as the younger.`), and says the same quote again right before the step that divides by it.

    Every fine-tune since phase 17 that widened the wording (phases 18, 19, 21) lost English apples, and
    training/ratio_lines.py says how: the restated line `The older took twice as many as the younger.` names the
    question's multiple in only about 55% of chains in every phase (it was never a reliable copy), and the
    division that follows trusted it more after each fine-tune (of the chains stating a wrong multiple, 27% divided
    by it in phase 17, 82% in phase 21). That line must find a multiple that sits *before* its anchor in the
    question (`took` / `has` ... `as many`), five lines after the question ends; a copy that runs forward from a
    match (the question's `the older`) is the one small models make reliably, and the second quote is then a copy
    of the chain's own first line. The quote is made from the question's text (`quote_ratio`, in `apples` and again
    at the end of `reword.reword`), so a reworded question (`took double the share of`) is quoted as it reads.
    Same draws as `restated_apples`.

    `quoted` (after phase 22) is this and `cued`'s shopping lines at once. Phase 13's cue failed on weaker
    weights (the quotes after the first were guesses with the question's words around them); phase 22's apple
    quote took the stated multiple from 55% to 94% right, and `hard`'s three-item lists still lose their third
    count (`The cups cost $<<6*6=` for `3 pens for $6 each`), the copy that the cue makes a forward one."""
    return builds_on("quoted_ratio")


def quoted_rates() -> bool:
    """The `quoted_rates` chain format (after phase 23): `quoted_ratio`, and a rates chain's bonus and spending
    lines start with the question's sentence for them, quoted as it reads (`Ines also gets a $41 bonus: $<<189+41=…`,
    `Ines spends $72: $<<230-72=…>>158 left.`) instead of the corpus's fixed `With the bonus that is` and `has`.

    Reworded rates questions are the development sets' worst family (phase 22, one chain: reworded `hard` 2%,
    reworded `medium` 74%, against 97% in the corpus's wording): the chains add the spending as a bonus
    (`With the bonus that is $<<189+72`, 72 being `uses $72 on snacks`) or copy a number from the wrong sentence.
    The fixed lines say nothing of the question's words, so the model picks the sentence by position; a quote
    copies forward from the end of the sentence before (what the line above has just used), and the operation
    comes after the words that decide it. Made from the question's final text (`quote_rates`, in `rates` and again
    at the end of `reword.reword`). Same draws as `quoted_ratio`."""
    return builds_on("quoted_rates")


# the clause of an English apple question that gives the multiple, from `the older` to `the younger`
RATIO_CLAUSE = re.compile(r"\bthe older\b[^.?!:;]*? (?:as many as|the share of) the younger(?: child| kid)?\b", re.IGNORECASE)


def quote_ratio(question: str, chain: str) -> str:
    """The chain with each multiple line (`ratio_say`, or an earlier quote) replaced by the question's multiple
    clause, quoted (see quoted_ratio); unchanged when the question has no such clause."""
    m = RATIO_CLAUSE.search(question)
    if m is None:
        return chain
    quote = m.group(0)[0].upper() + m.group(0)[1:] + "."
    return RATIO_LINE_EN.sub(lambda _: quote, chain)


# a rates line that adds the bonus or takes the spending away: its words (`With the bonus that is `, `Ines has `, or
# an earlier quote and `: `), then the annotation
RATES_QUOTE_LINE = re.compile(r"^(?P<quote>[^\n]*?)(?:: )?\$<<(?P<left>\d+)(?P<op>[+-])(?P<amount>\d+)=")
SENTENCE = re.compile(r"[^.?!]+[.?!]")


def quote_rates(question: str, chain: str) -> str:
    """A rates chain with each bonus or spending line's words replaced by the question's sentence that names its
    amount (`$41`), quoted as the question reads (see quoted_rates). The lines take the sentences in the question's
    order, each from after the one the line before took (a bonus and a spending of the same amount); a line
    whose amount no such sentence names is left as it is."""
    sentences = [m.group(0).strip() for m in SENTENCE.finditer(question)]
    at = 1  # the first sentence gives the wage

    def quoted(m: re.Match) -> str:
        nonlocal at
        amount = re.compile(rf"\${m.group('amount')}(?!\d)")
        for i in range(at, len(sentences)):
            if amount.search(sentences[i]) and not sentences[i].endswith("?"):
                at = i + 1
                return f"{sentences[i][:-1]}: $<<{m.group('left')}{m.group('op')}{m.group('amount')}="
        return m.group(0)

    return "\n".join(RATES_QUOTE_LINE.sub(quoted, line) for line in chain.split("\n"))


@dataclass(frozen=True)
class Problem:
    family: str
    level: int
    lang: str
    question: str
    chain: str  # worked solution, ending with "#### n"
    answer: int


def fmt(x: int) -> str:
    return str(x)


class Steps:
    """Accumulates annotated steps. In the `worked` format (the shipped model's since its third phase):
    `text <<a op b=…=c>>c rest`, the calculation done in small checkable links inside the annotation
    (`arith.work`); `placed` is `worked` with sums and differences by place value as well
    (`arith.work(…, placed=True)`), `carryless` is `placed` with no link carrying or borrowing
    (`arith.work(…, placed=True, carryless=True)`); in the `plain` format (phases 1 and 2): `text a op b = <<a op b=c>>c rest`."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def calc(self, expr: str, value: int, before: str, after: str = "", unit_prefix: str = "") -> int:
        if CHAIN_FORMAT == "plain":
            self.lines.append(f"{before}{expr} = {unit_prefix}<<{expr}={value}>>{value}{after}")
            return value
        body = arith.work(expr, placed=placed(), carryless=carryless())
        assert body.rsplit("=", 1)[1] == str(value), (expr, value)
        if unit_prefix == "$":
            after = after.replace(" dollars", "")  # "$168 dollars" says it twice
        self.lines.append(f"{before}{unit_prefix}<<{body}>>{value}{after}")
        return value

    def say(self, text: str) -> None:
        """A line with no calculation (the anchored format's restatements)."""
        self.lines.append(text)

    def done(self, answer: int) -> str:
        return "\n".join(self.lines + [f"#### {answer}"])


# ---------------------------------------------------------------- apple sharing (en / zh)

def apple_numbers(rng: random.Random, level: int):
    """total = younger * (ratio + 1); parents take p; of the rest the younger gets d more than the older."""
    ranges = {1: (3, 12, [2]), 2: (5, 30, [2, 3]), 3: (10, 90, [2, 3, 4])}
    lo, hi, ratios = ranges[level]
    for _ in range(1000):
        ratio = rng.choice(ratios)
        younger = rng.randint(lo, hi)
        total = younger * (ratio + 1)
        older = younger * ratio
        parents = rng.randint(1, max(2, total // 6))
        rest = total - parents
        diff = rng.randint(1, max(2, rest // 8))
        if (rest - diff) % 2:
            continue
        older_new = (rest - diff) // 2
        younger_new = older_new + diff
        give = younger_new - younger
        if give > 0 and older_new > 0 and older - older_new >= give:
            return dict(ratio=ratio, younger=younger, total=total, older=older, parents=parents, rest=rest,
                        diff=diff, older_new=older_new, younger_new=younger_new, give=give)
    raise RuntimeError("no apple numbers")


RATIO_EN = {2: "twice", 3: "three times", 4: "four times"}
# an English apple chain's multiple line: ratio_say as apple_chain writes it, or a quote of the question's
# clause (quote_ratio replaces either, so a reworded question's chain is quoted again)
RATIO_LINE_EN = re.compile(r"^The older\b[^\n]*? (?:as many as|the share of) the younger(?: child| kid)?\.$", re.M)


# an apple chain's lines in each language: (before, after) around each step's result; {fruit} is the fruit
APPLE_LINES = {
    "en": {"younger": ("The younger took ", " {fruit}."), "older": ("The older took ", " {fruit}."),
           "rest": ("After the parents, ", " {fruit} are left."), "older_new": ("The older keeps ", " {fruit}."),
           "younger_new": ("The younger gets ", " {fruit}."), "give": ("The older gives the younger ", " {fruit}."),
           "younger_first": ("At first the younger took ", " {fruit}."),
           "parents_say": "The parents get {parents} {fruit} in all.",
           "diff_say": "The younger gets {diff} more than the older.",
           "ratio_say": "The older took {ratio} as many as the younger."},
    "zh": {"younger": ("老二分得", "个{fruit}。"), "older": ("老大分得", "个{fruit}。"),
           "rest": ("给爸爸妈妈后还剩", "个{fruit}。"), "older_new": ("老大应该有", "个{fruit}。"),
           "younger_new": ("老二应该有", "个{fruit}。"), "give": ("所以老大还需要给老二", "个{fruit}。"),
           "younger_first": ("老二原来分得", "个{fruit}。"),
           "parents_say": "给爸爸和妈妈一共分{parents}个。", "diff_say": "老二要比老大多{diff}个。",
           "ratio_say": "老大分得的是老二的{ratio}倍。"},
}


def apple_chain(n, fruit: str, lang: str) -> str:
    s = Steps()
    r = n["ratio"]
    calculations = {
        "younger": f"{n['total']}/{r + 1}", "older": f"{n['younger']}*{r}", "rest": f"{n['total']}-{n['parents']}",
        "older_new": f"({n['rest']}-{n['diff']})/2", "younger_new": f"{n['older_new']}+{n['diff']}",
        "give": f"{n['younger_new']}-{n['younger']}",
    }
    # anchored: the younger's first share is worked out right before the last line subtracts it, and the
    # older's (which the answer does not need) is left out
    # restated: each number the question gave is said before the step that reads it
    if restated():
        order = ["parents_say", "rest", "diff_say", "older_new", "younger_new", "ratio_say", "younger_first", "give"]
        if quoted_ratio() and lang == "en":
            # the multiple first too, where the question's clause is near (restated's line stays before the division)
            order.insert(0, "ratio_say")
    elif anchored():
        order = ["rest", "older_new", "younger_new", "younger_first", "give"]
    else:
        order = ["younger", "older", "rest", "older_new", "younger_new", "give"]
    said = dict(parents=n["parents"], diff=n["diff"], ratio=RATIO_EN[r] if lang == "en" else r, fruit=fruit)
    for step in order:
        if step.endswith("_say"):
            s.say(APPLE_LINES[lang][step].format(**said))
            continue
        value = "younger" if step == "younger_first" else step
        before, after = APPLE_LINES[lang][step]
        s.calc(calculations[value], n[value], before, after.format(fruit=fruit))
    return s.done(n["give"])


ZH_RATIO = {2: "2倍", 3: "3倍", 4: "4倍"}


# the only Chinese number words in the shipped tokenizer's vocabulary
ZH_WORDS = {1: "一", 2: "两"}


def apple_question_zh(rng: random.Random, n, fruit: str) -> str:
    dad = rng.choice(ZH_DADS)
    t, p, d, ratio = n["total"], n["parents"], n["diff"], ZH_RATIO[n["ratio"]]
    if restated():
        p, d = (ZH_WORDS[x] if x in ZH_WORDS and rng.random() < 0.5 else x for x in (p, d))
        if n["ratio"] == 2 and rng.random() < 0.3:
            ratio = "两倍"
    templates = [
        # the reference puzzle's own wording, with other numbers, names and fruit
        f"爸爸{dad}出差回来买了 {t}个{fruit},两个孩子 (老大和老二已分配了 {t}个{fruit},{dad}没有参与分配的过程,"
        f"老大分得的{fruit}是老二的{ratio}。老二觉得不公平,于是向{dad}告状。{dad}觉得老大有些自私,不仅没爸爸和妈妈分配,"
        f"还不照顾老二,给自己多分配了很多{fruit}。于是,{dad}决定老大一个小小的惩罚,并明确设置了分配规则,要求:"
        f"给爸爸和妈妈一共分{p}个,然后在剩下的{fruit}中,老二分得的{fruit}要比老大多{d}个。"
        f"请问在第分配的基础上,老大还需要给老二多少个{fruit},才能达到{dad}的要求?",
        f"爸爸买了{t}个{fruit}。老大和老二分了这些{fruit},老大分得的是老二的{ratio}。爸爸要求:先给爸爸和妈妈一共{p}个,"
        f"剩下的{fruit}中老二要比老大多{d}个。老大还需要给老二多少个{fruit}?",
        f"{dad}带回{t}个{fruit},老大拿的{fruit}是老二的{ratio}。后来规定给父母共{p}个,其余的{fruit}里老二比老大多{d}个。"
        f"请问老大要再给老二几个{fruit}?",
    ]
    return rng.choice(templates)


def apple_question_en(rng: random.Random, n, fruit: str) -> str:
    dad = rng.choice(EN_DADS)
    t, p, d, ratio = n["total"], n["parents"], n["diff"], RATIO_EN[n["ratio"]]
    if restated() and rng.random() < 0.5:
        return apple_question_en_clauses(rng, dad, t, p, d, ratio, fruit)
    templates = [
        f"{dad} came back from a trip with {t} {fruit}. His two children shared them without him: the older child "
        f"took {ratio} as many as the younger. The younger child complained, so {dad} set a rule: first give "
        f"{p} {fruit} in all to the parents, then of the rest the younger child gets {d} more than the older. "
        f"Starting from the first split, how many {fruit} must the older child give the younger?",
        f"Dad bought {t} {fruit}. The older child took {ratio} as many as the younger child. Dad then said the "
        f"parents get {p} {fruit}, and of the rest the younger gets {d} more than the older. How many {fruit} "
        f"must the older child hand over to the younger?",
        f"There are {t} {fruit}. The older of two kids has {ratio} as many as the younger. The parents must get "
        f"{p}, and from the remaining {fruit} the younger kid should get {d} more than the older kid. How many "
        f"{fruit} does the older kid need to give the younger kid?",
    ]
    return rng.choice(templates)


def apple_question_en_clauses(rng: random.Random, dad: str, t, p, d, ratio: str, fruit: str) -> str:
    """The English apple question built one clause at a time (restated format): the same story told the
    ways a person might, so that no number can be found by its place in the question alone."""
    pick = rng.choice
    parents = pick(["the parents", "Mom and Dad", f"Mom and {dad}", "their parents"])
    older, younger = pick([("older child", "younger child"), ("older", "younger"), ("older kid", "younger kid")])
    clauses = [
        pick([f"{dad} came back from a trip with {t} {fruit}.", f"{dad} came back from a business trip with {t} {fruit}.",
              f"{dad} bought {t} {fruit}.", f"{dad} brought home {t} {fruit}.", f"There are {t} {fruit} at home."]),
        pick([f"His two children, the older and the younger, shared the {t} {fruit} without him:",
              "His two children shared them without him:", f"Two children split the {t} {fruit}:",
              "The two children shared them:"])
        + f" the {older} took {ratio} as many as the {younger}.",
        pick(["", f"The {younger} felt it was unfair and told {dad}.", f"The {younger} complained.",
              f"The {younger} told {dad} it was not fair."]),
        pick([f"{dad} set a rule: first", "So the rule is: first", f"{dad} decided: first"])
        + pick([f" give {p} {fruit} in all to {parents},", f" {parents} get {p} {fruit},", f" give {parents} {p} {fruit},"])
        + pick([f" then of the remaining {fruit}", " then of the rest", " and of what is left", f" then of the other {fruit}"])
        + f" the {younger} gets {d} more than the {older}.",
        pick([f"Starting from the first split, how many {fruit} must the {older} give the {younger}?",
              f"How many {fruit} must the {older} hand over to the {younger}?",
              f"How many {fruit} does the {older} have to give the {younger}?"]),
    ]
    return " ".join(c for c in clauses if c)


def apples(rng: random.Random, level: int, lang: str) -> Problem:
    n = apple_numbers(rng, level)
    i = rng.randrange(len(FRUIT_EN))
    if lang == "zh":
        q, c = apple_question_zh(rng, n, FRUIT_ZH[i]), apple_chain(n, FRUIT_ZH[i], "zh")
    else:
        q, c = apple_question_en(rng, n, FRUIT_EN[i]), apple_chain(n, FRUIT_EN[i], "en")
        if quoted_ratio():
            c = quote_ratio(q, c)
    return Problem("apples", level, lang, q, c, n["give"])


# ---------------------------------------------------------------- shopping and change

def shopping(rng: random.Random, level: int) -> Problem:
    name = rng.choice(EN_NAMES)
    s = Steps()
    kinds = {1: 1, 2: 2, 3: 3}[level]
    price_hi = {1: 9, 2: 15, 3: 25}[level]
    count_hi = {1: 6, 2: 8, 3: 12}[level]
    picks = rng.sample(ITEMS, kinds)
    parts, costs = [], []
    for singular, plural in picks:
        count, price = rng.randint(2, count_hi), rng.randint(2, price_hi)
        parts.append(f"{count} {plural} for ${price} each")
        before = f"{parts[-1]} cost " if restated() and not restated_apples() else f"The {plural} cost "
        # cued: a placeholder quote, made from the question's final text at the end (cued_purchases)
        costs.append(s.calc(f"{count}*{price}", count * price, "" if cued() else before, "." if cued() else " dollars.", "$"))
    total = costs[0]
    if kinds > 1:
        expr = "+".join(map(str, costs))
        total = s.calc(expr, sum(costs), "In all that is ", " dollars.", "$")
    bill = ((total // 10) + 1 + rng.randint(0, 2 if level > 1 else 0)) * 10
    if level == 1 and bill > 100:
        bill = ((total // 10) + 1) * 10
    q = f"{name} buys " + ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1] + "."
    if level == 3 and rng.random() < 0.7:
        coupon = rng.randint(2, max(3, total // 5))
        total = s.calc(f"{total}-{coupon}", total - coupon, "With the coupon it costs ", " dollars.", "$")
        q += f" A coupon takes ${coupon} off the total."
    if anchored():
        s.lines.insert(0, f"{name} pays with ${bill}.")  # the chain's first line, drawn last
        change = s.calc(f"{bill}-{total}", bill - total, f"{name} pays with ${bill}, so {name} gets ",
                        " dollars in change.", "$")
    else:
        change = s.calc(f"{bill}-{total}", bill - total, f"{name} gets ", " dollars in change.", "$")
    q += f" {name} pays with ${bill}. How much change does {name} get?"
    chain = s.done(change)
    if cued():
        chain = cued_purchases(q, chain)
    return Problem("shopping", level, "en", q, chain, change)


PURCHASE_LINE = re.compile(r"^(.*?)\$<<(\d+)\*(\d+)=", re.M)


def cued_purchases(question: str, chain: str) -> str:
    """A `cued` shopping chain's purchase lines quoted from `question` as it reads (see cued()): each line
    `…$<<count*price=…` gets the question's words for that purchase in front, led by the previous purchase's
    price as the question writes it (the first by the buyer's name and verb). Called again on a reworded
    question (reword.reword), so the quotes follow its words."""
    lines = chain.split("\n")
    at = 0
    previous_tail = None
    for i, line in enumerate(lines):
        m = PURCHASE_LINE.match(line)
        if m is None:
            continue
        count, price = m.group(2), m.group(3)
        # the purchase: its count, then (no comma, no other $) its price, up to the clause's end
        clause = re.compile(rf"(?<![\d$]){count} [^,$.]*?\${price}(?!\d)[^,.$]*?(?=, | and |\.)")
        found = clause.search(question, at)
        assert found is not None, (question, line)
        if previous_tail is None:
            # led by the buyer's name: the sentence's words from the name on (`Ruth buys `, `Ruth has $310 and buys `)
            stop = question.rfind(". ", 0, found.start())
            lead = question[stop + 2 if stop >= 0 else 0:found.start()]
            name = re.search(r"(?:^|[ ,])([A-Z][a-z]+) [a-z]", lead)
            quote = (lead[name.start(1):] if name is not None else lead) + found.group(0)
        else:
            quote = previous_tail + question[at:found.end()]
        dollar = found.group(0).index("$")
        previous_tail = found.group(0)[dollar:]
        at = found.end()
        lines[i] = f"{quote}: {line[m.start(0) + len(m.group(1)):]}"
    return "\n".join(lines)


# ---------------------------------------------------------------- sharing after giving some away

def sharing(rng: random.Random, level: int) -> Problem:
    name, friend = rng.sample(EN_NAMES, 2)
    thing = rng.choice(THINGS)
    s = Steps()
    k = rng.randint(2, {1: 5, 2: 6, 3: 9}[level])
    each = rng.randint(2, {1: 9, 2: 15, 3: 30}[level])
    shared = k * each
    if level == 1:
        gave = rng.randint(1, 20)
        start = shared + gave
        q = (f"{name} has {start} {thing}. {name} gives {gave} to {friend} and shares the rest equally among "
             f"{k} friends. How many {thing} does each friend get?")
        s.calc(f"{start}-{gave}", shared, f"After giving some away, {name} has ", f" {thing}.")
    elif level == 2:
        gave = rng.randint(1, 30)
        bought = rng.randint(2, 30)
        start = shared + gave - bought
        if start <= gave:
            start, bought = shared + gave, 0
        if bought:
            q = (f"{name} has {start} {thing} and buys {bought} more. Then {name} gives {gave} to {friend} and "
                 f"shares the rest equally among {k} friends. How many {thing} does each friend get?")
            have = s.calc(f"{start}+{bought}", start + bought, f"{name} has ", f" {thing}.")
            s.calc(f"{have}-{gave}", shared, "After giving some away, there are ", f" {thing}.")
        else:
            q = (f"{name} has {start} {thing}. {name} gives {gave} to {friend} and shares the rest equally "
                 f"among {k} friends. How many {thing} does each friend get?")
            s.calc(f"{start}-{gave}", shared, f"After giving some away, {name} has ", f" {thing}.")
    else:
        boxes = rng.randint(2, 9)
        per_box = rng.randint(5, 40)
        have = boxes * per_box
        gave_frac = rng.choice([2, 4, 5])
        if have % gave_frac:
            have += gave_frac - have % gave_frac
            per_box = None
        gave = have // gave_frac
        left = have - gave
        extra = rng.randint(0, k - 1)
        left_total = left
        if (left_total - extra) % k:
            extra = (left_total) % k
        shared = left_total - extra
        each = shared // k
        if per_box is None or each <= 0:
            return sharing(rng, 2)
        frac_text = {2: "half", 4: "a quarter", 5: "a fifth"}[gave_frac]
        q = (f"{name} has {boxes} boxes of {thing} with {per_box} in each box. {name} gives {frac_text} of them "
             f"to {friend}, keeps {extra}, and shares the rest equally among {k} friends. How many {thing} does "
             f"each friend get?")
        s.calc(f"{boxes}*{per_box}", have, f"{name} has ", f" {thing}.")
        if anchored():
            s.calc(f"{have}/{gave_frac}", gave, f"{name} gives {frac_text} of them to {friend}: ", f" {thing}.")
        else:
            s.calc(f"{have}/{gave_frac}", gave, f"{name} gives away ", f" {thing}.")
        s.calc(f"{have}-{gave}", left, "That leaves ", f" {thing}.")
        s.calc(f"{left}-{extra}", shared, "After keeping some, ", f" {thing} are shared.")
    answer = s.calc(f"{shared}/{k}", each, "Each friend gets ", f" {thing}.")
    return Problem("sharing", level, "en", q, s.done(answer), answer)


# ---------------------------------------------------------------- rates (earnings)

def rates(rng: random.Random, level: int) -> Problem:
    name = rng.choice(EN_NAMES)
    job = rng.choice(JOBS)
    s = Steps()
    wage = rng.randint(2, {1: 12, 2: 20, 3: 30}[level])
    hours = rng.randint(2, {1: 6, 2: 8, 3: 10}[level])
    if level == 1:
        q = f"{name} earns ${wage} an hour {job}. {name} works {hours} hours. How much does {name} earn?"
        answer = s.calc(f"{wage}*{hours}", wage * hours, f"{name} earns ", " dollars.", "$")
        if rng.random() < 0.5:
            spent = rng.randint(1, wage * hours - 1)
            q = (f"{name} earns ${wage} an hour {job} and works {hours} hours. Then {name} spends ${spent}. "
                 f"How much money does {name} have left?")
            answer = s.calc(f"{answer}-{spent}", answer - spent, f"{name} has ", " dollars left.", "$")
        return _rates_problem(level, q, s.done(answer), answer)
    days = rng.randint(2, {2: 6, 3: 7}[level])
    daily = s.calc(f"{wage}*{hours}", wage * hours, f"Each day {name} earns ", " dollars.", "$")
    total = s.calc(f"{daily}*{days}", daily * days, f"In {days} days {name} earns ", " dollars.", "$")
    q = f"{name} earns ${wage} an hour {job}, {hours} hours a day, for {days} days."
    if level == 3:
        bonus = rng.randint(5, 60)
        total = s.calc(f"{total}+{bonus}", total + bonus, "With the bonus that is ", " dollars.", "$")
        q += f" {name} also gets a ${bonus} bonus."
    spent = rng.randint(1, total - 1)
    answer = s.calc(f"{total}-{spent}", total - spent, f"{name} has ", " dollars left.", "$")
    q += f" {name} spends ${spent}. How much money does {name} have left?"
    return _rates_problem(level, q, s.done(answer), answer)


def _rates_problem(level: int, q: str, chain: str, answer: int) -> Problem:
    """A rates problem, its bonus and spending lines quoting the question in the quoted_rates format."""
    return Problem("rates", level, "en", q, quote_rates(q, chain) if quoted_rates() else chain, answer)


# ---------------------------------------------------------------- ages

def ages(rng: random.Random, level: int) -> Problem:
    a, b, c = rng.sample(EN_NAMES, 3)
    s = Steps()
    age_a = rng.randint(2, {1: 12, 2: 20, 3: 30}[level])
    times = rng.randint(2, {1: 3, 2: 4, 3: 5}[level])
    years = rng.randint(2, {1: 9, 2: 15, 3: 25}[level])
    if anchored():
        s.say(f"In {years} years each of them is {years} years older.")
    age_b = s.calc(f"{age_a}*{times}", age_a * times, f"{b} is ", " years old.")
    if level == 1:
        q = f"{a} is {age_a} years old. {b} is {times} times as old as {a}. How old will {b} be in {years} years?"
        answer = s.calc(f"{age_b}+{years}", age_b + years, f"In {years} years {b} will be ", " years old.")
        return Problem("ages", level, "en", q, s.done(answer), answer)
    younger = rng.randint(1, min(age_b - 1, 20))
    age_c = s.calc(f"{age_b}-{younger}", age_b - younger, f"{c} is ", " years old.")
    q = (f"{a} is {age_a} years old. {b} is {times} times as old as {a}, and {c} is {younger} years younger "
         f"than {b}.")
    if level == 2:
        answer = s.calc(f"{age_c}+{years}", age_c + years, f"In {years} years {c} will be ", " years old.")
        q += f" How old will {c} be in {years} years?"
        return Problem("ages", level, "en", q, s.done(answer), answer)
    now = s.calc(f"{age_a}+{age_b}+{age_c}", age_a + age_b + age_c, "Together they are ", " years old now.")
    grow = s.calc(f"3*{years}", 3 * years, f"In {years} years they add ", " years.")
    answer = s.calc(f"{now}+{grow}", now + grow, f"In {years} years their ages add up to ", ".")
    q += f" What will the sum of their ages be in {years} years?"
    return Problem("ages", level, "en", q, s.done(answer), answer)


# ---------------------------------------------------------------- percentages

def percentages(rng: random.Random, level: int) -> Problem:
    name = rng.choice(EN_NAMES)
    singular, plural = rng.choice(ITEMS)
    s = Steps()
    pct = rng.choice({1: [10, 20, 25, 50], 2: [10, 15, 20, 25, 30, 40, 50], 3: [5, 12, 15, 35, 45, 60, 75]}[level])
    step = 100 // _gcd(100, pct)
    price = step * rng.randint(1, {1: max(1, 200 // step), 2: max(1, 400 // step), 3: max(2, 900 // step)}[level])
    off = s.calc(f"{price}*{pct}/100", price * pct // 100, "The discount is ", " dollars.", "$")
    sale = s.calc(f"{price}-{off}", price - off, "The sale price is ", " dollars.", "$")
    q = f"A {singular} costs ${price}. It is on sale for {pct}% off."
    if level == 1:
        q += " What is the sale price?"
        return Problem("percentages", level, "en", q, s.done(sale), sale)
    count = rng.randint(2, {2: 5, 3: 9}[level])
    total = s.calc(f"{sale}*{count}", sale * count, f"{count} {plural} cost ", " dollars.", "$")
    q += f" {name} buys {count} {plural}."
    if level == 3:
        fee = rng.randint(3, 30)
        total = s.calc(f"{total}+{fee}", total + fee, "With shipping the total is ", " dollars.", "$")
        q += f" Shipping costs ${fee}."
    q += f" How much does {name} pay?"
    return Problem("percentages", level, "en", q, s.done(total), total)


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


# ---------------------------------------------------------------- arithmetic drills

def drill(rng: random.Random, level: int) -> Problem:
    hi = {1: 60, 2: 200, 3: 1000}[level]
    op = rng.choice("+-*/")
    if op == "+":
        a, b = rng.randint(0, hi), rng.randint(0, hi)
        v = a + b
    elif op == "-":
        a, b = rng.randint(0, hi), rng.randint(0, hi)
        a, b = max(a, b), min(a, b)
        v = a - b
    elif op == "*":
        a, b = rng.randint(0, {1: 30, 2: 60, 3: 200}[level]), rng.randint(2, {1: 12, 2: 15, 3: 30}[level])
        v = a * b
    else:
        b = rng.randint(2, {1: 12, 2: 15, 3: 30}[level])
        v = rng.randint(0, {1: 30, 2: 60, 3: 200}[level])
        a = v * b
    expr = f"{a}{op}{b}"
    s = Steps()
    s.calc(expr, v, "")
    return Problem("drill", level, "en", f"What is {expr}?", s.done(v), v)


FAMILIES = {
    "shopping": shopping,
    "sharing": sharing,
    "rates": rates,
    "ages": ages,
    "percentages": percentages,
}


def make(rng: random.Random, family: str, level: int, lang: str = "en") -> Problem:
    if family == "apples":
        return apples(rng, level, lang)
    if family == "drill":
        return drill(rng, level)
    return FAMILIES[family](rng, level)


def mixed(rng: random.Random, level: int) -> Problem:
    """A fixture-style problem: one of the word-problem families (apples in either language) at a level."""
    family = rng.choice(list(FAMILIES) + ["apples"])
    lang = rng.choice(["en", "zh"]) if family == "apples" else "en"
    return make(rng, family, level, lang)


def training_example(rng: random.Random, progress: float) -> Problem:
    """One training problem. The curriculum shifts weight from drills and easy levels toward harder ones."""
    drill_share = 0.35 - 0.2 * progress
    if rng.random() < drill_share:
        return drill(rng, rng.choices([1, 2, 3], weights=[0.5 - 0.2 * progress, 0.35, 0.15 + 0.2 * progress])[0])
    level = rng.choices([1, 2, 3], weights=[0.45 - 0.15 * progress, 0.35, 0.2 + 0.15 * progress])[0]
    if rng.random() < 0.25:
        return apples(rng, level, rng.choice(["en", "zh"]))
    return make(rng, rng.choice(list(FAMILIES)), level)


def format_example(p: Problem) -> tuple[str, str]:
    """(prompt, completion) in the shipped model's zero-shot format."""
    return f"Q: {p.question}\nA: ", p.chain
