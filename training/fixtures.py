"""Write the fixture problem sets (fixtures/*.jsonl), from a seed different from the training corpus's,
dropping any question that also occurs in the training corpus.

    /usr/bin/python3 training/fixtures.py [--train-seed 1 --train-examples 50000 --seed 2]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(__file__))
import corpus  # noqa: E402
from train import build_corpus  # noqa: E402

REFERENCE_ZH = (
    "爸爸大明出差回来买了 30个苹果,两个孩子 (老大和老二已分配了 30个苹果,大明没有参与分配的过程,老大分得的苹果是老二的2倍。"
    "老二觉得不公平,于是向大明告状。大明觉得老大有些自私,不仅没爸爸和妈妈分配,还不照顾老二,给自己多分配了很多苹果。"
    "于是,大明决定老大一个小小的惩罚,并明确设置了分配规则,要求:给爸爸和妈妈一共分4个,然后在剩下的苹果中,"
    "老二分得的苹果要比老大多两个。请问在第分配的基础上,老大还需要给老二多少个苹果,才能达到大明的要求?"
)
REFERENCE_EN = (
    "Dad (Daming) came back from a business trip with 30 apples. His two children, the older and the younger, "
    "shared the 30 apples without him: the older child took twice as many as the younger. The younger child "
    "felt it was unfair and told Dad. Dad set a rule: first give 4 apples in all to Mom and Dad, then of the "
    "remaining apples the younger child gets 2 more than the older. Starting from the first split, how many "
    "apples must the older child give the younger?"
)


def write(path: str, records: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=2)
    ap.add_argument("--train-seed", type=int, default=1)
    ap.add_argument("--train-examples", type=int, default=50_000)
    ap.add_argument("--out", default="fixtures")
    args = ap.parse_args()
    seen = {p.question for p in build_corpus(args.train_seed, args.train_examples)}
    rng = random.Random(args.seed)

    def draw(name: str, count: int, make) -> list[dict]:
        records = []
        while len(records) < count:
            p = make()
            if p.question in seen:
                continue  # never evaluate on a training question
            seen.add(p.question)  # and never twice in the fixtures
            records.append({"id": f"{name}-{len(records) + 1:04d}", "question": p.question, "answer": p.answer,
                            "family": p.family, "level": p.level, "lang": p.lang})
        return records

    for level, name in ((1, "easy"), (2, "medium"), (3, "hard")):
        write(os.path.join(args.out, f"{name}.jsonl"), draw(name, 200, lambda: corpus.mixed(rng, level)))
    for lang in ("en", "zh"):
        write(os.path.join(args.out, f"apples_{lang}.jsonl"),
              draw(f"apples-{lang}", 100, lambda: corpus.apples(rng, rng.choice([1, 2, 3]), lang)))
    write(os.path.join(args.out, "reference.jsonl"), [
        {"id": "reference-zh", "question": REFERENCE_ZH, "answer": 4, "lang": "zh"},
        {"id": "reference-en", "question": REFERENCE_EN, "answer": 4, "lang": "en"},
    ])


if __name__ == "__main__":
    main()
