"""Development sets (training/dev/*.jsonl) for choosing decoding defaults and checkpoints, never fixtures/.

Drawn like the fixtures but from seed 3: `easy`, `medium`, `hard` (100 each), `apples_en`, `apples_zh`
(50 each), and the same three levels reworded with `reword.DEV` (names, objects and phrasings that the
training corpus never uses): `reworded_easy`, `reworded_medium`, `reworded_hard`, and `reworded_spoken`
(phase 18: 100 medium and hard story problems in DEV's wording, a pronoun for their person and told in the past
tense; seed 4). No fixture question is in them; the phase-3 training stream leaves all of them out.

`handwritten.jsonl` is not drawn here: 25 problems of the corpus's families written by a person, in sentences
no template or reword vocabulary has (other sentence orders, pronouns, `a $50 note`, `boxes of 8`), to measure
how far the model's reading carries past the corpus's wordings (phase 11 on; the stream leaves it out too).

    /usr/bin/python3 training/dev_sets.py
"""
from __future__ import annotations

import json
import os
import random
import sys
from dataclasses import replace

sys.path.insert(0, os.path.dirname(__file__))
import corpus  # noqa: E402
import reword  # noqa: E402
from spoken import STORY_FAMILIES  # noqa: E402
from train import fixture_questions  # noqa: E402

OUT = os.path.join("training", "dev")
# DEV's wording with every story question's person a pronoun after its first mention, told in the past tense
DEV_SPOKEN = replace(reword.DEV, spoken=1.0)


def problems() -> dict[str, list[corpus.Problem]]:
    """Every development set's problems (with their worked chains, in `corpus.CHAIN_FORMAT`), drawn from seed 3."""
    rng = random.Random(3)
    seen = fixture_questions()
    sets: dict[str, list[corpus.Problem]] = {}

    def draw(name: str, count: int, make) -> None:
        drawn: list[corpus.Problem] = []
        while len(drawn) < count:
            p = make()
            if p.question in seen:
                continue
            seen.add(p.question)
            drawn.append(p)
        sets[name] = drawn

    for level, name in ((1, "easy"), (2, "medium"), (3, "hard")):
        draw(name, 100, lambda: corpus.mixed(rng, level))
    for lang in ("en", "zh"):
        draw(f"apples_{lang}", 50, lambda: corpus.apples(rng, rng.choice([1, 2, 3]), lang))
    for level, name in ((1, "easy"), (2, "medium"), (3, "hard")):
        def reworded():
            while True:
                p = corpus.mixed(rng, level)
                if p.lang == "en":
                    return reword.reword(p, rng, reword.DEV, phrase_rate=1.0)
        draw(f"reworded_{name}", 100, reworded)

    # drawn last from its own seed, so that the sets above stay as they were (phase 18)
    rng = random.Random(4)

    def spoken() -> corpus.Problem:
        while True:
            p = corpus.mixed(rng, rng.choice([2, 3]))
            if p.lang == "en" and p.family in STORY_FAMILIES:
                return reword.reword(p, rng, DEV_SPOKEN, phrase_rate=1.0)
    draw("reworded_spoken", 100, spoken)
    return sets


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    for name, drawn in problems().items():
        with open(os.path.join(OUT, f"{name}.jsonl"), "w", encoding="utf-8") as f:
            for i, p in enumerate(drawn):
                r = {"id": f"dev-{name}-{i + 1:04d}", "question": p.question, "answer": p.answer,
                     "family": p.family, "level": p.level, "lang": p.lang}
                f.write(json.dumps(r, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
