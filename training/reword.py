"""Other wordings of the corpus's problems: other names, objects and phrasings, the same arithmetic.

A model trained on one sentence per family solves that sentence and little else (about 3% on a
reworded `easy` problem against 26% in the corpus's wording, measured on the first shipped model). So the
training corpus rewords most of its problems: names and objects from larger pools (the chain follows the
question), and each phrase of a family's template replaced by one of several phrasings.

Two disjoint vocabularies: `TRAIN` rewords the training corpus; `DEV` (other names, objects and
phrasings, none of them in `TRAIN`) builds the reworded development set, so that it measures wordings the
model has not seen.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, replace

import corpus


@dataclass(frozen=True)
class Vocabulary:
    names: list[str]
    things: list[str]           # plural nouns for the sharing family
    items: list[tuple[str, str]]  # (singular, plural) for shopping and percentages
    jobs: list[str]
    fruit_en: list[str]
    phrases: list[tuple[str, list[str]]]  # (regex, replacements; `\1`.. refer to its groups)


TRAIN = Vocabulary(
    names=corpus.EN_NAMES + ["Lucy", "Adam", "Grace", "Owen", "Hugo", "Amy", "Ryan", "Kate", "Luke", "Julia",
                             "Eric", "Olga", "Ravi", "Mei", "Yuki", "Ahmed", "Sofia", "Liam", "Chen", "Tara",
                             "Jonas", "Nora", "Pablo", "Iris", "Kofi", "Lena", "Ivan", "Rita", "Sean", "Alma"],
    things=corpus.THINGS + ["pencils", "crayons", "buttons", "balloons", "candies", "toys", "books", "flowers"],
    items=corpus.ITEMS + [("lamp", "lamps"), ("bag", "bags"), ("scarf", "scarves"), ("mug", "mugs"),
                          ("game", "games"), ("plant", "plants"), ("clock", "clocks"), ("chair", "chairs")],
    jobs=corpus.JOBS + ["mowing lawns", "selling lemonade", "cleaning windows", "delivering papers"],
    fruit_en=corpus.FRUIT_EN + ["apricots", "cherries", "figs", "limes"],
    phrases=[
        # shopping
        (r" buys (\d+) ", [" buys \\1 ", " purchases \\1 ", " gets \\1 ", " picks up \\1 "]),
        (r" for \$(\d+) each", [" for $\\1 each", " at $\\1 each", " that cost $\\1 each", " priced at $\\1 apiece"]),
        (r"(\w+) pays with \$(\d+)\.", ["\\1 pays with $\\2.", "\\1 hands the cashier $\\2.", "\\1 pays with a $\\2 bill.",
                                        "\\1 gives the cashier $\\2."]),
        (r"How much change does (\w+) get\?", ["How much change does \\1 get?", "How much change should \\1 receive?",
                                                "What is \\1's change?", "How much money does \\1 get back?"]),
        (r"A coupon takes \$(\d+) off the total\.", ["A coupon takes $\\1 off the total.", "There is a coupon for $\\1 off.",
                                                      "A $\\1 coupon is used."]),
        # sharing
        (r" gives (\d+) to (\w+) and", [" gives \\1 to \\2 and", " hands \\1 to \\2 and", " gives \\2 \\1 and"]),
        (r"shares the rest equally among (\d+) friends", ["shares the rest equally among \\1 friends",
                                                          "splits the rest evenly among \\1 friends",
                                                          "divides the rest equally among \\1 friends"]),
        (r"How many (\w+) does each friend get\?", ["How many \\1 does each friend get?", "How many \\1 does each friend receive?",
                                                    "How many \\1 will each friend get?"]),
        (r" and buys (\d+) more\.", [" and buys \\1 more.", " and gets \\1 more.", ", then buys \\1 more."]),
        # rates
        (r" earns \$(\d+) an hour ", [" earns $\\1 an hour ", " makes $\\1 per hour ", " earns $\\1 per hour "]),
        (r" works (\d+) hours", [" works \\1 hours", " works for \\1 hours"]),
        (r" spends \$(\d+)\.", [" spends $\\1.", " spends $\\1 of it.", " then spends $\\1."]),
        (r"How much money does (\w+) have left\?", ["How much money does \\1 have left?", "How much does \\1 have left?",
                                                    "How much money is left?"]),
        (r"How much does (\w+) earn\?", ["How much does \\1 earn?", "How much money does \\1 make?", "What does \\1 earn?"]),
        (r"(\w+) also gets a \$(\d+) bonus\.", ["\\1 also gets a $\\2 bonus.", "On top of that \\1 gets a $\\2 bonus.",
                                                "\\1 also earns a $\\2 bonus."]),
        # ages
        (r" is (\d+) years old\.", [" is \\1 years old.", " is \\1 years of age.", " is \\1 now."]),
        (r" is (\d+) times as old as (\w+)", [" is \\1 times as old as \\2", " is \\1 times \\2's age"]),
        (r"How old will (\w+) be in (\d+) years\?", ["How old will \\1 be in \\2 years?", "How old will \\1 be \\2 years from now?",
                                                     "What will \\1's age be in \\2 years?"]),
        (r"What will the sum of their ages be in (\d+) years\?", ["What will the sum of their ages be in \\1 years?",
                                                                 "In \\1 years, what will their ages add up to?",
                                                                 "What will their total age be in \\1 years?"]),
        # percentages
        (r"It is on sale for (\d+)% off\.", ["It is on sale for \\1% off.", "The store takes \\1% off the price.",
                                             "It is discounted by \\1%.", "There is a \\1% discount."]),
        (r"What is the sale price\?", ["What is the sale price?", "How much does it cost after the discount?",
                                       "What does it cost on sale?"]),
        (r"How much does (\w+) pay\?", ["How much does \\1 pay?", "How much does \\1 pay in total?", "What is \\1's total?"]),
        (r"Shipping costs \$(\d+)\.", ["Shipping costs $\\1.", "Delivery is $\\1.", "There is a $\\1 shipping fee."]),
        # apples (en)
        (r"took twice as many as", ["took twice as many as", "took two times as many as", "took double the share of"]),
        (r"How many (\w+) must the older child hand over to the younger\?",
         ["How many \\1 must the older child hand over to the younger?", "How many \\1 should the older child give the younger?"]),
    ],
)

DEV = Vocabulary(
    names=["Priya", "Lucas", "Hana", "Diego", "Chloe", "Mateo", "Aisha", "Felix", "Greta", "Kenji", "Zara", "Oscar",
           "Nadia", "Theo", "Ines", "Bruno"],
    things=["erasers", "pebbles", "ribbons", "magnets", "acorns", "postcards"],
    items=[("kite", "kites"), ("towel", "towels"), ("wallet", "wallets"), ("candle holder", "candle holders"),
           ("puzzle", "puzzles"), ("jar of honey", "jars of honey")],
    jobs=["raking leaves", "tutoring math", "fixing bikes", "watering gardens"],
    fruit_en=["melons", "guavas", "papayas", "nectarines"],
    phrases=[
        (r" buys (\d+) ", [" orders \\1 ", " chooses \\1 "]),
        (r" for \$(\d+) each", [" costing $\\1 apiece", " at a price of $\\1 each"]),
        (r"(\w+) pays with \$(\d+)\.", ["\\1 hands over $\\2.", "\\1 pays using $\\2."]),
        (r"How much change does (\w+) get\?", ["What change does \\1 receive?", "How much should \\1 get back?"]),
        (r"A coupon takes \$(\d+) off the total\.", ["\\1 dollars come off the bill with a coupon.".replace("\\1", "$\\1")]),
        (r" gives (\d+) to (\w+) and", [" passes \\1 to \\2 and"]),
        (r"shares the rest equally among (\d+) friends", ["hands out the remainder evenly to \\1 friends"]),
        (r"How many (\w+) does each friend get\?", ["How many \\1 end up with each friend?", "What is each friend's share of \\1?"]),
        (r" and buys (\d+) more\.", [" and then collects \\1 more."]),
        (r" earns \$(\d+) an hour ", [" is paid $\\1 hourly for "]),
        (r" works (\d+) hours", [" puts in \\1 hours"]),
        (r" spends \$(\d+)\.", [" uses $\\1 on snacks."]),
        (r"How much money does (\w+) have left\?", ["What amount does \\1 still have?"]),
        (r"How much does (\w+) earn\?", ["What is \\1's pay?"]),
        (r"(\w+) also gets a \$(\d+) bonus\.", ["A $\\2 tip is added for \\1."]),
        (r" is (\d+) years old\.", [" has just turned \\1."]),
        (r" is (\d+) times as old as (\w+)", [" is \\1 times older than \\2"]),
        (r"How old will (\w+) be in (\d+) years\?", ["What age will \\1 reach after \\2 years?"]),
        (r"What will the sum of their ages be in (\d+) years\?", ["Add up their ages \\1 years from now. What do you get?"]),
        (r"It is on sale for (\d+)% off\.", ["This week it is marked down \\1%."]),
        (r"What is the sale price\?", ["What is the new price?"]),
        (r"How much does (\w+) pay\?", ["How much is \\1's bill?"]),
        (r"Shipping costs \$(\d+)\.", ["Postage adds $\\1."]),
        (r"took twice as many as", ["grabbed twice as many as"]),
        (r"How many (\w+) must the older child hand over to the younger\?",
         ["How many \\1 does the older child owe the younger?"]),
    ],
)

# the dev set's wordings must be unseen: no phrase of DEV may occur in TRAIN's replacements
_PLURALS = {plural for _, plural in corpus.ITEMS}


def _swap_words(text: str, mapping: dict[str, str]) -> str:
    if not mapping:
        return text
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, mapping), key=len, reverse=True)) + r")\b")
    return pattern.sub(lambda m: mapping[m.group(1)], text)


def reword(p: corpus.Problem, rng: random.Random, vocab: Vocabulary, phrase_rate: float = 0.6) -> corpus.Problem:
    """The same problem in other words; the chain follows the question's names and objects."""
    if p.lang != "en":
        return p
    mapping: dict[str, str] = {}
    present = [n for n in corpus.EN_NAMES if re.search(rf"\b{n}\b", p.question)]
    fresh = rng.sample(vocab.names, min(len(present), len(vocab.names)))
    mapping.update(zip(present, fresh))
    for word in corpus.THINGS:
        if re.search(rf"\b{word}\b", p.question):
            mapping[word] = rng.choice(vocab.things)
    for singular, plural in corpus.ITEMS:
        if re.search(rf"\b{re.escape(plural)}\b", p.question) or re.search(rf"\b{re.escape(singular)}\b", p.question):
            new_singular, new_plural = rng.choice(vocab.items)
            if any(v == new_plural for v in mapping.values()):
                continue
            mapping[plural] = new_plural
            mapping[singular] = new_singular
    for job in corpus.JOBS:
        if job in p.question:
            mapping[job] = rng.choice(vocab.jobs)
    for fruit in corpus.FRUIT_EN:
        if re.search(rf"\b{fruit}\b", p.question):
            mapping[fruit] = rng.choice(vocab.fruit_en)
    question = _swap_words(p.question, mapping)
    chain = _swap_words(p.chain, mapping)
    for pattern, options in vocab.phrases:
        if rng.random() < phrase_rate:
            question = re.sub(pattern, lambda m: m.expand(rng.choice(options)), question)
    # "A pen costs" -> "An ..." where the new item starts with a vowel
    question = re.sub(r"\bA ([aeiou])", r"An \1", question)
    return replace(p, question=question, chain=chain)
